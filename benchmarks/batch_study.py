r"""Plain batch against the distinct (selected) batch, paired: the same ascents, two batches.

For every task, seed and method the proxies are fitted once (as ``run_benchmark`` does) and
the method's ascent runs once with ``config.batch="distinct"``: its last step is the plain
batch (the protocol's ``C`` final designs) and its selection is the distinct batch, so the
two differ by the batch rule only. Both are scored with the oracle into records like the
benchmark's (``batch`` names which); the table shows the means over seeds and the paired
differences.

    python benchmarks/batch_study.py --tasks tfbind8 rna20 hartmann6 --seeds 8 \
        --output results/batch_study
    python benchmarks/batch_study.py --report --output results/batch_study   # the table again

Seconds: ``plain`` is the ascent, ``distinct`` the ascent plus the selection.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from botorch_mentor.benchmark import runner
from botorch_mentor.benchmark.methods import METHODS, MethodOutput
from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.optim import ascent
from botorch_mentor.optim.selection import batch_selection
from botorch_mentor.tasks import get_task

BATCH_SIZE = runner.preset_config("fast", False).n_candidates
"""The designs asked for: the protocol's 128 starting designs."""
KEYS = ("score_100th", "score_50th", "distinct", "distinct_hits", "diversity", "novelty",
        "method_seconds")


def run_task(name: str, methods: list[str], seeds: list[int], out: Path) -> list[dict]:
    task = get_task(name)
    path = out / f"{name}.jsonl"
    done = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    have = {(r["method"], r["seed"], r["batch"]) for r in done}
    best_visible = float(task.normalize(task.y.max()))
    selection_seconds = []
    real_select = ascent._select_batch

    def timed_select(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_select(*args, **kwargs)
        finally:
            selection_seconds.append(time.perf_counter() - started)

    ascent._select_batch = timed_select
    try:
        for seed in seeds:
            if all((m, seed, b) in have for m in methods for b in ("plain", "distinct")):
                continue
            config = runner.preset_config("fast", task.discrete, seed=seed, batch="distinct")
            features = task.features().float()
            torch.manual_seed(seed)
            model = fit_mentoring_ensemble(
                MentoringEnsemble(features, task.y.float(), config=config))
            X_start = task.features(task.top_designs(config.n_candidates)).float()
            space, selection = runner.task_design_space(task), batch_selection(config)
            for method in methods:
                selection_seconds.clear()
                started = time.perf_counter()
                output = METHODS[method](model, X_start, config, design_space=space,
                                         selection=selection)
                seconds = time.perf_counter() - started
                plain = MethodOutput(designs=output.design_trajectory[-1])
                for result, spent in (
                    (plain, seconds - sum(selection_seconds)),
                    (MethodOutput(designs=output.designs, batch="distinct"), seconds),
                ):
                    record = runner._score_record(task, method, seed, "fast", result,
                                                  best_visible)
                    record["method_seconds"] = spent
                    record.pop("normalized_scores")
                    done.append(record)
                    with open(path, "a") as handle:
                        handle.write(json.dumps(record) + "\n")
                print(f"{name} {method} seed {seed}: {seconds:.1f} s", flush=True)
    finally:
        ascent._select_batch = real_select
    return done


def table(records: list[dict]) -> str:
    lines = ["| task | method | batch | seeds | 100th | 50th | distinct | distinct hits | "
             "diversity | novelty | s / run |", "|---" * 11 + "|"]
    paired = ["| task | method | 100th: distinct - plain | 50th: distinct - plain | "
              "distinct hits: distinct / plain |", "|---|---|---|---|---|"]
    groups: dict[tuple, dict[str, dict[int, dict]]] = {}
    for r in records:
        groups.setdefault((r["task"], r["method"]), {}).setdefault(r["batch"], {})[r["seed"]] = r
    for (task, method), batches in groups.items():
        for batch in ("plain", "distinct"):
            runs = list(batches.get(batch, {}).values())
            if not runs:
                continue
            cells = []
            for key in KEYS:
                values = torch.tensor([float(r[key]) for r in runs], dtype=torch.float64)
                std = float(values.std()) if len(runs) > 1 else 0.0
                digits = 1 if key in ("distinct", "distinct_hits", "method_seconds") else 3
                cells.append(f"{float(values.mean()):.{digits}f}" + (
                    f" ± {std:.{digits}f}" if key.startswith("score") else ""))
            lines.append(f"| {task} | {method} | {batch} | {len(runs)} | " + " | ".join(cells)
                         + " |")
        seeds = sorted(set(batches.get("plain", {})) & set(batches.get("distinct", {})))
        if seeds:
            diff = {k: torch.tensor([batches["distinct"][s][k] - batches["plain"][s][k]
                                     for s in seeds], dtype=torch.float64)
                    for k in ("score_100th", "score_50th")}
            hits = [sum(batches[b][s]["distinct_hits"] for s in seeds)
                    for b in ("distinct", "plain")]
            ratio = f"{hits[0] / hits[1]:.2f}" if hits[1] else "inf"
            paired.append(
                f"| {task} | {method} | {float(diff['score_100th'].mean()):+.3f} ± "
                f"{float(diff['score_100th'].std()):.3f} | {float(diff['score_50th'].mean()):+.3f}"
                f" ± {float(diff['score_50th'].std()):.3f} | {ratio} |")
    summary = ["| method | tasks | distinct batches of n | mean over tasks of the hit ratio | "
               "pooled hits: distinct / plain | worst paired 100th difference |",
               "|---|---|---|---|---|---|"]
    for method in dict.fromkeys(m for _, m in groups):
        ratios, pooled, worst, full, tasks = [], [0, 0], float("inf"), 0, 0
        for (_, m), batches in groups.items():
            seeds = sorted(set(batches.get("plain", {})) & set(batches.get("distinct", {})))
            if m != method or not seeds:
                continue
            tasks += 1
            hits = [sum(batches[b][s]["distinct_hits"] for s in seeds)
                    for b in ("distinct", "plain")]
            ratios.append(hits[0] / hits[1] if hits[1] else float("inf"))
            pooled = [pooled[0] + hits[0], pooled[1] + hits[1]]
            differences = [batches["distinct"][s]["score_100th"]
                           - batches["plain"][s]["score_100th"] for s in seeds]
            worst = min(worst, sum(differences) / len(differences))
            full += all(batches["distinct"][s]["distinct"] >= BATCH_SIZE for s in seeds)
        summary.append(
            f"| {method} | {tasks} | {full} of {tasks} | {sum(ratios) / len(ratios):.2f} | "
            f"{pooled[0] / pooled[1]:.2f} | {worst:+.3f} |")
    return "\n".join(lines) + "\n\nPaired over seeds (mean ± std of the differences):\n\n" + (
        "\n".join(paired) + "\n\nOver the tasks (worst paired 100th difference: the lowest "
        "task's mean over seeds of distinct - plain):\n\n" + "\n".join(summary) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", default=["tfbind8", "rna20", "hartmann6"])
    parser.add_argument("--methods", nargs="+", default=["grad-mean", "tri-mentoring-scale-free"])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--output", default="results/batch_study")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--report", action="store_true",
                        help="run nothing: the table of every task's records in --output")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    if args.report:
        for path in sorted(out.glob("*.jsonl")):
            records += [json.loads(line) for line in path.read_text().splitlines()]
    for name in [] if args.report else args.tasks:
        records += run_task(name, args.methods, list(range(args.seeds)), out)
    text = table(records)
    (out / "table.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

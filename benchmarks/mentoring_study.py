"""The study of where the mentoring pays: one command, resumable, one combined table.

Per task (TFBind8, the RNA task, the continuous synthetic tasks), on the same proxies per
seed ("main"): tri-mentoring with the paper's raw step and the scale-free step, the
no-soft-labels ablation, grad-mean, grad-min and CMA-ES. Further parts, each with its own
grad-mean for a paired comparison: ListNet-pretrained proxies, five proxies, and the costly
ones (the no-voting ablation, three mentoring steps per design step).

    python benchmarks/mentoring_study.py [--tasks tfbind8 rna20 hartmann6 ackley]
        [--seeds 8] [--parts main listnet five-proxies ablations] [--ray] [--out results/study]

Every part writes ``<out>/<task>-<part>/records.jsonl`` (a rerun skips what is finished);
the combined table, with each method's difference to its part's grad-mean (paired by seed),
goes to ``<out>/study.md`` and is printed.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from botorch_mentor.benchmark import read_records, run_benchmark
from botorch_mentor.benchmark.report import mean_std

MAIN_METHODS = [
    "tri-mentoring", "tri-mentoring-scale-free", "tri-mentoring-no-soft-labels", "grad-mean",
    "grad-min", "cma-es",
]
PARTS = {
    "main": ({}, MAIN_METHODS),
    "listnet": ({"pretrain_loss": "listnet"}, ["tri-mentoring-scale-free", "grad-mean"]),
    "five-proxies": ({"n_proxies": 5}, ["tri-mentoring-scale-free", "grad-mean"]),
    "ablations": ({}, ["tri-mentoring-no-voting", "tri-mentoring-3-steps", "grad-mean"]),
}
"""Part name -> (config changes of its proxies, methods)."""
VARIANT_TASKS = ("tfbind8", "rna20")
"""The variants that retrain the proxies run on the two target tasks only."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", nargs="+", default=["tfbind8", "rna20", "hartmann6", "ackley"])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=list(PARTS))
    parser.add_argument("--ray", action="store_true", help="run the runs in parallel on Ray")
    parser.add_argument("--out", default="results/study")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)
    for part in args.parts:
        changes, methods = PARTS[part]
        for task in args.tasks:
            if part != "main" and task not in VARIANT_TASKS:
                continue
            folder = out / f"{task}-{part}"
            if not args.report_only:
                print(f"== {task} / {part}: {', '.join(methods)}", flush=True)
                run_benchmark(task, methods=methods, seeds=args.seeds, output=folder,
                              config_changes=changes, threads=1, progress=True,
                              executor="ray" if args.ray else "local")
    table = study_table(out, args.tasks, args.parts)
    (out / "study.md").write_text(table)
    print(table)


def study_table(out: Path, tasks: list[str], parts: list[str]) -> str:
    r"""Mean +- std over seeds per (task, part, method), and the paired difference to the
    part's grad-mean on the 100th and 50th percentile."""
    lines = [
        "| task | proxies | method | seeds | 100th pct | 50th pct | d100 vs grad-mean "
        "| d50 vs grad-mean | overestimation | Spearman | s / run |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for task in tasks:
        for part in parts:
            folder = out / f"{task}-{part}"
            if not (folder / "records.jsonl").exists():
                continue
            records = read_records(folder)
            by_method: dict[str, dict[int, dict]] = {}
            for r in records:
                by_method.setdefault(r["method"], {})[r["seed"]] = r
            base = by_method.get("grad-mean", {})
            for method, runs in by_method.items():
                seeds = sorted(runs)
                cells = [_stat([runs[s][k] for s in seeds]) for k in ("score_100th", "score_50th")]
                deltas = [
                    _stat([runs[s][k] - base[s][k] for s in seeds if s in base], signed=True)
                    if method != "grad-mean" and base else "-"
                    for k in ("score_100th", "score_50th")
                ]
                gap = _stat([runs[s].get("overestimation", math.nan) for s in seeds], 2)
                rho = _stat([runs[s].get("spearman", math.nan) for s in seeds], 2)
                seconds = sum(runs[s]["method_seconds"] for s in seeds) / len(seeds)
                lines.append(
                    f"| {task} | {part} | {method} | {len(seeds)} | {cells[0]} | {cells[1]} | "
                    f"{deltas[0]} | {deltas[1]} | {gap} | {rho} | {seconds:.1f} |"
                )
    return "\n".join(lines) + "\n"


def _stat(values: list[float], digits: int = 3, signed: bool = False) -> str:
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return "-"
    mean, std = mean_std(values)
    sign = "+" if signed else ""
    return f"{mean:{sign}.{digits}f} ± {std:.{digits}f}"


if __name__ == "__main__":
    main()

"""The regime test on the MuJoCo policy tasks: tri-mentoring against mean-ensemble ascent where
ascent drives designs off the data.

Runs (or resumes) the protocol on each task, five methods, 8 seeds, fast preset with the
paper's continuous ascent (Adam, lr 1e-3, 200 steps), and prints per task the mean ± std of
every method, then the paired differences tri-mentoring minus grad-mean (mean ± standard
error over seeds, and on how many seeds tri-mentoring is ahead), and whether the issue's
target holds: 50th >= grad-mean's + 0.05 with 100th >= grad-mean's - 0.01.

    python benchmarks/mujoco_study.py                 # run, then report
    python benchmarks/mujoco_study.py --report        # report the records already there

The same runs from the command line, one task:

    botorch-mentor benchmark --task hopper --methods tri-mentoring tri-mentoring-raw \\
        grad-mean grad-min cma-es --seeds 8 --set outer_refresh=20 \\
        --output docs/results/mujoco/hopper
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from botorch_mentor.benchmark import read_records, run_benchmark

TASKS = ("hopper", "halfcheetah", "ant")
METHODS = ("tri-mentoring", "tri-mentoring-raw", "grad-mean", "grad-min", "cma-es")
CHANGES = {"outer_refresh": 20}


def _mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {spread:.3f}"


def report(output: Path, tasks: tuple[str, ...]) -> None:
    print("| task | method | seeds | 100th | 50th | overestimation | s / run |")
    print("|---|---|---|---|---|---|---|")
    paired_rows = []
    for task in tasks:
        records = [r for r in read_records(output / task) if r["task"] == task]
        if not records:
            continue
        for method in METHODS:
            rows = [r for r in records if r["method"] == method]
            if not rows:
                continue
            seconds = statistics.mean(r["fit_seconds"] + r["method_seconds"] for r in rows)
            print(f"| {task} | {method} | {len(rows)} | "
                  f"{_mean_std([r['score_100th'] for r in rows])} | "
                  f"{_mean_std([r['score_50th'] for r in rows])} | "
                  f"{_mean_std([r['overestimation'] for r in rows])} | {seconds:.0f} |")
        by = {(r["method"], r["seed"]): r for r in records}
        for method in ("tri-mentoring", "tri-mentoring-raw"):
            seeds = sorted(s for m, s in by if m == method and ("grad-mean", s) in by)
            if len(seeds) < 2:
                continue
            d100 = [by[method, s]["score_100th"] - by["grad-mean", s]["score_100th"]
                    for s in seeds]
            d50 = [by[method, s]["score_50th"] - by["grad-mean", s]["score_50th"]
                   for s in seeds]
            paired_rows.append((task, method, len(seeds), d100, d50))
    print("\n| task | method | seeds | 100th minus grad-mean | ahead | 50th minus grad-mean "
          "| ahead | target (50th >= +0.05, 100th >= -0.01) |")
    print("|---|---|---|---|---|---|---|---|")
    for task, method, n, d100, d50 in paired_rows:
        se100 = statistics.stdev(d100) / n ** 0.5
        se50 = statistics.stdev(d50) / n ** 0.5
        met = statistics.mean(d50) >= 0.05 and statistics.mean(d100) >= -0.01
        print(f"| {task} | {method} | {n} | {statistics.mean(d100):+.3f} ± {se100:.3f} | "
              f"{sum(d > 0 for d in d100)}/{n} | {statistics.mean(d50):+.3f} ± {se50:.3f} | "
              f"{sum(d > 0 for d in d50)}/{n} | {'met' if met else 'missed'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--output", type=Path, default=Path("docs/results/mujoco"))
    parser.add_argument("--report", action="store_true", help="only report")
    args = parser.parse_args()
    if not args.report:
        for task in args.tasks:
            run_benchmark(task, methods=METHODS, seeds=args.seeds, config_changes=CHANGES,
                          output=args.output / task, progress=True)
    report(args.output, tuple(args.tasks))


if __name__ == "__main__":
    main()

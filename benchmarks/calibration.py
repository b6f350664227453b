"""Calibration of the ensemble as a surrogate: held-out Pearson, Gaussian NLL, +-1/+-2 std
coverage and a reliability plot, for the fast preset, its variants and the surrogate preset.

    python benchmarks/calibration.py [--seeds 3] [--output results/calibration]

Problems: Hartmann-6 (500 uniform training points, 2,000 uniform test points) and TFBind8
(the visible rows, 10 % held out). Target for ``MentoringConfig.surrogate()``: +-2 std coverage
>= 85 %, NLL below fast()'s, Pearson at most 0.02 below fast()'s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botorch_mentor.benchmark.calibration import (  # noqa: E402
    CONFIGURATIONS,
    reliability_plot,
    run_calibration,
)

COLUMNS = ("pearson", "nll", "coverage_1sd", "coverage_2sd", "mae", "mean_std", "spread_scale",
           "fit_seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGURATIONS))
    parser.add_argument("--output", default="results/calibration")
    args = parser.parse_args()
    rows = run_calibration(args.configs, seeds=args.seeds)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "calibration.json").write_text(json.dumps(rows, indent=1))
    lines = ["| task | configuration | " + " | ".join(COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 2) + "|"]
    for task in dict.fromkeys(r["task"] for r in rows):
        for name in dict.fromkeys(r["config"] for r in rows):
            mine = [r for r in rows if r["task"] == task and r["config"] == name]
            cells = []
            for column in COLUMNS:
                values = [r[column] for r in mine]
                mean = statistics.fmean(values)
                spread = statistics.stdev(values) if len(values) > 1 else 0.0
                cells.append(f"{mean:.3f} ± {spread:.3f}" if column != "fit_seconds"
                             else f"{mean:.1f}")
            lines.append(f"| {task} | {name} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    (out / "calibration.md").write_text(table + "\n")
    print(f"{args.seeds} seeds, mean ± std")
    print(table)
    print("plot:", reliability_plot(rows, out / "reliability.png"))


if __name__ == "__main__":
    main()

"""The protocol's results table (documentation: results/protocol): every method, 8 seeds,
fast preset, CPU.

    python benchmarks/results_table.py [--tasks tfbind8 rna20 hartmann6 ackley] [--seeds 8]

Each task's records go to ``results/<task>/`` (resumable: a rerun skips finished records);
the combined Markdown table is printed and written to ``results/README_table.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from botorch_mentor.benchmark import METHODS, run_benchmark
from botorch_mentor.benchmark.report import aggregate, markdown_table, write_results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", nargs="+",
                        default=["tfbind8", "rna20", "hartmann6", "ackley"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--output", default="results")
    args = parser.parse_args()
    all_records = []
    for task in args.tasks:
        out = Path(args.output) / task
        records = run_benchmark(task, methods=args.methods, seeds=args.seeds,
                                preset=args.preset, output=out, progress=True,
                                threads=args.threads)
        write_results(records, out)
        all_records.extend(records)
        print(markdown_table(aggregate(records)), flush=True)
    table = markdown_table(aggregate(all_records))
    Path(args.output, "README_table.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()

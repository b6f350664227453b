"""Wall time of the main job, ``botorch-mentor benchmark`` (TFBind8, tri-mentoring and grad-mean,
fast preset, 3 seeds), end to end as a user runs it (a fresh process and output folder each
time), for each worker count and mentoring step asked for. Run it on an otherwise idle machine.

    python benchmarks/main_job.py --workers 1 2 --refresh 1 20
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--refresh", type=int, nargs="+", default=[1])
    parser.add_argument("--task", default="tfbind8")
    args = parser.parse_args()
    print("| workers | outer_refresh | wall seconds |")
    print("|---|---|---|")
    for refresh in args.refresh:
        for workers in args.workers:
            with tempfile.TemporaryDirectory() as output:
                command = [sys.executable, "-m", "botorch_mentor.cli", "benchmark", "--task",
                           args.task, "--workers", str(workers), "--output", output,
                           "--set", f"outer_refresh={refresh}"]
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                seconds = time.perf_counter() - started
            print(f"| {workers} | {refresh} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()

r"""``propose`` beside a busy process: its time idle and with another process computing.

The busy process multiplies matrices with torch's default thread count (every core), as a
second job on a shared machine does. ``propose`` runs with its default of one thread
(``botorch_mentor.threads``) and, for comparison, with every core.

    python benchmarks/propose_threads.py [--rows 5000] [--n 64]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from botorch_mentor import propose
from botorch_mentor.tasks import tfbind8

BUSY = ("import torch\n"
        "x = torch.randn(1500, 1500)\n"
        "while True:\n"
        "    x = torch.tanh(x @ x / 1500)\n")


def timed(frame: pd.DataFrame, n: int, threads: int) -> float:
    started = time.perf_counter()
    propose(frame, "score", n=n, sequence_column="sequence", alphabet="dna", threads=threads)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--n", type=int, default=64)
    args = parser.parse_args()
    task = tfbind8()
    rows = np.random.default_rng(0).choice(task.x.shape[0], args.rows, replace=False)
    letters = np.array(list("ACGT"))
    frame = pd.DataFrame({"sequence": ["".join(r) for r in letters[task.x[rows].numpy()]],
                          "score": task.y[rows, 0].numpy()})
    cores = os.cpu_count() or 1
    print(f"{args.rows} TFBind8 rows, {args.n} proposals, {cores} cores")
    idle = {t: timed(frame, args.n, t) for t in (1, cores)}
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        time.sleep(3)  # the busy process is computing
        loaded = {t: timed(frame, args.n, t) for t in (1, cores)}
    finally:
        busy.kill()
    for t in (1, cores):
        print(f"threads={t}: idle {idle[t]:.1f} s, beside a busy process {loaded[t]:.1f} s "
              f"({loaded[t] / idle[t]:.2f}x)")


if __name__ == "__main__":
    main()

"""Throughput of the RNA binding oracle (ViennaRNA duplexfold), one process vs all CPUs.

    python benchmarks/rna_oracle_speed.py [--length 20] [--designs 100000]

Target: at least 5,000 20-nt designs per second on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from botorch_mentor.tasks import DuplexOracle, tokens_to_rna


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--designs", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    target = tokens_to_rna(rng.integers(0, 4, size=(1, args.length)))[0]
    designs = torch.as_tensor(rng.integers(0, 4, size=(args.designs, args.length)))
    print(f"{args.designs} designs of {args.length} nt, target {target}, "
          f"{os.cpu_count()} CPUs")
    results = {}
    for workers in sorted({1, os.cpu_count() or 1}):
        oracle = DuplexOracle(target, workers=workers)
        started = time.perf_counter()
        oracle(designs[:5000])  # starts the worker processes (once per process)
        startup = time.perf_counter() - started
        started = time.perf_counter()
        results[workers] = oracle(designs)
        seconds = time.perf_counter() - started
        print(f"  {workers} process(es): {seconds:6.2f} s, {args.designs / seconds:8.0f} "
              f"designs/s (first call, with start-up: {startup:.2f} s for 5,000)")
    first, *others = results.values()
    assert all(torch.equal(first, other) for other in others), "threaded scores differ"


if __name__ == "__main__":
    main()

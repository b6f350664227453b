"""Local Ray executor against the sequential one, on a small sweep (this machine's cores).

Sweep: Hartmann-6 (2,000 samples), methods tri-mentoring (per candidate), grad-mean and
cma-es, 4 seeds, width 32, 32 candidates, 100 steps. The sequential executor uses all cores
for each run's tensor work; Ray runs one run per core, one thread each. Prints both wall
times and the speed-up.

    python benchmarks/ray_speedup.py [--cpus 2] [--seeds 4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import ray
import torch

from botorch_mentor.benchmark import run_benchmark
from botorch_mentor.tasks import synthetic_task

CHANGES = dict(hidden_sizes=(32, 32), pretrain_epochs=10, n_candidates=32, ascent_steps=100,
               outer_batch_size=256)
METHODS = ["tri-mentoring", "grad-mean", "cma-es"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpus", type=int, default=os.cpu_count())
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    task = synthetic_task("hartmann6", n_samples=2000)
    torch.set_num_threads(args.cpus)
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        run_benchmark(task, METHODS, seeds=args.seeds, config_changes=CHANGES,
                      output=f"{tmp}/local")
        sequential = time.perf_counter() - began
        began = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        start_up = time.perf_counter() - began
        began = time.perf_counter()
        run_benchmark(task, METHODS, seeds=args.seeds, config_changes=CHANGES,
                      output=f"{tmp}/ray", executor="ray")
        distributed = time.perf_counter() - began
        ray.shutdown()
    runs = len(METHODS) * args.seeds
    print(f"{runs} runs, {args.cpus} CPUs, torch {torch.__version__}, ray {ray.__version__}")
    print(f"sequential (local executor, {args.cpus} threads) {sequential:7.1f} s")
    print(f"ray (local instance, {args.cpus} workers)          {distributed:7.1f} s "
          f"(+ {start_up:.1f} s to start Ray)")
    print(f"speedup {sequential / distributed:.2f} "
          f"({sequential / (distributed + start_up):.2f} counting Ray's start-up)")


if __name__ == "__main__":
    main()

"""How small can the proxies be? The evidence behind ``MentoringConfig.fast()`` (CPU).

Runs tri-mentoring (per candidate) and grad-mean on TFBind8 for a few candidate settings of
width, pretraining epochs, pretraining learning rate and outer mini-batch, and prints the
normalized 100th/50th percentiles (mean over seeds) and the time per trial.

    python benchmarks/fast_preset_sweep.py --seeds 2
"""

from __future__ import annotations

import argparse
import time

import torch

from botorch_mentor.benchmark import run_benchmark
from botorch_mentor.benchmark.report import aggregate

SETTINGS = {
    "w64 e20 lr0.01 ob512 (fast)": dict(),
    "w64 e20 lr0.1 ob512": dict(pretrain_lr=0.1),
    "w64 e50 lr0.01 ob512": dict(pretrain_epochs=50),
    "w128 e20 lr0.01 ob512": dict(hidden_sizes=(128, 128)),
    "w64 e20 lr0.01 ob2048": dict(outer_batch_size=2048),
    "w64 e20 lr0.01 batch128": dict(batch_size=128),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--settings", nargs="*", default=list(SETTINGS))
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(f"{'setting':<28} {'method':<15} {'100th':>6} {'50th':>6} {'fit s':>6} {'run s':>6}")
    for name in args.settings:
        started = time.perf_counter()
        records = run_benchmark("tfbind8", methods=["tri-mentoring", "grad-mean"],
                                seeds=args.seeds, preset="fast", config_changes=SETTINGS[name])
        for row in aggregate(records):
            fit = sum(r["fit_seconds"] for r in records if r["method"] == row["method"]) / len(
                [r for r in records if r["method"] == row["method"]])
            print(f"{name:<28} {row['method']:<15} {row['score_100th_mean']:6.3f} "
                  f"{row['score_50th_mean']:6.3f} {fit:6.1f} {row['method_seconds_mean']:6.1f}",
                  flush=True)
        print(f"{'':<28} total {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()

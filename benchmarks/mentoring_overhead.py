"""What mentoring costs per ascent step, and what batching the candidates saves (CPU).

Small problem: width 64, 1,000 rows (TFBind8's first visible rows, 24 logit features),
32 candidates, 20 steps, float32. Prints seconds per step of plain mean-ensemble ascent,
tri-mentoring in shared mode, tri-mentoring per candidate (batched), and per candidate run
one candidate at a time, then the ratios. The last line is ``speedup <batched vs one-at-a-time>``.

    python benchmarks/mentoring_overhead.py [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import torch

from botorch_mentor import (
    MentoringConfig,
    MentoringEnsemble,
    fit_mentoring_ensemble,
    optimize_designs,
)
from botorch_mentor.tasks import tfbind8


def seconds_per_step(fn, steps: int, repeats: int = 3) -> float:
    fn(1)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(steps)
        best = min(best, time.perf_counter() - start)
    return best / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--candidates", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--width", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    task = tfbind8()
    X = task.features()[: args.rows].float()
    Y = task.y[: args.rows].float()
    config = MentoringConfig.fast(
        discrete=True, hidden_sizes=(args.width, args.width), pretrain_epochs=5,
        fit_mentoring_rounds=0, outer_batch_size=None,
    )
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
    start = X[Y.squeeze(-1).topk(args.candidates).indices]

    def plain(steps):
        optimize_designs(model, start, steps=steps, mentoring=False)

    def shared(steps):
        optimize_designs(model, start, steps=steps, mode="shared")

    def batched(steps):
        optimize_designs(model, start, steps=steps, mode="per_candidate")

    def one_at_a_time(steps):
        for c in range(start.shape[0]):
            optimize_designs(model, start[c : c + 1], steps=steps, mode="per_candidate")

    times = {
        "plain mean-ensemble ascent": seconds_per_step(plain, args.steps),
        "tri-mentoring shared": seconds_per_step(shared, args.steps),
        "tri-mentoring per-candidate, batched": seconds_per_step(batched, args.steps),
        "tri-mentoring per-candidate, one at a time": seconds_per_step(
            one_at_a_time, args.steps, repeats=1
        ),
    }
    print(f"width {args.width}, {args.rows} rows, {args.candidates} candidates, {args.steps} "
          f"steps, float32, {args.threads} threads, torch {torch.__version__}")
    for name, value in times.items():
        print(f"{name:<45} {value * 1e3:9.2f} ms/step")
    plain_t = times["plain mean-ensemble ascent"]
    shared_t = times["tri-mentoring shared"]
    print(f"shared / plain                                 {shared_t / plain_t:9.1f}x")
    print(f"per-candidate batched / plain                  "
          f"{times['tri-mentoring per-candidate, batched'] / plain_t:9.1f}x")
    print(f"per-candidate batched / shared                 "
          f"{times['tri-mentoring per-candidate, batched'] / times['tri-mentoring shared']:9.1f}x")
    speedup = (times["tri-mentoring per-candidate, one at a time"]
               / times["tri-mentoring per-candidate, batched"])
    print(f"speedup {speedup:.1f}")


if __name__ == "__main__":
    main()

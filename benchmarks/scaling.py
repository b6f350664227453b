"""How a tri-mentoring trial scales with the number of candidates and the dataset size (CPU).

Small width (32), per-candidate mode, whole-dataset outer loss, float32, a fixed number of
ascent steps; TFBind8 rows as data. Prints two tables: seconds per ascent step against the
number of candidates (1..128) at 1,000 rows, and against the number of rows (1k..32k) at 8
candidates, with the cost per candidate-step and per row-candidate-step, which should stay
roughly flat if the cost grows linearly.

    python benchmarks/scaling.py [--steps 5] [--threads 2]
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


def step_seconds(model, start, steps: int) -> float:
    optimize_designs(model, start, steps=1)  # warm-up
    began = time.perf_counter()
    optimize_designs(model, start, steps=steps)
    return (time.perf_counter() - began) / steps


def fitted(X, Y, width: int):
    config = MentoringConfig.fast(discrete=True, hidden_sizes=(width, width), pretrain_epochs=2,
                                  fit_mentoring_rounds=0, outer_batch_size=None)
    return fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--width", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    task = tfbind8()
    X_all, Y_all = task.features().float(), task.y.float()
    print(f"width {args.width}, 3 proxies, per-candidate, whole-data outer loss, float32, "
          f"{args.threads} threads, torch {torch.__version__}")

    model = fitted(X_all[:1000], Y_all[:1000], args.width)
    print("\ncandidates  rows   s/step   ms per candidate-step")
    base = None
    for n in (1, 2, 4, 8, 16, 32, 64, 128):
        start = X_all[:1000][Y_all[:1000, 0].topk(n).indices]
        t = step_seconds(model, start, args.steps)
        base = base or t
        print(f"{n:>10} {1000:>5} {t:8.4f} {1e3 * t / n:10.3f}   ({t / base:5.1f}x one candidate)")

    print("\ncandidates   rows   s/step   us per row-candidate-step")
    for rows in (1000, 2000, 4000, 8000, 16000, 32000):
        model = fitted(X_all[:rows], Y_all[:rows], args.width)
        start = X_all[:rows][Y_all[:rows, 0].topk(8).indices]
        t = step_seconds(model, start, args.steps)
        print(f"{8:>10} {rows:>6} {t:8.4f} {1e6 * t / (rows * 8):10.3f}")


if __name__ == "__main__":
    main()

"""One paper-preset TFBind8 trial on a GPU: time, memory, throughput, scores.

Paper settings: width 2048, 3 proxies, 200 pretraining epochs, 128 candidates x 100 steps,
per-candidate mentoring, whole-dataset outer loss. Prints pretraining time, ascent time,
total, peak GPU memory, achieved TFLOP/s of the ascent (analytic count of the outer-loss
passes, which dominate) and the normalized 100th/50th percentiles.

    python benchmarks/gpu_paper_trial.py [--precision float32|tf32] [--candidates 128]
                                         [--steps 100] [--epochs 200] [--device cuda]

``--precision tf32`` lets CUDA use TF32 tensor cores for float32 matrix products.
Runs on the CPU too (``--device cpu`` with small ``--width``/``--epochs``) as a smoke check.
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
from botorch_mentor.benchmark.estimate import proxy_parameters
from botorch_mentor.tasks import tfbind8


def outer_flops(n_networks: int, rows: int, d: int, width: int) -> float:
    r"""Forward + backward FLOPs of one outer-loss pass: 6 per weight and row (2 per
    multiply-add, backward 2x), as the CLI's cost estimate counts them."""
    return 6.0 * n_networks * rows * proxy_parameters(d, (width, width))


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--precision", choices=["float32", "tf32"], default="float32")
    parser.add_argument("--candidates", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--max-memory-gb", type=float, default=8.0)
    args = parser.parse_args()
    if args.device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SystemExit("CUDA is not available; use --device cpu with a small --width.")
        torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
        torch.cuda.reset_peak_memory_stats()
        name = torch.cuda.get_device_name()
    else:
        name = "cpu"

    task = tfbind8()
    X = task.features().float().to(args.device)
    Y = task.y.float().to(args.device)
    config = MentoringConfig.paper(
        discrete=True, hidden_sizes=(args.width, args.width), pretrain_epochs=args.epochs,
        n_candidates=args.candidates, ascent_steps=args.steps, fit_mentoring_rounds=0,
        seed=args.seed, max_memory_gb=args.max_memory_gb,
    )
    sync(args.device)
    began = time.perf_counter()
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
    sync(args.device)
    pretrain_s = time.perf_counter() - began
    start = task.features(task.top_designs(args.candidates)).float().to(args.device)
    began = time.perf_counter()
    result = optimize_designs(model, start)
    sync(args.device)
    ascent_s = time.perf_counter() - began
    scores = task.normalize(task.score(task.decode(result.designs.double().cpu())))
    flops = args.steps * outer_flops(3 * args.candidates, X.shape[0], X.shape[1], args.width)
    peak = torch.cuda.max_memory_allocated() / 2**30 if args.device.startswith("cuda") else 0.0
    print(f"device {name}, precision {args.precision}, torch {torch.__version__}")
    print(f"width {args.width}, epochs {args.epochs}, candidates {args.candidates}, "
          f"steps {args.steps}, rows {X.shape[0]}")
    print(f"pretraining      {pretrain_s:8.1f} s")
    print(f"ascent           {ascent_s:8.1f} s  "
          f"({ascent_s / (args.candidates * args.steps):.5f} s per candidate-step)")
    print(f"total            {pretrain_s + ascent_s:8.1f} s")
    print(f"peak GPU memory  {peak:8.2f} GiB")
    print(f"outer-loss TFLOP/s {flops / ascent_s / 1e12:6.1f}")
    print(f"score 100th {scores.max():.3f}  50th {scores.median():.3f}")


if __name__ == "__main__":
    main()

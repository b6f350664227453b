"""Does mentoring change anything? Measured at a chosen width on TFBind8 (CPU or GPU).

Fits the proxies, then runs per-candidate tri-mentoring and plain mean-ensemble ascent
(grad-mean) from the same starts and prints: the fraction of pairs on which a proxy was
outvoted, how far the soft labels moved from the consensus, how much the mentoring changed
the proxies' predictions at the final designs (in units of the score's standard deviation),
and how many decoded final designs differ from grad-mean's.

    python benchmarks/mentoring_effect.py --width 2048 --epochs 5 --candidates 8 \
        --steps 10 --outer-batch 2048
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--candidates", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--outer-batch", type=int, default=None)
    parser.add_argument("--inner-lr", type=float, default=1e-3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    task = tfbind8()
    X = task.features().float().to(args.device)
    Y = task.y.float().to(args.device)
    config = MentoringConfig.paper(
        discrete=True, hidden_sizes=(args.width, args.width), pretrain_epochs=args.epochs,
        fit_mentoring_rounds=0, outer_batch_size=args.outer_batch, inner_lr=args.inner_lr,
        n_candidates=args.candidates, ascent_steps=args.steps,
    )
    started = time.perf_counter()
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
    fit_s = time.perf_counter() - started
    start = task.features(task.top_designs(args.candidates)).float().to(args.device)
    started = time.perf_counter()
    mentored = optimize_designs(model, start)
    mentor_s = time.perf_counter() - started
    plain = optimize_designs(model, start, mentoring=False)
    scale = float(model.y_std)
    change = (mentored.member_predictions - mentored.unmentored_predictions).abs().mean() / scale
    designs_m = task.decode(mentored.designs.double().cpu())
    designs_p = task.decode(plain.designs.double().cpu())
    differ = (designs_m != designs_p).any(dim=-1).float().mean()
    score_m = task.normalize(task.score(designs_m))
    score_p = task.normalize(task.score(designs_p))
    print(f"width {args.width}, {args.epochs} pretraining epochs (val Pearson "
          f"{[round(v, 3) for v in model.val_pearson.tolist()]}), {args.candidates} candidates, "
          f"{args.steps} steps, outer batch {args.outer_batch or 'all'}, inner lr {args.inner_lr}, "
          f"{args.device}")
    print(f"fit {fit_s:.1f} s, mentored ascent {mentor_s:.1f} s")
    print(f"outvoted fraction of pairs        {float(mentored.disagreement.mean()):.4f}")
    print(f"mean |soft label - consensus|     {float(mentored.label_shift.mean()):.3g}")
    print(f"max  |soft label - consensus|     {float(mentored.label_shift.max()):.3g}")
    print(f"prediction change at final designs {float(change):.4f} score std")
    print(f"designs differing from grad-mean   {float(differ):.3f}")
    print(f"100th / 50th: tri-mentoring {score_m.max():.3f} / {score_m.median():.3f}, "
          f"grad-mean {score_p.max():.3f} / {score_p.median():.3f}")


if __name__ == "__main__":
    main()

"""How strongly one mentoring step acts, per proxy width, under the raw and the scale-free step.

For each width the proxies are pretrained on TFBind8 (the fast preset's recipe: Adam at lr
0.01, batch 256; fewer epochs at the large widths so the script runs on a CPU), then a
per-candidate mentored ascent from the top designs runs a few steps under
``strength="raw"`` (the paper's alpha = 1e-3) and ``strength="scale_free"`` (alpha =
``function_step / kappa`` per network), recording with ``MentoringDiagnostics``:

- ``corrected``: share of a proxy's mentoring set whose ranking one step corrects;
- ``shift``: mean soft-label shift over the mentoring set;
- ``ratio``: the proxies' prediction change at the candidate per mentoring step, relative to
  the ensemble's change over the design step;
- ``kappa``: the tangent-kernel scale (which the raw step ignores).

    python benchmarks/mentoring_strength.py [--widths 64 256 1024 2048] [--out results/strength]

Prints a table (medians over candidates, means over steps), the spread across widths
(max / min) of every diagnostic under each strength, and writes ``strength.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from botorch_mentor import MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble
from botorch_mentor.optim import MentoringDiagnostics, optimize_designs
from botorch_mentor.tasks import tfbind8

EPOCHS = {64: 20, 256: 20, 1024: 4, 2048: 2}
"""Pretraining epochs per width: the fast preset's 20 where a CPU allows, fewer above."""
KEYS = ("corrected_share", "label_shift", "change_ratio", "kernel_scale")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 256, 1024, 2048])
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/strength")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    task = tfbind8()
    X, Y = task.features().float(), task.y.float()
    start = task.features(task.top_designs(args.candidates)).float()
    rows = []
    for width in args.widths:
        epochs = EPOCHS.get(width, 20)
        config = MentoringConfig.fast(
            discrete=True, hidden_sizes=(width, width), pretrain_epochs=epochs,
            fit_mentoring_rounds=0, seed=args.seed,
        )
        began = time.perf_counter()
        model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
        fit_s = time.perf_counter() - began
        for strength in ("raw", "scale_free"):
            diagnostics = MentoringDiagnostics(config.n_proxies)
            optimize_designs(model, start, steps=args.steps, observer=diagnostics,
                             config=config.replace(strength=strength))
            row = {"width": width, "epochs": epochs, "strength": strength,
                   "fit_s": round(fit_s, 1), **diagnostics.summary()}
            rows.append(row)
            print(f"width {width:5d} ({epochs:2d} ep)  {strength:10s}  "
                  f"corrected {row['corrected_share']:.3f}  shift {row['label_shift']:.2e}  "
                  f"ratio {row['change_ratio']:.3f}  kappa {row['kernel_scale']:.2f}",
                  flush=True)
    print("\nspread across widths (max / min):")
    for strength in ("raw", "scale_free"):
        chosen = [r for r in rows if r["strength"] == strength]
        spread = {k: _spread([r[k] for r in chosen]) for k in KEYS[:3]}
        print(f"  {strength:10s} " + "  ".join(f"{k} {v}" for k, v in spread.items()))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "strength.json").write_text(json.dumps(rows, indent=1))


def _spread(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{high / low:.1f}x" if low > 0 else "inf (a width where it is 0)"


if __name__ == "__main__":
    main()

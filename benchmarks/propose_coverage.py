r"""What ``std_<target>`` of ``propose`` means at the proposals: coverage against the oracle.

For each task the visible data become a table (sequence, score); ``propose`` (default
configuration: tri-mentoring, distinct batch, calibrated spread) returns its proposals; the
oracle scores them; the script prints the share of proposals whose true score lies within
one and two ``std_<target>`` of the prediction, for the calibrated spread and for the raw
spread (the calibrated one divided by the fitted ``spread_scale``), and the mean error.

    python benchmarks/propose_coverage.py [--tasks tfbind8 rna20] [--seeds 2] [--n 128]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import torch

from botorch_mentor import propose
from botorch_mentor.proposals import fit_table_model
from botorch_mentor.tasks import get_task

LETTERS = {"tfbind8": "ACGT", "rna14": "ACGU", "rna20": "ACGU", "rna40": "ACGU"}


def run(task_name: str, seed: int, n: int) -> dict:
    task = get_task(task_name)
    letters = np.array(list(LETTERS[task_name]))
    sequences = ["".join(row) for row in letters[task.x.numpy()]]
    frame = pd.DataFrame({"sequence": sequences, "score": task.y.squeeze(-1).numpy()})
    alphabet = "dna" if task_name == "tfbind8" else "rna"
    out = propose(frame, "score", n=n, seed=seed, sequence_column="sequence", alphabet=alphabet)
    model, _ = fit_table_model(frame, "score", seed=seed, sequence_column="sequence",
                               alphabet=alphabet)
    lookup = {c: i for i, c in enumerate(LETTERS[task_name])}
    tokens = torch.tensor([[lookup[c] for c in s] for s in out["sequence"]])
    true = task.score(tokens).numpy()
    error = np.abs(true - out["predicted_score"].to_numpy())
    std = out["std_score"].to_numpy()
    scale = float(model.spread_scale)
    return {
        "task": task_name, "seed": seed, "proposals": len(out), "spread_scale": scale,
        "within_1sd": float((error <= std).mean()), "within_2sd": float((error <= 2 * std).mean()),
        "raw_within_1sd": float((error <= std / scale).mean()),
        "raw_within_2sd": float((error <= 2 * std / scale).mean()),
        "mean_error": float(error.mean()), "mean_std": float(std.mean()),
        "overestimation": float((out["predicted_score"].to_numpy() - true).mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", default=["tfbind8", "rna20"])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--n", type=int, default=128)
    args = parser.parse_args()
    print("| task | seed | proposals | spread scale | within 1 std | within 2 std | raw: within "
          "1 std | raw: within 2 std | mean abs error | mean std | mean predicted - true |")
    print("|---" * 11 + "|")
    for task in args.tasks:
        for seed in range(args.seeds):
            r = run(task, seed, args.n)
            print(f"| {task} | {seed} | {r['proposals']} | {r['spread_scale']:.2f} | "
                  f"{r['within_1sd']:.2f} | {r['within_2sd']:.2f} | {r['raw_within_1sd']:.2f} | "
                  f"{r['raw_within_2sd']:.2f} | {r['mean_error']:.3g} | {r['mean_std']:.3g} | "
                  f"{r['overestimation']:+.3g} |", flush=True)


if __name__ == "__main__":
    main()

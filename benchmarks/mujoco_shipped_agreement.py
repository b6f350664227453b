"""How well this machine's MuJoCo oracle agrees with the scores shipped with the registered
tasks' data.

The shipped data is the task (the same on every machine); the oracle that scores proposals
runs here. For each task this rescoring covers the best generated and the best visible policy
and policies evenly spaced through the score ranking, and prints the largest absolute and
relative difference and how many scores are bit-identical.

    python benchmarks/mujoco_shipped_agreement.py [--policies 64] [--tasks hopper ant]
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import torch

from botorch_mentor.tasks.mujoco import MUJOCO_TASKS, load_shipped_data, registered_mujoco_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(MUJOCO_TASKS))
    parser.add_argument("--policies", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    import gymnasium
    import mujoco

    print(f"machine: {platform.machine()} {platform.processor() or ''}, mujoco "
          f"{mujoco.__version__}, gymnasium {gymnasium.__version__}")
    print("| task | generated with (mujoco / gymnasium) | policies rescored | bit-identical | "
          "max abs difference | max relative difference (of the score range) |")
    print("|---|---|---|---|---|---|")
    for name in args.tasks:
        shipped = load_shipped_data(name)
        if shipped is None:
            print(f"| {name} | not shipped | | | | |")
            continue
        data, generation = shipped
        task = registered_mujoco_task(name)
        scores = data["scores"]
        visible = np.flatnonzero(scores <= np.quantile(scores, 0.5))
        order = np.argsort(scores, kind="stable")
        picks = sorted({int(order[-1]), int(visible[np.argmax(scores[visible])]),
                        *order[np.linspace(0, len(order) - 1, args.policies).astype(int)]})
        rescored = task.score(torch.as_tensor(data["params"][picks])).numpy()
        difference = np.abs(rescored - scores[picks])
        span = scores.max() - scores.min()
        print(f"| {name} | {generation['mujoco']} / {generation['gymnasium']} | {len(picks)} | "
              f"{int((difference == 0).sum())} | {difference.max():.3g} | "
              f"{difference.max() / span:.2e} |")


if __name__ == "__main__":
    main()

"""What the registered MuJoCo tasks hold: rows, dimensions, the spread of returns, the best
visible normalized score, and what the best generated and the best visible policies do (the
distance their robot moves forward in one episode, and for how many steps it stays healthy).

Builds each task (from the cache when present; the first build generates the data and prints
its seconds) and prints a Markdown table.

    python benchmarks/mujoco_data.py [--tasks hopper halfcheetah ant]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from botorch_mentor.tasks.mujoco import MUJOCO_TASKS, registered_mujoco_task
from botorch_mentor.workers.mujoco import act, make_env, unflatten


def walk(task, design: np.ndarray) -> tuple[float, int]:
    """Forward distance (x position at the end minus at the start, metres) and steps of one
    episode from reset seed 0."""
    env = make_env(task.env_id, task.env_kwargs, task.episode_steps)
    layers = unflatten(design, task.layout)
    observation, info = env.reset(seed=0)
    start = float(env.unwrapped.data.qpos[0])
    steps, done = 0, False
    while not done:
        action = act(layers, observation, task.obs_mean, task.obs_std, env.action_space.low,
                     env.action_space.high)
        observation, _, terminated, truncated, info = env.step(action)
        steps, done = steps + 1, terminated or truncated
    return float(env.unwrapped.data.qpos[0]) - start, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(MUJOCO_TASKS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("| task | env | d | rows (visible / all) | returns of all: min / median / max "
          "| visible max (normalized) | best policy: metres, steps | best visible: metres, "
          "steps | build s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.tasks:
        started = time.perf_counter()
        task = registered_mujoco_task(name)
        seconds = time.perf_counter() - started
        rows = MUJOCO_TASKS[name].ars.rows or MUJOCO_TASKS[name].ars.recorded
        visible = task.x.numpy()
        best_visible = visible[int(task.y.argmax())]
        full = task.generated_data()
        best_metres, best_steps = walk(task, full["params"][int(full["scores"].argmax())])
        median = float(np.median(full["scores"]))
        visible_metres, visible_steps = walk(task, best_visible)
        print(f"| {name} | {task.env_id} | {task.length} | {task.x.shape[0]} / {rows} | "
              f"{task.y_min:.0f} / {median:.0f} / {task.y_max:.0f} | "
              f"{float(task.y.max()):.0f} ({float(task.normalize(task.y.max())):.3f}) | "
              f"{best_metres:.1f}, {best_steps} | {visible_metres:.1f}, {visible_steps} | "
              f"{seconds:.1f} |")


if __name__ == "__main__":
    main()

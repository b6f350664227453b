"""Write the registered MuJoCo tasks' data into the package (``botorch_mentor/data/mujoco``).

Generates each registered task's data with this machine's simulator (or reads it from the
cache), then stores the arrays with the settings and versions that made them. Run it only when
a task's definition changes (then ``GENERATOR_VERSION`` or the task's settings change too):
the shipped data *is* the task, the same on every machine.

    python tools/ship_mujoco_data.py [--tasks hopper halfcheetah ant]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import botorch_mentor
from botorch_mentor.tasks.mujoco import MUJOCO_TASKS, save_shipped_data

TARGET = Path(botorch_mentor.__file__).parent / "data" / "mujoco"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(MUJOCO_TASKS))
    args = parser.parse_args()
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in args.tasks:
        task = MUJOCO_TASKS[name].build(name, shipped=False)  # the cache, else generated
        path = TARGET / f"{name}.npz"
        save_shipped_data(path, task.generated_data(), task.generation)
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.2f} MB), generation "
              f"{task.generation}")


if __name__ == "__main__":
    main()

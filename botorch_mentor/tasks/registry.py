r"""Task names: ``get_task(name)``, ``list_tasks()`` and what each registered task is.

Listing never builds a task: RNA tasks fold 10,000 designs and MuJoCo tasks run an
augmented random search on first use, so what the listing shows is static (``TaskEntry``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botorch_mentor.tasks.base import OfflineTask
from botorch_mentor.tasks.design_bench import from_design_bench_folder
from botorch_mentor.tasks.mujoco import MUJOCO_TASKS, registered_mujoco_task
from botorch_mentor.tasks.rna import RNA_TASK_ROWS, RNA_TASK_SIZES, registered_rna_task
from botorch_mentor.tasks.superconductor import superconductor_task
from botorch_mentor.tasks.synthetic import SYNTHETIC_TASKS, synthetic_task
from botorch_mentor.tasks.tfbind import tfbind8


@dataclass(frozen=True)
class TaskEntry:
    r"""A registered task, described without building it."""

    build: Callable[[], OfflineTask]
    designs: str
    """The design space, e.g. ``sequence L=8, V=4`` or ``continuous d=36``."""
    source: str
    """Where the data and the oracle come from, and what building it needs."""


TASKS: dict[str, TaskEntry] = {
    "tfbind8": TaskEntry(tfbind8, "sequence L=8, V=4", "embedded in the package"),
    **{name: TaskEntry((lambda n: lambda: synthetic_task(n))(name), f"continuous d={spec.dim}",
                       f"botorch.test_functions.{spec.function} (d={spec.dim})")
       for name, spec in SYNTHETIC_TASKS.items()},
    **{name: TaskEntry((lambda k: lambda: from_design_bench_folder("tfbind10", max_samples=k))(
        samples), "sequence L=10, V=4", f"design-bench data folder ($DESIGN_BENCH_DATA), {rows}")
       for name, samples, rows in (("tfbind10", None, "all 4,161,482 visible rows"),
                                   ("tfbind10-30k", 30_000, "30,000 visible rows (seed 0)"))},
    "superconductor": TaskEntry(superconductor_task, "continuous d=86",
                                "UCI superconductor element table (embedded), rebuilt "
                                "random-forest oracle of design-bench's "
                                "Superconductor-RandomForest-v0 (extra: superconductor)"),
    **{name: TaskEntry((lambda n: lambda: registered_rna_task(n))(name),
                       f"sequence L={length}, V=4",
                       f"ViennaRNA duplexfold, L={length}, {RNA_TASK_ROWS} random designs "
                       "(extra: rna)")
       for name, length in RNA_TASK_SIZES.items()},
    **{name: TaskEntry((lambda n: lambda: registered_mujoco_task(n))(name),
                       f"continuous d={spec.dim}", f"{spec.describe()} (extra: mujoco)")
       for name, spec in MUJOCO_TASKS.items()},
}
"""Every registered task by name."""


def list_tasks() -> dict[str, str]:
    r"""Every task name and where its data comes from (nothing is built)."""
    return {name: entry.source for name, entry in TASKS.items()}


def get_task(name: str) -> OfflineTask:
    r"""Build the task called ``name`` (see ``list_tasks``)."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(sorted(TASKS))}.")
    return TASKS[name].build()

r"""Task names: ``get_task(name)`` and ``list_tasks()``."""

from __future__ import annotations

from collections.abc import Callable

from botorch_mentor.tasks.base import OfflineTask
from botorch_mentor.tasks.design_bench import from_design_bench_folder
from botorch_mentor.tasks.rna import RNA_TASK_ROWS, RNA_TASK_SIZES, registered_rna_task
from botorch_mentor.tasks.synthetic import SYNTHETIC_TASKS, synthetic_task
from botorch_mentor.tasks.tfbind import tfbind8

_BUILDERS: dict[str, Callable[[], OfflineTask]] = {"tfbind8": tfbind8}
for _name in SYNTHETIC_TASKS:
    _BUILDERS[_name] = (lambda n: lambda: synthetic_task(n))(_name)
_BUILDERS["tfbind10"] = lambda: from_design_bench_folder("tfbind10")
for _name in RNA_TASK_SIZES:
    _BUILDERS[_name] = (lambda n: lambda: registered_rna_task(n))(_name)

_SOURCES = {
    "tfbind8": "embedded in the package",
    "tfbind10": "design-bench data folder ($DESIGN_BENCH_DATA)",
    **{n: f"botorch.test_functions.{s.function} (d={s.dim})" for n, s in SYNTHETIC_TASKS.items()},
    **{n: f"ViennaRNA duplexfold, L={L}, {RNA_TASK_ROWS} random designs (extra: rna)"
       for n, L in RNA_TASK_SIZES.items()},
}


def list_tasks() -> dict[str, str]:
    r"""Every task name and where its data comes from."""
    return dict(_SOURCES)


def get_task(name: str) -> OfflineTask:
    r"""Build the task called ``name`` (see ``list_tasks``)."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(sorted(_BUILDERS))}.")
    return _BUILDERS[name]()

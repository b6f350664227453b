r"""design-bench, without importing it: its data folder, or a live task object.

``from_design_bench_folder`` reads design-bench's data layout
(``<root>/tf_bind_8-<TF>/tf_bind_8-x-0.npy`` and ``...-y-0.npy``; same for ``tf_bind_10``)
and builds exact-oracle tasks with design-bench's semantics. The folder comes from the
``path`` argument or the ``DESIGN_BENCH_DATA`` environment variable. ``from_design_bench_task``
wraps a live ``design_bench.make(...)`` object for users who have design-bench working.
Files are loaded with ``allow_pickle=False``: a file that would need unpickling is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from botorch_mentor.tasks.base import OfflineTask

ENV_VAR = "DESIGN_BENCH_DATA"
LAYOUTS = {
    "tfbind8": ("tf_bind_8-SIX6_REF_R1", "tf_bind_8", 4),
    "tfbind10": ("tf_bind_10-pho4", "tf_bind_10", 4),
}
HOW_TO_GET = (
    "design-bench's download server is gone; copy its data folder (e.g. from a colleague's "
    "design_bench_data/) and point the library at it: set the environment variable "
    "DESIGN_BENCH_DATA=/path/to/design_bench_data (command line and Python), or pass "
    "path=... to from_design_bench_folder (Python)."
)


def load_npy(path: Path):
    r"""``np.load`` that never unpickles: object arrays are refused with a clear message."""
    if not path.is_file():
        raise FileNotFoundError(f"design-bench data file not found: {path}. {HOW_TO_GET}")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        raise ValueError(
            f"{path} holds pickled Python objects, which are never loaded (they can run code); "
            "save the array with a numeric dtype instead."
        ) from error


def from_design_bench_folder(
    task: str, path: str | os.PathLike | None = None, subfolder: str | None = None
) -> OfflineTask:
    r"""An exact-oracle task (``tfbind8`` or ``tfbind10``) from design-bench's data folder.

    Args:
        task: ``tfbind8`` or ``tfbind10``.
        path: The data root; default ``$DESIGN_BENCH_DATA``.
        subfolder: Another transcription factor's folder (e.g. ``tf_bind_8-PBX4_REF_R2``).
    """
    if task not in LAYOUTS:
        raise ValueError(f"design-bench folder tasks are {sorted(LAYOUTS)}, got {task!r}.")
    root = path if path is not None else os.environ.get(ENV_VAR)
    if root is None:
        raise FileNotFoundError(
            f"no design-bench data folder given for {task}. {HOW_TO_GET}"
        )
    default_sub, prefix, num_classes = LAYOUTS[task]
    folder = Path(root) / (subfolder or default_sub)
    x = load_npy(folder / f"{prefix}-x-0.npy")
    y = load_npy(folder / f"{prefix}-y-0.npy")
    return OfflineTask.from_lookup_table(
        x, y, num_classes=num_classes, visible_quantile=0.5, name=task, source=str(folder)
    )


def from_design_bench_task(db_task, y_min: float, y_max: float, name: str = "") -> OfflineTask:
    r"""Wrap a live ``design_bench.make(...)`` task: its visible ``x``/``y``, its oracle
    (``db_task.predict``), its discreteness (``is_discrete``, ``num_classes``).

    ``y_min``/``y_max`` are the full-dataset bounds of the normalized score (design-bench's
    paper, Trabucco et al., ICML 2022, lists those of the standard tasks), since a live task
    only exposes its visible data.
    """
    for attribute in ("x", "y", "predict", "is_discrete"):
        if not hasattr(db_task, attribute):
            raise TypeError(
                f"db_task has no attribute {attribute!r}; pass the object returned by "
                "design_bench.make(...)."
            )
    discrete = bool(db_task.is_discrete)
    x = torch.as_tensor(np.asarray(db_task.x))
    y = torch.as_tensor(np.asarray(db_task.y), dtype=torch.float64).reshape(-1, 1)

    def oracle(designs: torch.Tensor) -> torch.Tensor:
        values = np.asarray(db_task.predict(designs.cpu().numpy()))
        return torch.as_tensor(values, dtype=torch.float64).reshape(-1)

    bounds = None
    if not discrete:
        x = x.to(torch.float64)
    return OfflineTask(
        name=name or getattr(db_task, "dataset_name", "design-bench"),
        x=x.long() if discrete else x,
        y=y,
        oracle=oracle,
        y_min=float(y_min),
        y_max=float(y_max),
        num_classes=int(db_task.num_classes) if discrete else None,
        bounds=bounds,
        source="design_bench.make(...)",
    )

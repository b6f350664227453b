r"""Checks of user input, run where it enters the library.

Every check raises at the entry point with a message that names the argument, says what is
wrong and how to fix it, instead of letting a bad tensor fail deep inside torch or, worse,
produce a silent NaN.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from botorch_mentor.config import MentoringConfig


FINITE_CHECK_ELEMENTS = 1 << 22
"""Elements checked at once by ``all_finite``: ``torch.isfinite`` holds temporaries as large
as its input (an absolute value among them), so large data is checked a block of rows at a
time."""


def _row_blocks(value: Tensor):
    r"""``(first row, block)`` over dimension 0, each block at most ``FINITE_CHECK_ELEMENTS``
    elements (at least one row); views of any strides, nothing copied."""
    if value.dim() == 0:
        yield 0, value.reshape(1)
        return
    row_elements = max(1, value[0].numel()) if value.shape[0] else 1
    rows = max(1, FINITE_CHECK_ELEMENTS // row_elements)
    for start in range(0, value.shape[0], rows):
        yield start, value[start:start + rows]


def all_finite(value: Tensor) -> bool:
    r"""No NaN or infinite entry in ``value``, checked a block of rows (at most
    ``FINITE_CHECK_ELEMENTS`` elements) at a time."""
    return all(bool(torch.isfinite(block).all()) for _, block in _row_blocks(value))


def first_non_finite(value: Tensor) -> list[int]:
    r"""The index (one int per dimension) of the first NaN or infinite entry of ``value`` in
    row-major order."""
    for start, block in _row_blocks(value):
        bad = (~torch.isfinite(block)).nonzero()
        if len(bad):
            index = [int(i) for i in bad[0]]
            if value.dim() == 0:
                return []
            index[0] += start
            return index
    raise ValueError("every entry is finite")


def check_float_tensor(value: object, name: str) -> Tensor:
    r"""``value`` must be a floating-point tensor with finite entries."""
    if not isinstance(value, Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(value).__name__}; "
            f"convert it with torch.as_tensor({name}, dtype=torch.float64)."
        )
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must be a float32 or float64 tensor, got {value.dtype}; "
            f"convert it with {name}.double() or {name}.float()."
        )
    if value.numel() > 0 and not all_finite(value):
        bad = first_non_finite(value)
        raise ValueError(
            f"{name} contains NaN or infinite values (first at index {bad}); "
            "drop or impute those rows before fitting."
        )
    return value


def check_design_tensor(X: object, n_features: int, name: str, min_dim: int = 2) -> Tensor:
    r"""Designs: a finite float tensor of shape ``... x n_features`` with ``min_dim`` dims."""
    X = check_float_tensor(X, name)
    if X.dim() < min_dim or X.shape[-1] != n_features:
        raise ValueError(
            f"{name} must have shape (..., {n_features}) with at least {min_dim} dimensions "
            f"(the model was built on {n_features} features), got {tuple(X.shape)}."
        )
    return X


def check_device(device: str | torch.device) -> torch.device:
    r"""``device`` as a ``torch.device``; a CUDA device must be available."""
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was requested but CUDA is not available; use cpu.")
    return device


def check_training_data(train_X: object, train_Y: object, config: MentoringConfig) -> None:
    r"""The static dataset: ``n x d`` designs and ``n x 1`` scores, finite, same dtype and
    device, non-constant scores, and enough rows for the validation split."""
    check_float_tensor(train_X, "train_X")
    check_float_tensor(train_Y, "train_Y")
    assert isinstance(train_X, Tensor) and isinstance(train_Y, Tensor)
    if train_X.dim() != 2:
        raise ValueError(
            f"train_X must be a 2-dim n x d tensor of designs, got shape {tuple(train_X.shape)}."
        )
    if train_Y.dim() == 1:
        raise ValueError(
            f"train_Y must be an n x 1 tensor, got shape {tuple(train_Y.shape)}; "
            "use train_Y.unsqueeze(-1)."
        )
    if train_Y.dim() != 2 or train_Y.shape[-1] != 1:
        raise ValueError(
            f"train_Y must be an n x 1 tensor (one objective), got shape {tuple(train_Y.shape)}."
        )
    if train_X.shape[0] != train_Y.shape[0]:
        raise ValueError(
            f"train_X and train_Y must have the same number of rows, got {train_X.shape[0]} "
            f"and {train_Y.shape[0]}."
        )
    if train_X.dtype != train_Y.dtype or train_X.device != train_Y.device:
        raise ValueError(
            f"train_X ({train_X.dtype}, {train_X.device}) and train_Y ({train_Y.dtype}, "
            f"{train_Y.device}) must share dtype and device; convert one with .to(other)."
        )
    n_rows = train_X.shape[0]
    n_val = validation_rows(n_rows, config.val_fraction)
    if n_val < 2 or n_rows - n_val < 2:
        raise ValueError(
            f"train_X has {n_rows} rows, too few for a {config.val_fraction:.0%} validation "
            "split with at least 2 rows on each side; provide more data or raise val_fraction."
        )
    if float(train_Y.std()) == 0.0:
        raise ValueError(
            "train_Y is constant: every design has the same score, so there is nothing to rank "
            "or learn; check the score column."
        )


def validation_rows(n_rows: int, val_fraction: float) -> int:
    r"""Rows held out for validation: ``round(n_rows * val_fraction)``."""
    return int(math.floor(n_rows * val_fraction + 0.5))


def precision(device: str | torch.device) -> torch.dtype:
    r"""The proxies' dtype on ``device``: float32 on a GPU (the paper's precision, and the
    one GPUs are fast in), float64 on the CPU (small proxies, bit-reproducible tables)."""
    return torch.float32 if torch.device(device).type == "cuda" else torch.float64

r"""Seeded random draws that are reproducible on every device."""

from __future__ import annotations

import torch
from torch import Tensor


def make_generator(seed: int, device: torch.device | str) -> torch.Generator:
    r"""A ``torch.Generator`` on ``device`` seeded with ``seed``."""
    return torch.Generator(device=torch.device(device)).manual_seed(int(seed))


def select_rows(
    X: Tensor, y: Tensor, n_rows: int | None, generator: torch.Generator | None
) -> tuple[Tensor, Tensor]:
    r"""A random subset of ``n_rows`` rows of ``(X, y)`` (all of them when ``n_rows`` is None
    or not smaller than the data); ``X`` is ``N x d`` and ``y`` is ``N``-dim."""
    n_total = X.shape[0]
    if n_rows is None or n_rows >= n_total:
        return X, y
    idx = torch.randperm(n_total, generator=generator, device=X.device)[:n_rows]
    return X[idx], y[idx]

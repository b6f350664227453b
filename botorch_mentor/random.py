r"""Seeded random draws that are reproducible on every device.

Every purpose draws from its own stream, derived from the one user seed with NumPy's
``SeedSequence`` (spawn key = the purpose), so that, for example, the first
train/validation split keys are not the first-layer initialization draws.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

PURPOSES = ("init", "splits", "fit_mentoring", "neighbourhoods", "outer_batches")
"""The independent random streams derived from a seed."""


def stream_seed(seed: int, purpose: str) -> int:
    r"""The seed of ``purpose``'s stream: a 63-bit integer derived from ``seed``."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}, got {purpose!r}.")
    sequence = np.random.SeedSequence(int(seed), spawn_key=(PURPOSES.index(purpose),))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def make_generator(
    seed: int, device: torch.device | str, purpose: str | None = None
) -> torch.Generator:
    r"""A ``torch.Generator`` on ``device`` seeded with ``seed`` (or, with ``purpose``, with
    that purpose's stream of ``seed``)."""
    value = int(seed) if purpose is None else stream_seed(seed, purpose)
    return torch.Generator(device=torch.device(device)).manual_seed(value)


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

r"""Step 1 of the mentoring: Gaussian neighbourhoods around the points being optimized."""

from __future__ import annotations

import torch
from torch import Tensor


def sample_neighbourhood(
    centres: Tensor,
    n_neighbours: int,
    noise_std: float,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Draw ``x_k = x + N(0, noise_std^2 I)``, ``k = 1..K``, around every centre.

    The centre itself is not among the samples.

    Args:
        centres: A ``batch_shape x d``-dim tensor of points (in z-scored design space).
        n_neighbours: K, the samples per centre.
        noise_std: The standard deviation of the Gaussian.
        generator: Optional generator on ``centres.device`` for reproducible draws.

    Returns:
        A ``batch_shape x K x d``-dim tensor of neighbours.
    """
    shape = (*centres.shape[:-1], n_neighbours, centres.shape[-1])
    noise = torch.randn(shape, generator=generator, dtype=centres.dtype, device=centres.device)
    return centres.unsqueeze(-2) + noise_std * noise

r"""How different designs are: distances, and the batch metrics a lab reads beside the scores.

Two distances, one per kind of design:

- sequences (``n x L`` integer tokens): the Hamming distance, the number of positions at
  which two sequences differ;
- continuous designs (``n x d`` floats): the Euclidean distance after z-scoring every
  dimension with the visible data's mean and standard deviation (a dimension that is constant
  in the data keeps its scale), so that no dimension dominates by its units.

The batch metrics (reported by GFN-AL, Jain et al., ICML 2022, and BootGen, Kim et al.,
NeurIPS 2023, beside the field's percentiles):

- ``distinct``: designs of the batch that differ from every other one (a repeated design
  counts once);
- ``distinct_hits``: distinct designs whose true score beats the best visible score;
- ``diversity``: the mean distance over all pairs ``i < j`` of the batch as returned (a
  repeated design contributes pairs at distance 0);
- ``novelty``: the mean over the batch of the distance to the nearest visible design (0 for a
  design that is already in the data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn import functional as F

CHUNK_ELEMENTS = 1 << 24
"""Largest block of distances (rows x columns) computed at once."""
REFERENCE_BLOCK_ROWS = 1 << 16
"""``nearest_distances`` against more reference rows than this reads the reference in blocks
of this many rows (keeping a running minimum), so that its memory does not grow with the
reference (the 4.16 million visible designs of TFBind10, say)."""
BLOCK_ELEMENTS = 1 << 22
"""Largest block of distances (rows x columns) of the blocked ``nearest_distances``."""


def hamming_distances(a: Tensor, b: Tensor) -> Tensor:
    r"""Hamming distances of two sets of sequences.

    Args:
        a: An ``n x L`` integer tensor.
        b: An ``m x L`` integer tensor.

    Returns:
        An ``n x m`` float64 tensor: the number of positions at which ``a[i]`` and ``b[j]``
        differ: the length minus the inner product of their one-hot codes, computed in
        chunks of ``a`` so that memory stays bounded for large ``b``.
    """
    if a.dim() != 2 or b.dim() != 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"sequences must be n x L and m x L tensors, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}."
        )
    b = b.to(a.device)
    if a.shape[0] == 0 or b.shape[0] == 0:
        return torch.zeros(a.shape[0], b.shape[0], dtype=torch.float64, device=a.device)
    # positions that agree = inner product of the one-hot codes (exact: small integers)
    classes = int(max(a.max(), b.max())) + 1
    one_hot_b = F.one_hot(b.long(), classes).flatten(1).to(torch.float32)
    rows = max(1, CHUNK_ELEMENTS // max(1, b.shape[0]))
    agree = [F.one_hot(chunk.long(), classes).flatten(1).to(torch.float32) @ one_hot_b.T
             for chunk in a.split(rows)]
    return a.shape[-1] - torch.cat(agree).to(torch.float64)


def euclidean_distances(a: Tensor, b: Tensor) -> Tensor:
    r"""``n x m`` Euclidean distances of an ``n x d`` and an ``m x d`` tensor (float64)."""
    if a.dim() != 2 or b.dim() != 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"designs must be n x d and m x d tensors, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}."
        )
    a64, b64 = a.to(torch.float64), b.to(device=a.device, dtype=torch.float64)
    return torch.cdist(a64, b64)


@dataclass(frozen=True)
class DesignDistance:
    r"""The distance of one task's designs: Hamming for sequences, z-scored Euclidean for
    continuous designs (``mean`` and ``std`` are the visible data's, ``d``-dim)."""

    discrete: bool
    mean: Tensor | None = None
    std: Tensor | None = None

    @classmethod
    def for_data(cls, x: Tensor, discrete: bool) -> DesignDistance:
        r"""The distance for designs like the visible ``n x L`` tokens or ``n x d`` floats
        ``x``."""
        if discrete:
            return cls(True)
        x64 = x.to(torch.float64)
        std = x64.std(dim=0) if x64.shape[0] > 1 else torch.ones_like(x64[0])
        return cls(False, x64.mean(dim=0), torch.where(std > 0, std, torch.ones_like(std)))

    def __call__(self, a: Tensor, b: Tensor) -> Tensor:
        r"""``n x m`` distances of designs ``a`` (``n x .``) and ``b`` (``m x .``)."""
        if self.discrete:
            return hamming_distances(a, b)
        mean = self.mean.to(a.device)
        std = self.std.to(a.device)
        return euclidean_distances(
            (a.to(torch.float64) - mean) / std, (b.to(torch.float64) - mean) / std
        )


def count_distinct(designs: Tensor) -> int:
    r"""Number of distinct rows of an ``n x .`` tensor (exact equality)."""
    if designs.shape[0] == 0:
        return 0
    return int(torch.unique(designs, dim=0).shape[0])


def mean_pairwise_distance(designs: Tensor, distance: DesignDistance) -> float:
    r"""Diversity: the mean of ``distance`` over all pairs ``i < j`` of the ``n`` designs
    (NaN for fewer than two designs)."""
    n = designs.shape[0]
    if n < 2:
        return float("nan")
    matrix = distance(designs, designs)
    upper = torch.triu_indices(n, n, offset=1, device=matrix.device)
    return float(matrix[upper[0], upper[1]].mean())


def nearest_distances(
    designs: Tensor, reference: Tensor, distance: Callable[[Tensor, Tensor], Tensor]
) -> Tensor:
    r"""The ``n`` distances from each of ``n`` designs to its nearest row of ``reference``,
    computed a block of designs at a time (``CHUNK_ELEMENTS`` distances at once); a reference
    of more than ``REFERENCE_BLOCK_ROWS`` rows is also read a block of rows at a time
    (``BLOCK_ELEMENTS`` distances at once), keeping each design's running minimum, so the
    memory is bounded whatever the size of the reference."""
    n_reference = reference.shape[0]
    if n_reference <= REFERENCE_BLOCK_ROWS:
        rows = max(1, CHUNK_ELEMENTS // max(1, n_reference))
        return torch.cat([distance(chunk, reference).min(dim=-1).values
                          for chunk in designs.split(rows)])
    rows = max(1, BLOCK_ELEMENTS // REFERENCE_BLOCK_ROWS)
    nearest = None
    for block in reference.split(REFERENCE_BLOCK_ROWS):
        for start in range(0, designs.shape[0], rows):
            values = distance(designs[start:start + rows], block).min(dim=-1).values
            if nearest is None:  # one output tensor, updated in place
                nearest = torch.full((designs.shape[0],), torch.inf, dtype=values.dtype,
                                     device=values.device)
            torch.minimum(nearest[start:start + rows], values,
                          out=nearest[start:start + rows])
    return nearest


def mean_nearest_distance(designs: Tensor, reference: Tensor, distance: DesignDistance) -> float:
    r"""Novelty: the mean over ``designs`` of the distance to the nearest row of
    ``reference`` (NaN without designs)."""
    if designs.shape[0] == 0 or reference.shape[0] == 0:
        return float("nan")
    return float(nearest_distances(designs, reference, distance).mean())


def batch_metrics(
    designs: Tensor,
    visible: Tensor,
    distance: DesignDistance,
    scores: Tensor | None = None,
    best_visible: float | None = None,
) -> dict[str, float]:
    r"""The batch metrics of ``n`` designs against the visible data.

    Args:
        designs: ``n x L`` tokens or ``n x d`` designs, as returned (repeats included).
        visible: The visible designs, in the same space.
        distance: The task's ``DesignDistance``.
        scores: ``n``-dim true scores of ``designs`` (for ``distinct_hits``), if known.
        best_visible: The best visible score, in the units of ``scores``.

    Returns:
        ``distinct``, ``diversity``, ``novelty`` and, with scores, ``distinct_hits``.
    """
    metrics = {
        "distinct": count_distinct(designs),
        "diversity": mean_pairwise_distance(designs, distance),
        "novelty": mean_nearest_distance(designs, visible, distance),
    }
    if scores is not None:
        if best_visible is None:
            raise ValueError("best_visible is needed with scores to count distinct hits.")
        unique, inverse = torch.unique(designs, dim=0, return_inverse=True)
        best = torch.full((unique.shape[0],), -torch.inf, dtype=torch.float64)
        best = best.scatter_reduce(0, inverse.cpu(), scores.cpu().to(torch.float64), "amax")
        metrics["distinct_hits"] = int((best > best_visible).sum())
    return metrics

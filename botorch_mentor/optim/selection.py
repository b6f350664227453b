r"""Batches of distinct designs: choose ``n`` designs from every design an ascent visited.

The plain batch of the field's protocol is the ``C`` final designs of ``C`` ascents; ascents
that converge to the same design (or, for sequences, decode to the same one) return it
several times, and a lab pays for each copy. A ``BatchSelection`` instead pools every design of
every step of every ascent, keeps one copy of each, leaves out designs already in the
training data, and picks ``n`` by a greedy rule that trades predicted score for spread:

.. math::

    i_k = \arg\max_{i \notin S} \; \hat f(x_i) - \lambda \max_{s \in S}
          \exp\!\left(-\frac{\delta(x_i, x_s)}{\ell}\right)

with ``hat f`` the ascended objective in z-units of the training scores, ``S`` the designs
chosen so far, ``delta`` the task's distance (Hamming for sequences, Euclidean in the z-scored
design space otherwise), ``ell`` the data's resolution (the median distance from a training
design to its nearest other training design) and ``lambda`` the ``penalty``. With
``penalty=0`` the rule is the ``n`` best distinct designs by prediction. A design is
predicted by the final (mentored) proxies of every ascent that visited it, averaged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from botorch_mentor.config import DIVERSITY_PENALTY, MentoringConfig
from botorch_mentor.diversity import euclidean_distances, hamming_distances, nearest_distances

RESOLUTION_ROWS = 512
"""Training rows sampled (with a fixed seed) to estimate the data's resolution ``ell``."""


@dataclass(frozen=True)
class BatchSelection:
    r"""How ``optimize_designs`` turns its ascents into ``n`` distinct designs (of its
    ``design_space``: what a point stands for and how designs are compared)."""

    n: int | None = None
    """Designs wanted; None: as many as there are starting designs."""
    penalty: float = DIVERSITY_PENALTY
    """``lambda``: the similarity penalty, z-units of the training scores (0: best first)."""

    def __post_init__(self) -> None:
        if self.n is not None and (
            not isinstance(self.n, int) or isinstance(self.n, bool) or self.n < 1
        ):
            raise ValueError(f"BatchSelection.n must be a positive integer, got {self.n!r}.")
        if isinstance(self.penalty, bool) or not isinstance(self.penalty, (int, float)) or not (
            0 <= self.penalty < float("inf")
        ):
            raise ValueError(
                f"BatchSelection.penalty must be a finite number >= 0, got {self.penalty!r}."
            )


def batch_selection(config: MentoringConfig, n: int | None = None) -> BatchSelection | None:
    r"""The ``BatchSelection`` that ``config.batch`` asks for (``config.diversity_penalty``,
    ``n`` designs), or None for the plain batch."""
    if config.batch == "plain":
        return None
    return BatchSelection(n=n, penalty=config.diversity_penalty)


def design_embedding(X: Tensor, latent: Callable[[Tensor], Tensor],
                     tokens: Callable[[Tensor], Tensor] | None) -> Tensor:
    r"""What the selection compares of canonical ``m x d`` designs: their ``m x L`` tokens
    (Hamming distance) or their ``m x d`` latent, z-scored images (Euclidean distance)."""
    return tokens(X) if tokens is not None else latent(X)


def embedding_distances(A: Tensor, B: Tensor) -> Tensor:
    r"""``a x b`` distances of two ``design_embedding`` outputs: Hamming for integer tokens,
    Euclidean otherwise."""
    if A.is_floating_point():
        return euclidean_distances(A, B)
    return hamming_distances(A, B)


SAME_DESIGN_TOLERANCE = 1e-4
"""Latent (z-unit) distance under which a continuous design is taken for a training design
(a design that went through the z-scoring and back differs from it by rounding only)."""


def in_training_data(embedded: Tensor, train_embedded: Tensor) -> Tensor:
    r"""``P``-dim mask: which of the ``P`` embedded designs are training designs (the same
    tokens, or a latent image within ``SAME_DESIGN_TOLERANCE`` of one)."""
    if not embedded.is_floating_point():
        both = torch.cat([embedded, train_embedded.to(embedded)])
        keys = torch.unique(both, dim=0, return_inverse=True)[1]
        return torch.isin(keys[: embedded.shape[0]], keys[embedded.shape[0]:])
    return nearest_distances(embedded, train_embedded, euclidean_distances) < (
        SAME_DESIGN_TOLERANCE)


def data_resolution(embedded: Tensor) -> float:
    r"""``ell``: the median distance from a design to its nearest other design, over the
    distinct rows of the ``N x .`` embedded training designs (``RESOLUTION_ROWS`` of them
    drawn with a fixed seed); 1 when the data holds a single distinct design."""
    unique = torch.unique(embedded, dim=0)
    if unique.shape[0] < 2:
        return 1.0
    generator = torch.Generator().manual_seed(0)
    rows = torch.randperm(unique.shape[0], generator=generator)[:RESOLUTION_ROWS]
    rows = rows.to(unique.device)
    distances = embedding_distances(unique[rows], unique)
    distances[torch.arange(rows.shape[0], device=rows.device), rows] = torch.inf
    resolution = float(distances.min(dim=-1).values.median())
    return resolution if resolution > 0 else 1.0


def greedy_select(
    scores: Tensor, distances: Callable[[Tensor], Tensor], n: int, penalty: float,
    resolution: float, eligible_first: Tensor | None = None,
) -> Tensor:
    r"""The greedy rule of this module's docstring.

    Args:
        scores: ``P``-dim predicted scores of the distinct pool designs (z-units).
        distances: ``distances(i)`` gives the ``P``-dim distances of pool design ``i`` to
            every pool design.
        n: Designs to choose (at most ``P``).
        penalty: ``lambda``.
        resolution: ``ell`` (> 0).
        eligible_first: Optional ``P``-dim boolean mask; masked-in designs are all chosen
            before any other (new designs before designs already in the data).

    Returns:
        The ``min(n, P)`` chosen pool indices, in the order chosen.
    """
    P = scores.shape[0]
    scores = scores.to(torch.float64)
    similarity = torch.zeros(P, dtype=torch.float64, device=scores.device)
    taken = torch.zeros(P, dtype=torch.bool, device=scores.device)
    tier = (torch.zeros(P, dtype=torch.float64, device=scores.device) if eligible_first is None
            else (~eligible_first.to(scores.device)).to(torch.float64))
    chosen = []
    for _ in range(min(n, P)):
        value = scores - penalty * similarity
        value = torch.where(taken, -torch.inf, value)
        # the tier dominates: every eligible-first design before any other
        best_tier = tier[~taken].min()
        value = torch.where(tier > best_tier, -torch.inf, value)
        i = int(value.argmax())
        chosen.append(i)
        taken[i] = True
        if penalty > 0:
            near = torch.exp(-distances(i).to(similarity) / resolution)
            similarity = torch.maximum(similarity, near)
    return torch.tensor(chosen, dtype=torch.long, device=scores.device)

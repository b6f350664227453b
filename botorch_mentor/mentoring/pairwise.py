r"""Steps 2-4 of the mentoring: pairwise ranking labels, majority voting, disagreement masks.

Shapes: ``K`` points per neighbourhood, ``P`` pairs, ``M`` proxies. Pairs are given as two
index tensors ``(a, b)`` into the point dimension; ``label = 1`` means "``a`` ranks above ``b``".
"""

from __future__ import annotations

import torch
from torch import Tensor


def pair_indices(n_points: int, device: torch.device | str | None = None) -> tuple[Tensor, Tensor]:
    r"""All ``P = K(K-1)/2`` pairs ``a < b`` of ``K = n_points`` points.

    Returns:
        Two ``P``-dim long tensors ``(a, b)``.
    """
    ab = torch.triu_indices(n_points, n_points, offset=1, device=device)
    return ab[0], ab[1]


def grouped_pair_indices(
    n_blocks: int, block_size: int, device: torch.device | str | None = None
) -> tuple[Tensor, Tensor]:
    r"""Pairs within each of ``n_blocks`` consecutive blocks of ``block_size`` points.

    Used by shared mentoring, where the neighbourhoods of all candidates are stacked along one
    point dimension (``n_blocks * block_size`` points) and only points of the same
    neighbourhood are compared.

    Returns:
        Two ``(n_blocks * P)``-dim long tensors ``(a, b)``, block-major.
    """
    a, b = pair_indices(block_size, device=device)
    offsets = (torch.arange(n_blocks, device=a.device) * block_size).unsqueeze(-1)
    return (offsets + a).reshape(-1), (offsets + b).reshape(-1)


def pairwise_labels(predictions: Tensor, a: Tensor, b: Tensor) -> Tensor:
    r"""Hard ranking labels ``l(a, b) = f(x_a) > f(x_b)``.

    Args:
        predictions: A ``batch_shape x K``-dim tensor of predictions.
        a: ``P``-dim indices of each pair's first point.
        b: ``P``-dim indices of each pair's second point.

    Returns:
        A ``batch_shape x P``-dim bool tensor.
    """
    return predictions[..., a] > predictions[..., b]


def majority_vote(labels: Tensor, tie_break: Tensor | None = None) -> Tensor:
    r"""Consensus of ``M`` proxies' labels: the label that more than half of them give.

    With an odd ``M`` there are no ties (for ``M = 3`` this is "``l_1`` if ``l_1 == l_2``
    else ``l_3``"). With an even ``M`` a pair can split evenly; such a tie takes its label
    from ``tie_break``, which the mentoring step sets to the ranking of the ensemble mean.

    Args:
        labels: A ``batch_shape x M x P``-dim bool tensor.
        tie_break: A ``batch_shape x P``-dim bool tensor, required when ``M`` is even.

    Returns:
        A ``batch_shape x P``-dim bool tensor of consensus labels.
    """
    n_voters = labels.shape[-2]
    twice_votes = 2 * labels.sum(dim=-2)
    majority = twice_votes > n_voters
    if n_voters % 2 == 1:
        return majority
    if tie_break is None:
        raise ValueError(
            f"majority_vote got an even number of voters ({n_voters}); pass tie_break "
            "(e.g. the labels of the ensemble mean) to resolve split votes."
        )
    return torch.where(twice_votes == n_voters, tie_break, majority)


def disagreement_mask(labels: Tensor, consensus: Tensor) -> Tensor:
    r"""Which pairs each proxy gets wrong against the consensus: its mentoring set.

    Args:
        labels: A ``batch_shape x M x P``-dim bool tensor of per-proxy labels.
        consensus: A ``batch_shape x P``-dim bool tensor.

    Returns:
        A ``batch_shape x M x P``-dim bool tensor, True where proxy ``i`` must be mentored.
    """
    return labels != consensus.unsqueeze(-2)


def consensus_and_mentoring_sets(
    predictions: Tensor, a: Tensor, b: Tensor, voting: bool = True
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Steps 2-4 together: every proxy's labels, the consensus and the mentoring sets.

    Args:
        predictions: A ``batch_shape x M x K``-dim tensor, every proxy's predictions.
        a: ``P``-dim indices of each pair's first point.
        b: ``P``-dim indices of each pair's second point.
        voting: Majority voting (ties broken by the ensemble mean); False takes the ranking
            of the ensemble mean as the consensus (the ablation).

    Returns:
        ``(labels, consensus, mask)``: ``batch_shape x M x P``, ``batch_shape x P`` and
        ``batch_shape x M x P`` bool tensors.
    """
    labels = pairwise_labels(predictions, a, b)
    mean_labels = pairwise_labels(predictions.mean(dim=-2), a, b)
    consensus = majority_vote(labels, tie_break=mean_labels) if voting else mean_labels
    return labels, consensus, disagreement_mask(labels, consensus)

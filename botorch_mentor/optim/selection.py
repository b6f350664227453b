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
EMBEDDING_BLOCK_ROWS = 1 << 16
"""Rows of training designs embedded (and turned into row keys) at once: the selection's
working memory stays bounded whatever the number of training rows."""
RESOLUTION_BLOCK_ELEMENTS = 1 << 22
"""Largest block of sampled-row x design distances of ``data_resolution``."""


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


def training_embedding(X: Tensor, latent: Callable[[Tensor], Tensor],
                       tokens: Callable[[Tensor], Tensor] | None) -> Tensor:
    r"""``design_embedding`` of the ``N x d`` training designs, ``EMBEDDING_BLOCK_ROWS`` rows
    at a time (the same rows: both maps act on each row by itself). Tokens that fit are kept
    as ``uint8`` (an ``N x L`` byte per token instead of a ``long``)."""
    out = None
    for start in range(0, X.shape[0], EMBEDDING_BLOCK_ROWS):
        part = design_embedding(X[start:start + EMBEDDING_BLOCK_ROWS], latent, tokens)
        if out is None:  # one output tensor, filled block by block
            small = not part.is_floating_point() and (
                part.numel() == 0 or int(part.min()) >= 0 and int(part.max()) < 256)
            out = torch.empty((X.shape[0], *part.shape[1:]),
                              dtype=torch.uint8 if small else part.dtype, device=part.device)
        if out.dtype == torch.uint8 and part.numel() and (
                int(part.min()) < 0 or int(part.max()) >= 256):
            out = out.long()  # a later block does not fit a byte
        out[start:start + EMBEDDING_BLOCK_ROWS] = part
    if out is None:
        return design_embedding(X, latent, tokens)
    return out


def row_keys(*token_sets: Tensor) -> list[Tensor] | None:
    r"""One ``int64`` key per row of integer ``m_i x L`` token tensors, the same for equal
    rows and ordered as the rows are lexicographically: the row read as a base-``V`` number
    (first token most significant; ``V`` one more than the largest token of all the sets).
    None when a token is negative or ``V ** L`` does not fit 63 bits (the callers then
    compare rows directly). Computed ``EMBEDDING_BLOCK_ROWS`` rows at a time."""
    sets = [t for t in token_sets if t.numel()]
    if not sets:
        return [torch.zeros(t.shape[0], dtype=torch.long, device=t.device) for t in token_sets]
    if min(int(t.min()) for t in sets) < 0:
        return None
    base, length = max(int(t.max()) for t in sets) + 1, token_sets[0].shape[-1]
    if base**length >= 2**63:
        return None
    out = []
    for tokens in token_sets:
        powers = base ** torch.arange(length - 1, -1, -1, device=tokens.device)
        keys = torch.empty(tokens.shape[0], dtype=torch.long, device=tokens.device)
        for start in range(0, tokens.shape[0], EMBEDDING_BLOCK_ROWS):
            block = tokens[start:start + EMBEDDING_BLOCK_ROWS]
            keys[start:start + EMBEDDING_BLOCK_ROWS] = (block.long() * powers).sum(dim=-1)
        out.append(keys)
    return out


def _key_rows(keys: Tensor, base: int, length: int) -> Tensor:
    r"""``row_keys``' inverse: ``m`` keys to ``m x L`` long tokens."""
    powers = base ** torch.arange(length - 1, -1, -1, device=keys.device)
    return (keys.unsqueeze(-1) // powers) % base


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
        keys = row_keys(embedded, train_embedded)
        if keys is not None:  # one long per row: no N x L sort
            return torch.isin(keys[0], keys[1].to(keys[0].device))
        both = torch.cat([embedded, train_embedded.to(embedded)])
        keys = torch.unique(both, dim=0, return_inverse=True)[1]
        return torch.isin(keys[: embedded.shape[0]], keys[embedded.shape[0]:])
    return nearest_distances(embedded, train_embedded, euclidean_distances) < (
        SAME_DESIGN_TOLERANCE)


def data_resolution(embedded: Tensor) -> float:
    r"""``ell``: the median distance from a design to its nearest other design, over the
    distinct rows of the ``N x .`` embedded training designs (``RESOLUTION_ROWS`` of them
    drawn with a fixed seed); 1 when the data holds a single distinct design.

    The distances are computed against blocks of ``RESOLUTION_BLOCK_ELEMENTS /
    RESOLUTION_ROWS`` distinct designs at a time. Tokens are deduplicated by their
    ``row_keys`` (whose order is ``torch.unique``'s lexicographic order of the rows), so no
    ``N x L`` sort and no copy of the distinct rows is made."""
    keys = None if embedded.is_floating_point() else row_keys(embedded)
    if keys is not None:
        unique_keys = torch.unique(keys[0])  # sorted: the rows' lexicographic order
        base, length = int(embedded.max()) + 1, embedded.shape[-1]
        n_unique = unique_keys.shape[0]

        def unique_rows(index: Tensor | slice) -> Tensor:
            return _key_rows(unique_keys[index], base, length)
    else:
        unique = torch.unique(embedded, dim=0)
        n_unique = unique.shape[0]

        def unique_rows(index: Tensor | slice) -> Tensor:
            return unique[index]
    if n_unique < 2:
        return 1.0
    generator = torch.Generator().manual_seed(0)
    rows = torch.randperm(n_unique, generator=generator)[:RESOLUTION_ROWS]
    rows = rows.to(embedded.device)
    sampled = unique_rows(rows)
    block = max(1, RESOLUTION_BLOCK_ELEMENTS // rows.shape[0])
    nearest = None
    for start in range(0, n_unique, block):
        distances = embedding_distances(sampled, unique_rows(slice(start, start + block)))
        own = ((rows >= start) & (rows < start + block)).nonzero().squeeze(-1)
        distances[own, rows[own] - start] = torch.inf  # a design is not its own neighbour
        if nearest is None:
            nearest = distances.min(dim=-1).values
        else:  # in place: no small tensors left between the blocks' temporaries
            torch.minimum(nearest, distances.min(dim=-1).values, out=nearest)
    resolution = float(nearest.median())
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

"""The distinct batch against millions of training rows: row keys instead of ``N x L`` sorts,
blocked distances, training embeddings a block at a time. Each is checked against the direct
computation it replaces (written out here), on data small enough for both, with the blocks
made small so that the blocked code runs."""

from __future__ import annotations

import pytest
import torch

from botorch_mentor import diversity
from botorch_mentor.diversity import DesignDistance, hamming_distances, nearest_distances
from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits
from botorch_mentor.optim import selection
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.selection import (
    data_resolution,
    design_embedding,
    embedding_distances,
    in_training_data,
    row_keys,
    training_embedding,
)


def _unique_resolution(embedded):
    """``data_resolution`` as it was: ``torch.unique(dim=0)`` and one distance matrix."""
    unique = torch.unique(embedded, dim=0)
    if unique.shape[0] < 2:
        return 1.0
    rows = torch.randperm(unique.shape[0], generator=torch.Generator().manual_seed(0))[:512]
    distances = embedding_distances(unique[rows], unique)
    distances[torch.arange(rows.shape[0]), rows] = torch.inf
    resolution = float(distances.min(dim=-1).values.median())
    return resolution if resolution > 0 else 1.0


def _unique_membership(embedded, train):
    both = torch.cat([embedded, train.to(embedded)])
    keys = torch.unique(both, dim=0, return_inverse=True)[1]
    return torch.isin(keys[: embedded.shape[0]], keys[embedded.shape[0]:])


def _tokens(n, length, letters, seed):
    return torch.randint(0, letters, (n, length), generator=torch.Generator().manual_seed(seed))


def test_row_keys_follow_the_lexicographic_order_of_unique_rows():
    tokens = torch.cat([_tokens(3000, 6, 4, 0), _tokens(50, 6, 4, 0)])  # with repeats
    (keys,) = row_keys(tokens)
    unique_keys, inverse = torch.unique(keys, return_inverse=True)
    unique_rows, row_inverse = torch.unique(tokens, dim=0, return_inverse=True)
    assert torch.equal(inverse, row_inverse)
    assert torch.equal(selection._key_rows(unique_keys, 4, 6), unique_rows)
    assert row_keys(torch.full((2, 20), 19)) is None  # 20^20 > 2^63: rows compared directly
    assert row_keys(torch.tensor([[-1, 0]])) is None


@pytest.mark.parametrize("n, length, letters", [(2000, 6, 4), (400, 5, 20), (300, 20, 20),
                                                 (5, 3, 2)])
def test_resolution_and_membership_equal_the_unique_rows_path(monkeypatch, n, length,
                                                                letters):
    """Exactly the old numbers, with the distances in blocks of a few designs; (300, 20, 20)
    does not fit 63-bit keys and takes the rows' own path."""
    tokens = _tokens(n, length, letters, 1)
    pool = torch.cat([tokens[:40], _tokens(60, length, letters, 2)])
    expected_resolution = _unique_resolution(tokens)
    expected_membership = _unique_membership(pool, tokens)
    assert data_resolution(tokens) == expected_resolution
    monkeypatch.setattr(selection, "RESOLUTION_BLOCK_ELEMENTS", 512 * 7)  # 7 designs a block
    assert data_resolution(tokens) == expected_resolution
    assert data_resolution(tokens.to(torch.uint8)) == expected_resolution
    assert torch.equal(in_training_data(pool, tokens), expected_membership)
    assert torch.equal(in_training_data(pool, tokens.to(torch.uint8)), expected_membership)


def test_continuous_resolution_in_blocks(monkeypatch):
    points = torch.randn(700, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    expected = _unique_resolution(points)
    assert data_resolution(points) == expected  # one block: the same computation
    monkeypatch.setattr(selection, "RESOLUTION_BLOCK_ELEMENTS", 512 * 50)
    assert data_resolution(points) == pytest.approx(expected, rel=1e-12)


def test_training_embedding_in_blocks_is_the_embedding(monkeypatch):
    tokens = _tokens(1000, 8, 4, 3)
    X = sequences_to_logits(tokens, 4)
    space = DesignSpace.sequences(8, 4)
    monkeypatch.setattr(selection, "EMBEDDING_BLOCK_ROWS", 64)
    embedded = training_embedding(X, lambda Z: Z, space.tokens)
    assert embedded.dtype == torch.uint8 and torch.equal(embedded.long(), tokens)
    latent = training_embedding(X, lambda Z: 2.0 * Z, None)
    assert torch.equal(latent, design_embedding(X, lambda Z: 2.0 * Z, None))


def test_nearest_distances_against_a_reference_in_blocks(monkeypatch):
    g = torch.Generator().manual_seed(5)
    designs, reference = torch.randint(0, 4, (37, 9), generator=g), torch.randint(
        0, 4, (5000, 9), generator=g)
    expected = hamming_distances(designs, reference).min(dim=-1).values
    seen = []

    def recording(a, b):
        seen.append((a.shape[0], b.shape[0]))
        return hamming_distances(a, b)

    monkeypatch.setattr(diversity, "REFERENCE_BLOCK_ROWS", 512)
    monkeypatch.setattr(diversity, "BLOCK_ELEMENTS", 512 * 8)
    assert torch.equal(nearest_distances(designs, reference.to(torch.uint8), recording),
                       expected)
    assert max(b for _, b in seen) == 512 and max(a for a, _ in seen) == 8
    x = torch.randn(5000, 3, generator=g, dtype=torch.float64)
    distance = DesignDistance.for_data(x, discrete=False)
    torch.testing.assert_close(nearest_distances(x[:20] + 0.01, x, distance),
                               distance(x[:20] + 0.01, x).min(dim=-1).values)


def test_the_distinct_batch_reads_the_training_tokens_in_blocks(monkeypatch):
    """``optimize_designs``' selection embeds the training designs a block at a time and
    never decodes them all at once."""
    from botorch_mentor import MentoringEnsemble, fit_mentoring_ensemble, optimize_designs
    from botorch_mentor.optim.selection import BatchSelection
    from tests.conftest import tiny_config

    tokens = _tokens(300, 5, 4, 6)
    X = sequences_to_logits(tokens, 4)
    Y = (tokens == 1).sum(-1, keepdim=True).double()
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config()))
    start = X[Y.squeeze(-1).topk(4).indices]
    kwargs = dict(steps=4, design_space=DesignSpace.sequences(5, 4),
                  selection=BatchSelection(n=12))
    reference = optimize_designs(model, start, **kwargs)
    decoded = []

    def tokens_of(Z, length, num_classes):
        decoded.append(Z.shape[0])
        return logits_to_sequences(Z, length, num_classes)

    monkeypatch.setattr(selection, "EMBEDDING_BLOCK_ROWS", 64)
    monkeypatch.setattr("botorch_mentor.optim.design_space.logits_to_sequences", tokens_of)
    blocked = optimize_designs(model, start, **kwargs)
    assert torch.equal(blocked.designs, reference.designs)
    assert max(decoded) <= 64  # the training designs: 300 rows, 64 at a time

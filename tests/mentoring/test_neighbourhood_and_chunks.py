"""Neighbourhood draws, pair indices and the outer pass's chunk size, against values computed
by hand."""

from __future__ import annotations

import pytest
import torch

from botorch_mentor.mentoring import (
    grouped_pair_indices,
    majority_vote,
    outer_chunk_rows,
    outer_loss_gradient,
    outer_plan,
    pair_indices,
    sample_neighbourhood,
)
from botorch_mentor.nn import init_params


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_neighbours_are_centre_plus_scaled_gaussian_draws_of_the_generator(dtype):
    centres = torch.randn(2, 3, 4, dtype=dtype)  # batch 2 x 3 centres x d = 4
    points = sample_neighbourhood(centres, 5, 0.1, torch.Generator().manual_seed(9))
    assert points.shape == (2, 3, 5, 4) and points.dtype == dtype
    # The same generator state draws the noise, in the centres' dtype; the centre is not
    # among the points.
    noise = torch.randn(2, 3, 5, 4, generator=torch.Generator().manual_seed(9), dtype=dtype)
    torch.testing.assert_close(points, centres.unsqueeze(-2) + 0.1 * noise)
    assert not (points == centres.unsqueeze(-2)).all(-1).any()


def test_pairs_are_all_ordered_pairs_once():
    a, b = pair_indices(4)
    assert list(zip(a.tolist(), b.tolist())) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    a, b = grouped_pair_indices(3, 3)
    assert list(zip(a.tolist(), b.tolist())) == [
        (0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (6, 7), (6, 8), (7, 8)]


def test_even_vote_without_tie_break_says_how_to_resolve():
    labels = torch.tensor([[True, False], [False, True]])
    with pytest.raises(ValueError, match=r"even number of voters \(2\); pass tie_break "
                                         r"\(e\.g\. the labels of the ensemble mean\) to "
                                         r"resolve split votes\."):
        majority_vote(labels)


@pytest.mark.parametrize(
    "members, hidden, dtype, gb, device, expected",
    [
        # bytes per row = 4 activations x 6 members x 128 units x 4 bytes = 12,288
        # memory: 8 GiB / 12,288 = 699,050 rows; CPU cache: 6 MiB / (6 x 64 x 4) = 4,096 rows
        (6, (64, 64), torch.float32, 8.0, "cpu", 4096),
        (6, (64, 64), torch.float32, 8.0, "cuda", 699_050),
        # float64 doubles every byte count
        (6, (64, 64), torch.float64, 8.0, "cuda", 349_525),
        (6, (64, 64), torch.float64, 8.0, "cpu", 2048),
        # a tight budget: 0.001 GiB / 12,288 = 87 rows, below the cache bound
        (6, (64, 64), torch.float32, 0.001, "cpu", 87),
        (6, (64, 64), torch.float32, 0.001, "cuda", 87),
        # wide proxies: the cache bound 6 MiB / (384 x 2048 x 4) = 2 falls below the floor
        (384, (2048, 2048), torch.float32, 80.0, "cpu", 64),
        # 80 GiB / (4 x 384 x 4096 x 4) = 3,413 rows on a GPU
        (384, (2048, 2048), torch.float32, 80.0, "cuda", 3413),
        # a budget smaller than one row still processes one row at a time
        (384, (2048, 2048), torch.float32, 1e-6, "cuda", 1),
    ],
)
def test_outer_chunk_rows(members, hidden, dtype, gb, device, expected):
    assert outer_chunk_rows(members, hidden, dtype, gb, device) == expected


def test_outer_chunk_rows_defaults_to_the_cpu():
    assert outer_chunk_rows(6, (64, 64), torch.float32, 8.0) == 4096


@pytest.mark.parametrize(
    "members, rows, gb, expected",
    [
        (384, 32898, 8.0, (16, 6580)),  # paper trial: 24 blocks of 16 networks, 5 equal chunks
        (3, 32898, 8.0, (3, 43690)),  # everything fits: one block, one chunk
        (384, 1000, 8.0, (131, 1000)),  # short data: 8 GiB / (1000 rows x 64 KiB) networks
        (384, 32898, 0.001, (1, 16)),  # a tiny budget still makes progress
    ],
)
def test_outer_plan_on_gpus(members, rows, gb, expected):
    block, chunk = outer_plan(members, rows, (2048, 2048), torch.float32, gb, "cuda")
    assert (block, chunk) == expected
    bytes_per_row = 4 * 4096 * 4
    assert block * chunk * bytes_per_row <= max(gb * 2**30, bytes_per_row * 16)


def test_outer_plan_on_cpus_keeps_every_network_together():
    assert outer_plan(384, 32898, (2048, 2048), torch.float32, 8.0, "cpu") == (384, 64)


def test_blocked_and_bfloat16_outer_gradients():
    g = torch.Generator().manual_seed(0)
    params = init_params(6, 5, (16, 16), generator=g, dtype=torch.float64)
    X = torch.randn(50, 5, generator=g, dtype=torch.float64)
    y = torch.randn(50, generator=g, dtype=torch.float64)
    whole = outer_loss_gradient(params, X, y, "relu", 50)
    blocked = outer_loss_gradient(params, X, y, "relu", 7, member_block=4)
    for w, b in zip(whole, blocked):
        torch.testing.assert_close(b, w, rtol=1e-12, atol=1e-14)
    low = outer_loss_gradient(params, X, y, "relu", 7, 4, compute_dtype=torch.bfloat16)
    for w, b in zip(whole, low):
        assert b.dtype == torch.float64  # accumulated in the parameters' dtype
        assert float((b - w).norm() / w.norm()) < 0.05  # bfloat16 keeps ~3 digits
    for v, b in zip(blocked, low):  # the same chunks in full precision: differences of
        # bfloat16's rounding (8-bit mantissa), far above float64's
        assert float((b - v).norm() / v.norm()) > 1e-4


@pytest.mark.parametrize(
    "members, rows, dtype, gb, expected",
    [
        # 3 networks of 2 x 2048 in 1.5 GiB: exactly 8192 rows fit, enough: one block
        (3, 32898, torch.float32, 1.5, (3, 8192)),
        # float64 halves the rows: 4096 < 8192, so one network per block, 12288 rows fit,
        # 3 equal chunks of 10966
        (3, 32898, torch.float64, 1.5, (1, 10966)),
        # float64 paper trial: 8 GiB / (8192 rows x 128 KiB) = 8 networks per block
        (384, 32898, torch.float64, 8.0, (8, 6580)),
        # 100 KiB: a single row of one network per chunk
        (384, 32898, torch.float32, 0.0001, (1, 1)),
    ],
)
def test_outer_plan_edges_written_out(members, rows, dtype, gb, expected):
    assert outer_plan(members, rows, (2048, 2048), dtype, gb, "cuda") == expected


def test_outer_plan_defaults_to_the_cpu():
    assert outer_plan(3, 100, (8,), torch.float32, 1.0) == outer_plan(3, 100, (8,),
                                                                      torch.float32, 1.0, "cpu")


def test_consensus_votes_by_default():
    """Three proxies on two points: two say a > b, the third says b > a by far, so the mean
    says b > a. Voting (the default) sides with the two; the ablation with the mean."""
    from botorch_mentor.mentoring.pairwise import consensus_and_mentoring_sets

    predictions = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 10.0]])
    a, b = pair_indices(2)
    labels, consensus, mask = consensus_and_mentoring_sets(predictions, a, b)
    assert consensus.tolist() == [True] and mask.tolist() == [[False], [False], [True]]
    _, consensus, mask = consensus_and_mentoring_sets(predictions, a, b, voting=False)
    assert consensus.tolist() == [False] and mask.tolist() == [[True], [True], [False]]

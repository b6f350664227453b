"""Neighbourhood draws, pair indices and the outer pass's chunk size, against values computed
by hand."""

from __future__ import annotations

import pytest
import torch

from botorch_mentor.mentoring import (
    grouped_pair_indices,
    majority_vote,
    outer_chunk_rows,
    pair_indices,
    sample_neighbourhood,
)


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

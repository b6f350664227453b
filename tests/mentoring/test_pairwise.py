import itertools

import pytest
import torch

from botorch_mentor.mentoring import (
    disagreement_mask,
    grouped_pair_indices,
    majority_vote,
    pair_indices,
    pairwise_labels,
    sample_neighbourhood,
)


def test_pair_indices_are_all_ordered_pairs():
    a, b = pair_indices(4)
    assert list(zip(a.tolist(), b.tolist())) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert pair_indices(10)[0].numel() == 45


def test_grouped_pairs_stay_inside_blocks():
    a, b = grouped_pair_indices(3, 4)
    assert a.numel() == 18
    assert torch.equal(a // 4, b // 4)
    assert torch.equal(a[6:12] - 4, pair_indices(4)[0])


def test_pair_labels_on_hand_made_predictions():
    f = torch.tensor([[3.0, 1.0, 2.0], [0.0, 0.0, 5.0]])
    a, b = pair_indices(3)  # (0,1), (0,2), (1,2)
    labels = pairwise_labels(f, a, b)
    assert labels.tolist() == [[True, True, False], [False, False, False]]  # ties are 0


@pytest.mark.parametrize("n_voters", [3, 5])
def test_majority_vote_truth_table(n_voters):
    rows = list(itertools.product([False, True], repeat=n_voters))
    labels = torch.tensor(rows).T.unsqueeze(0)  # 1 x M x 2^M
    consensus = majority_vote(labels)[0]
    for column, row in enumerate(rows):
        assert bool(consensus[column]) == (sum(row) > n_voters / 2), row
    if n_voters == 3:  # the paper's rule: l1 if l1 == l2 else l3
        for column, (l1, l2, l3) in enumerate(rows):
            assert bool(consensus[column]) == (l1 if l1 == l2 else l3)


def test_even_voters_ties_go_to_tie_break():
    labels = torch.tensor([[True, True, False], [True, False, False]])  # M=2 x P=3
    tie_break = torch.tensor([False, True, True])
    assert majority_vote(labels, tie_break).tolist() == [True, True, False]
    with pytest.raises(ValueError, match="tie_break"):
        majority_vote(labels)


def test_disagreement_mask_marks_outvoted_proxies():
    labels = torch.tensor([[True, False], [True, True], [False, True]])  # M=3 x P=2
    consensus = majority_vote(labels)
    assert consensus.tolist() == [True, True]
    assert disagreement_mask(labels, consensus).tolist() == [
        [False, True], [False, False], [True, False]
    ]


def test_neighbourhood_shape_scale_and_seed():
    centres = torch.zeros(5, 3, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    pts = sample_neighbourhood(centres, 1000, 0.1, g)
    assert pts.shape == (5, 1000, 3) and pts.dtype == torch.float64
    assert abs(pts.std().item() - 0.1) < 0.005
    again = sample_neighbourhood(centres, 1000, 0.1, torch.Generator().manual_seed(0))
    assert torch.equal(pts, again)

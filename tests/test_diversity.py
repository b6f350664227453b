"""Distances and batch metrics against scipy's and hand-written computations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist, pdist

from botorch_mentor import diversity
from botorch_mentor.diversity import (
    DesignDistance,
    batch_metrics,
    count_distinct,
    hamming_distances,
    mean_nearest_distance,
    mean_pairwise_distance,
)


def test_hamming_distances_match_scipy_and_chunk(monkeypatch):
    g = torch.Generator().manual_seed(0)
    a, b = torch.randint(0, 20, (37, 11), generator=g), torch.randint(0, 20, (53, 11), generator=g)
    expected = cdist(a.numpy(), b.numpy(), metric="hamming") * 11
    np.testing.assert_allclose(hamming_distances(a, b).numpy(), expected)
    monkeypatch.setattr(diversity, "CHUNK_ELEMENTS", 100)  # two rows of `a` at a time
    np.testing.assert_allclose(hamming_distances(a, b).numpy(), expected)
    assert hamming_distances(a, b).dtype == torch.float64
    with pytest.raises(ValueError, match="n x L and m x L"):
        hamming_distances(a, b[:, :5])


def test_continuous_distance_z_scores_with_the_visible_data():
    g = torch.Generator().manual_seed(1)
    visible = torch.randn(40, 3, generator=g, dtype=torch.float64) * torch.tensor([1.0, 50, 0])
    distance = DesignDistance.for_data(visible, discrete=False)
    std = visible.std(0).numpy()
    std[std == 0] = 1.0  # a constant dimension keeps its scale
    a = torch.randn(6, 3, generator=g, dtype=torch.float64)
    expected = cdist((a.numpy() - visible.numpy().mean(0)) / std,
                     (visible.numpy() - visible.numpy().mean(0)) / std)
    np.testing.assert_allclose(distance(a, visible).numpy(), expected, rtol=1e-12)


def test_batch_metrics_of_sequences_by_hand():
    visible = torch.tensor([[0, 0, 0], [1, 1, 1]])
    designs = torch.tensor([[0, 0, 1], [0, 0, 1], [2, 2, 2], [1, 1, 1]])
    scores = torch.tensor([5.0, 5.0, 9.0, 1.0], dtype=torch.float64)
    metrics = batch_metrics(designs, visible, DesignDistance(True), scores, best_visible=4.0)
    assert metrics["distinct"] == 3
    assert metrics["distinct_hits"] == 2  # [0,0,1] once, [2,2,2]; [1,1,1] scores below 4
    # pairs: (0,1)=0 (0,2)=3 (0,3)=2 (1,2)=3 (1,3)=2 (2,3)=3
    assert metrics["diversity"] == pytest.approx(13 / 6)
    # nearest visible: 1, 1, 3, 0
    assert metrics["novelty"] == pytest.approx(5 / 4)
    assert set(batch_metrics(designs, visible, DesignDistance(True))) == {
        "distinct", "diversity", "novelty"}
    with pytest.raises(ValueError, match="best_visible"):
        batch_metrics(designs, visible, DesignDistance(True), scores)


def test_metric_edge_cases():
    one = torch.zeros(1, 4, dtype=torch.long)
    assert count_distinct(one[:0]) == 0
    assert np.isnan(mean_pairwise_distance(one, DesignDistance(True)))
    assert np.isnan(mean_nearest_distance(one[:0], one, DesignDistance(True)))


def test_continuous_batch_metrics_match_scipy():
    g = torch.Generator().manual_seed(2)
    visible = torch.rand(30, 4, generator=g, dtype=torch.float64)
    designs = torch.rand(9, 4, generator=g, dtype=torch.float64)
    distance = DesignDistance.for_data(visible, discrete=False)
    z = (designs.numpy() - visible.numpy().mean(0)) / visible.numpy().std(0, ddof=1)
    zv = (visible.numpy() - visible.numpy().mean(0)) / visible.numpy().std(0, ddof=1)
    metrics = batch_metrics(designs, visible, distance)
    assert metrics["distinct"] == 9
    assert metrics["diversity"] == pytest.approx(pdist(z).mean(), rel=1e-12)
    assert metrics["novelty"] == pytest.approx(cdist(z, zv).min(1).mean(), rel=1e-12)

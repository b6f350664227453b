"""Tangent-kernel scale and step diagnostics against plain autograd."""

from __future__ import annotations

import itertools

import pytest
import torch

from botorch_mentor import MentoringConfig
from botorch_mentor.mentoring import mentoring_step, pair_indices
from botorch_mentor.mentoring.diagnostics import (
    diagnose_step,
    pair_gradient_sq_norms,
    tangent_kernel_gram,
    tangent_kernel_scale,
)
from botorch_mentor.nn import init_params, mlp_forward


def _flat_gradient(params, e, x, activation):
    """grad_theta f_e(x) of network e, flattened, by autograd on that network alone."""
    leaves = [p[e : e + 1].detach().clone().requires_grad_(True) for p in params]
    f = mlp_forward(tuple(leaves), x.view(1, 1, -1), activation)
    return torch.cat([g.flatten() for g in torch.autograd.grad(f.sum(), leaves)])


@pytest.mark.parametrize("activation", ["relu", "tanh", "silu"])
@pytest.mark.parametrize("hidden", [(7,), (6, 5), (4, 5, 3)])
def test_gram_is_the_inner_product_of_parameter_gradients(activation, hidden):
    g = torch.Generator().manual_seed(0)
    E, K, d = 4, 5, 3
    params = init_params(E, d, hidden, generator=g, dtype=torch.float64)
    X = torch.randn(E, K, d, generator=g, dtype=torch.float64)
    gram = tangent_kernel_gram(params, X, activation)
    for e in range(E):
        J = torch.stack([_flat_gradient(params, e, X[e, k], activation) for k in range(K)])
        torch.testing.assert_close(gram[e], J @ J.T, rtol=1e-10, atol=1e-12)


def test_pair_norms_and_scale_group_major():
    g = torch.Generator().manual_seed(1)
    M, G, K, d = 3, 2, 5, 4
    params = init_params(M * G, d, (8, 8), generator=g, dtype=torch.float64)
    points = torch.randn(G, K, d, generator=g, dtype=torch.float64)
    a, b = pair_indices(K)
    norms = pair_gradient_sq_norms(params, points, (a, b), M)
    for e in range(M * G):
        x = points[e // M]
        for m, (i, j) in enumerate(itertools.combinations(range(K), 2)):
            diff = _flat_gradient(params, e, x[i], "relu") - _flat_gradient(params, e, x[j], "relu")
            torch.testing.assert_close(norms[e, m], diff.square().sum(), rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(
        tangent_kernel_scale(params, points, (a, b), M), norms.mean(dim=-1)
    )


def test_kernel_scale_grows_with_width_at_default_init():
    """Why a raw alpha is not scale-free: with PyTorch's default init the tangent kernel grows
    with the width (roughly linearly)."""
    g = torch.Generator().manual_seed(2)
    points = torch.randn(1, 10, 8, generator=g, dtype=torch.float64)
    pairs = pair_indices(10)
    scales = [
        float(tangent_kernel_scale(
            init_params(8, 8, (w, w), generator=g, dtype=torch.float64),
            points.expand(8, -1, -1), pairs, 1,
        ).mean())
        for w in (16, 256)
    ]
    assert scales[1] > 5 * scales[0]


@pytest.mark.parametrize("activation, voting", [("relu", True), ("tanh", True),
                                                  ("tanh", False)])
def test_diagnose_step_values(activation, voting):
    g = torch.Generator().manual_seed(3)
    M, G, K, d = 3, 4, 6, 3
    params = init_params(M * G, d, (12, 12), generator=g, dtype=torch.float64)
    points = torch.randn(G, K, d, generator=g, dtype=torch.float64)
    designs = points.mean(dim=1)
    data_X = torch.randn(40, d, generator=g, dtype=torch.float64)
    data_y = data_X.sum(-1)
    pairs = pair_indices(K)
    config = MentoringConfig.fast(hidden_sizes=(12, 12), n_neighbours=K, inner_lr=0.5,
                                  activation=activation, voting=voting)
    mentored, stats = mentoring_step(params, points, pairs, M, data_X, data_y, config)
    diag = diagnose_step(params, mentored, points, pairs, M, designs, voting, activation)

    f0 = mlp_forward(params, points.repeat_interleave(M, 0), activation).view(G, M, K)
    f1 = mlp_forward(mentored, points.repeat_interleave(M, 0), activation).view(G, M, K)
    for grp in range(G):
        mean = f0[grp].mean(0)
        for i in range(M):
            wrong, fixed = 0, 0
            for a, b in itertools.combinations(range(K), 2):
                votes = [bool(f0[grp, j, a] > f0[grp, j, b]) for j in range(M)]
                consensus = sum(votes) * 2 > M if voting else bool(mean[a] > mean[b])
                if votes[i] != consensus:
                    wrong += 1
                    fixed += bool(f1[grp, i, a] > f1[grp, i, b]) == consensus
            share = diag.corrected_share[grp, i]
            if wrong == 0:
                assert torch.isnan(share)
            else:
                assert float(share) == fixed / wrong  # exact in float64
    assert diag.corrected_share.dtype == torch.float64
    own = designs.repeat_interleave(M, 0).unsqueeze(1)
    change = (mlp_forward(mentored, own, activation) - mlp_forward(params, own, activation))
    torch.testing.assert_close(diag.prediction_change, change.abs().view(G, M))
    torch.testing.assert_close(  # the scale of the proxies before the step, same activation
        diag.kernel_scale, tangent_kernel_scale(params, points, pairs, M, activation).view(G, M))
    assert float(stats.disagreement.sum()) > 0
    assert bool((diag.corrected_share[~torch.isnan(diag.corrected_share)] > 0).any())


def test_gram_defaults_to_relu():
    g = torch.Generator().manual_seed(4)
    params = init_params(2, 3, (8,), generator=g, dtype=torch.float64)
    X = torch.randn(2, 5, 3, generator=g, dtype=torch.float64)
    torch.testing.assert_close(tangent_kernel_gram(params, X), tangent_kernel_gram(params, X,
                                                                                   "relu"))

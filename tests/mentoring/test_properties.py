"""Property-based tests of the mentoring's pure functions over random shapes and values."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from botorch_mentor.mentoring import (
    disagreement_mask,
    majority_vote,
    outer_loss_gradient,
    pair_indices,
    pairwise_labels,
    pairwise_loss,
    pairwise_loss_coefficients,
    soft_label_hypergradient,
)
from botorch_mentor.nn import init_params, mlp_forward

seeds = st.integers(min_value=0, max_value=2**31 - 1)


@settings(max_examples=40, deadline=None)
@given(batch=st.integers(1, 4), K=st.integers(2, 9), seed=seeds,
       scale=st.sampled_from([1e-6, 1.0, 1e6]))
def test_pair_labels_are_antisymmetric_and_scale_free(batch, K, seed, scale):
    g = torch.Generator().manual_seed(seed)
    f = torch.randn(batch, K, generator=g, dtype=torch.float64)
    a, b = pair_indices(K)
    labels = pairwise_labels(f, a, b)
    assert labels.shape == (batch, K * (K - 1) // 2)
    assert torch.equal(pairwise_labels(scale * f, a, b), labels)
    swapped = pairwise_labels(f, b, a)
    assert not (labels & swapped).any()  # never both a > b and b > a


@settings(max_examples=40, deadline=None)
@given(M=st.integers(2, 7), P=st.integers(1, 30), seed=seeds)
def test_vote_is_the_majority_and_only_minorities_are_mentored(M, P, seed):
    g = torch.Generator().manual_seed(seed)
    labels = torch.rand(M, P, generator=g) > 0.5
    tie_break = torch.rand(P, generator=g) > 0.5
    consensus = majority_vote(labels, tie_break)
    votes = labels.sum(0)
    assert torch.equal(consensus[2 * votes > M], torch.ones_like(consensus[2 * votes > M]))
    assert not consensus[2 * votes < M].any()
    mask = disagreement_mask(labels, consensus)
    # a mentored proxy is always outvoted (or on the losing side of a tie)
    agreeing = (labels == consensus).sum(0)
    assert (agreeing >= (M + 1) // 2).all()
    assert torch.equal(mask.sum(0), M - agreeing)


@settings(max_examples=15, deadline=None)
@given(E=st.integers(1, 3), K=st.integers(2, 6), d=st.integers(1, 4),
       width=st.integers(2, 8), seed=seeds, log_alpha=st.floats(-4, -1))
def test_closed_form_hypergradient_matches_unrolled_autograd(E, K, d, width, seed, log_alpha):
    dtype, alpha = torch.float64, 10.0**log_alpha
    g = torch.Generator().manual_seed(seed)
    params = init_params(E, d, (width,), generator=g, dtype=dtype)
    points = torch.randn(E, K, d, generator=g, dtype=dtype)
    data_X = torch.randn(12, d, generator=g, dtype=dtype)
    data_y = torch.randn(12, generator=g, dtype=dtype)
    a, b = pair_indices(K)
    mask = torch.rand(E, a.numel(), generator=g) > 0.3
    s0 = torch.rand(E, a.numel(), generator=g, dtype=dtype)

    s = s0.clone().requires_grad_(True)
    theta = tuple(p.clone().requires_grad_(True) for p in params)
    f = mlp_forward(theta, points)
    inner = torch.autograd.grad(pairwise_loss(f[:, a] - f[:, b], s, mask).sum(), theta,
                                create_graph=True)
    theta_prime = tuple(p - alpha * q for p, q in zip(theta, inner))
    outer = (mlp_forward(theta_prime, data_X) - data_y).square().mean(dim=1).sum()
    (reference,) = torch.autograd.grad(outer, s, allow_unused=True)
    reference = torch.zeros_like(s0) if reference is None else reference * mask

    coef = pairwise_loss_coefficients((f[:, a] - f[:, b]).detach(), s0, mask)
    leaves = tuple(p.detach().requires_grad_(True) for p in params)
    fl = mlp_forward(leaves, points)
    grads = torch.autograd.grad(fl[:, a] - fl[:, b], leaves, grad_outputs=coef)
    G = outer_loss_gradient(tuple(p - alpha * q for p, q in zip(params, grads)), data_X, data_y,
                            "relu", chunk_rows=5)
    _, jv = torch.func.jvp(lambda *q: mlp_forward(q, points), params, G)
    closed = soft_label_hypergradient(jv[:, a] - jv[:, b], mask, alpha)
    torch.testing.assert_close(closed, reference, atol=1e-9, rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, scale=st.sampled_from([1e-8, 1.0, 1e8]))
def test_pairwise_loss_gradients_stay_finite_at_any_scale(seed, scale):
    g = torch.Generator().manual_seed(seed)
    d = (scale * torch.randn(3, 10, generator=g)).requires_grad_(True)
    s = torch.rand(3, 10, generator=g)
    mask = torch.rand(3, 10, generator=g) > 0.5
    loss = pairwise_loss(d, s, mask).sum()
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(d.grad).all()

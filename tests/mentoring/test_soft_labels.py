import pytest
import torch

from botorch_mentor.mentoring import (
    outer_loss_gradient,
    pair_indices,
    pairwise_loss,
    pairwise_loss_coefficients,
    soft_label_hypergradient,
    update_soft_labels,
)
from botorch_mentor.nn import init_params, mlp_forward

D = torch.float64


def test_pairwise_loss_matches_cross_entropy_formula():
    d = torch.tensor([[0.5, -1.0, 2.0]], dtype=D)
    s = torch.tensor([[1.0, 0.3, 0.0]], dtype=D)
    mask = torch.tensor([[True, True, False]])
    p = torch.sigmoid(d)
    manual = -(s * p.log() + (1 - s) * (1 - p).log())[0, :2].mean()
    torch.testing.assert_close(pairwise_loss(d, s, mask)[0], manual)


def test_loss_is_finite_for_huge_logits():
    d = torch.tensor([[1e4, -1e4]], dtype=torch.float32, requires_grad=True)
    loss = pairwise_loss(d, torch.tensor([[0.0, 1.0]]), torch.tensor([[True, True]]))
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(d.grad).all()


def test_coefficients_are_the_loss_gradient():
    g = torch.Generator().manual_seed(0)
    d = torch.randn(3, 6, generator=g, dtype=D, requires_grad=True)
    s = torch.rand(3, 6, generator=g, dtype=D)
    mask = torch.rand(3, 6, generator=g) > 0.4
    mask[2] = False  # an empty mentoring set: zero loss, zero gradient
    (grad,) = torch.autograd.grad(pairwise_loss(d, s, mask).sum(), d)
    torch.testing.assert_close(pairwise_loss_coefficients(d.detach(), s, mask), grad)
    assert grad[2].abs().sum() == 0


def test_update_soft_labels_clamps_and_keeps_unmasked():
    s = torch.tensor([1.0, 0.0, 1.0, 0.5])
    hg = torch.tensor([-5.0, -5.0, 5.0, 5.0])
    mask = torch.tensor([True, True, True, False])
    assert update_soft_labels(s, hg, 0.1, mask).tolist() == [1.0, 0.5, 0.5, 0.5]


@pytest.mark.parametrize("activation", ["relu", "silu"])
def test_closed_form_hypergradient_equals_unrolled_autograd(activation):
    """dL_out/ds through an explicitly unrolled, differentiable inner SGD step."""
    g = torch.Generator().manual_seed(3)
    n_members, d_in, K, alpha = 3, 4, 6, 0.05
    params = init_params(n_members, d_in, (8, 8), generator=g, dtype=D)
    points = torch.randn(n_members, K, d_in, generator=g, dtype=D)
    data_X = torch.randn(40, d_in, generator=g, dtype=D)
    data_y = torch.randn(40, generator=g, dtype=D)
    a, b = pair_indices(K)
    mask = torch.rand(n_members, a.numel(), generator=g) > 0.5
    s0 = (torch.rand(n_members, a.numel(), generator=g) > 0.5).to(D)

    # reference: unroll theta'(s) with create_graph and differentiate L_out w.r.t. s
    s = s0.clone().requires_grad_(True)
    theta = tuple(p.clone().requires_grad_(True) for p in params)
    f = mlp_forward(theta, points, activation)
    inner_loss = pairwise_loss(f[:, a] - f[:, b], s, mask).sum()
    inner = torch.autograd.grad(inner_loss, theta, create_graph=True)
    theta_prime = tuple(p - alpha * gr for p, gr in zip(theta, inner))
    outer = (mlp_forward(theta_prime, data_X, activation) - data_y).square().mean(dim=1).sum()
    (reference,) = torch.autograd.grad(outer, s)
    reference = reference * mask  # only mentoring-set labels are optimized

    # closed form: one backward pass over the data at theta', one JVP at theta
    coef = pairwise_loss_coefficients((f[:, a] - f[:, b]).detach(), s0, mask)
    leaves = tuple(p.detach().requires_grad_(True) for p in params)
    fl = mlp_forward(leaves, points, activation)
    grads = torch.autograd.grad(fl[:, a] - fl[:, b], leaves, grad_outputs=coef)
    theta_p = tuple(p - alpha * gr for p, gr in zip(params, grads))
    G = outer_loss_gradient(theta_p, data_X, data_y, activation, chunk_rows=7)
    _, jv = torch.func.jvp(lambda *q: mlp_forward(q, points, activation), params, G)
    closed = soft_label_hypergradient(jv[:, a] - jv[:, b], mask, alpha)

    assert reference.abs().max() > 1e-6  # the test is not vacuous
    torch.testing.assert_close(closed, reference, atol=1e-6, rtol=1e-6)


def test_outer_gradient_chunking_is_exact():
    g = torch.Generator().manual_seed(0)
    params = init_params(2, 3, (5,), generator=g, dtype=D)
    X, y = torch.randn(33, 3, generator=g, dtype=D), torch.randn(33, generator=g, dtype=D)
    whole = outer_loss_gradient(params, X, y, "relu", chunk_rows=33)
    chunked = outer_loss_gradient(params, X, y, "relu", chunk_rows=4)
    for w, c in zip(whole, chunked):
        torch.testing.assert_close(w, c)


def test_losses_broadcast_over_batch_dimensions_and_take_label_tensors_of_any_dtype():
    """groups x proxies x pairs at once equals one set at a time; 0/1 labels given as a bool
    tensor (the consensus) are converted to the logits' dtype."""
    from botorch_mentor.mentoring import pairwise_loss_coefficients

    g = torch.Generator().manual_seed(0)
    d = torch.randn(2, 3, 5, generator=g, dtype=torch.float64)
    labels = torch.rand(2, 3, 5, generator=g) > 0.5
    mask = torch.rand(2, 3, 5, generator=g) > 0.3
    loss = pairwise_loss(d, labels, mask)
    coef = pairwise_loss_coefficients(d, labels, mask)
    assert loss.shape == (2, 3) and loss.dtype == torch.float64
    for i in range(2):
        for j in range(3):
            m = mask[i, j]
            p = torch.sigmoid(d[i, j][m])
            s = labels[i, j][m].double()
            manual = -(s * p.log() + (1 - s) * (1 - p).log()).sum() / max(int(m.sum()), 1)
            torch.testing.assert_close(loss[i, j], manual)
            torch.testing.assert_close(
                coef[i, j], m * (torch.sigmoid(d[i, j]) - labels[i, j].double()) / max(
                    int(m.sum()), 1))

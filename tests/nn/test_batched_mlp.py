import pytest
import torch

from botorch_mentor.nn import expand_members, init_params, mlp_forward, num_members
from tests.conftest import DTYPES


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_equals_separate_linear_layers(dtype):
    g = torch.Generator().manual_seed(0)
    params = init_params(3, 5, (7, 6), generator=g, dtype=dtype)
    X = torch.randn(4, 5, dtype=dtype)
    out = mlp_forward(params, X)
    assert out.shape == (3, 4) and out.dtype == dtype
    for e in range(3):
        h = X
        for layer in range(3):
            h = h @ params[2 * layer][e] + params[2 * layer + 1][e][0]
            if layer < 2:
                h = torch.relu(h)
        torch.testing.assert_close(out[e], h.squeeze(-1))
    # per-member inputs give the same answer when every member sees the same rows
    torch.testing.assert_close(mlp_forward(params, X.expand(3, 4, 5)), out)


def test_init_bounds_and_independence():
    params = init_params(4, 9, (32,), generator=torch.Generator().manual_seed(1))
    W0 = params[0]
    assert W0.abs().max() <= 1 / 3 and W0.abs().max() > 0.3
    assert not torch.equal(W0[0], W0[1])
    assert num_members(params) == 4


def test_seed_reproducible():
    a = init_params(2, 3, (4,), generator=torch.Generator().manual_seed(7))
    b = init_params(2, 3, (4,), generator=torch.Generator().manual_seed(7))
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_expand_members_is_group_major_copy():
    params = init_params(3, 2, (4,), generator=torch.Generator().manual_seed(0))
    copies = expand_members(params, 5)
    assert copies[0].shape == (15, 2, 4)
    assert torch.equal(copies[0][3 * 2 + 1], params[0][1])
    copies[0][0].zero_()
    assert params[0][0].abs().sum() > 0  # real copies, not views


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shared_input", [True, False])
def test_hand_written_relu_gradient_equals_autograd(dtype, shared_input):
    from botorch_mentor.nn import squared_error_gradient

    g = torch.Generator().manual_seed(0)
    params = init_params(4, 5, (7, 6, 3), generator=g, dtype=dtype)
    X = torch.randn(9, 5, generator=g, dtype=dtype)
    if not shared_input:
        X = torch.randn(4, 9, 5, generator=g, dtype=dtype)
    y = torch.randn(9, generator=g, dtype=dtype)
    leaves = tuple(p.clone().requires_grad_(True) for p in params)
    loss = 0.3 * (mlp_forward(leaves, X) - y).square().sum()
    expected = torch.autograd.grad(loss, leaves)
    for got, want in zip(squared_error_gradient(params, X, y, 0.3), expected):
        torch.testing.assert_close(got, want)
    # other activations: against finite differences of the loss along a random direction
    silu = squared_error_gradient(params, X, y, 0.3, activation="silu")
    direction = tuple(torch.randn(p.shape, generator=g, dtype=dtype) for p in params)
    eps = 1e-3 if dtype == torch.float32 else 1e-6

    def silu_loss(shift):
        shifted = tuple(p + shift * v for p, v in zip(params, direction))
        return 0.3 * (mlp_forward(shifted, X, "silu") - y).square().sum()

    numeric = (silu_loss(eps) - silu_loss(-eps)) / (2 * eps)
    analytic = sum((gr * v).sum() for gr, v in zip(silu, direction))
    tol = 2e-2 if dtype == torch.float32 else 1e-6
    torch.testing.assert_close(analytic, numeric, rtol=tol, atol=tol)

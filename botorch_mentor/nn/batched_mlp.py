r"""A batch of independent MLPs held as stacked weights and applied with batched matmuls.

``E`` networks of identical shape are one tuple of tensors: for every layer a weight of shape
``E x in x out`` and a bias of shape ``E x 1 x out``. ``E`` is whatever batch the caller
needs (``n_proxies``, or ``n_candidates * n_proxies`` for per-candidate copies), so a forward
pass over all proxies and all candidates is one ``baddbmm`` per layer, with no Python loop
over networks. The functions are pure (parameters in, tensors out), so ``torch.autograd.grad``
gives per-network gradients (the networks never share weights) and ``torch.func.jvp``
gives per-network directional derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor
from torch.nn import functional as F

Params = tuple[Tensor, ...]
"""``(W_0, b_0, ..., W_L, b_L)`` with ``W_l: E x in_l x out_l`` and ``b_l: E x 1 x out_l``."""

_ACTIVATIONS = {
    "relu": torch.relu,
    "silu": F.silu,
    "softplus": F.softplus,
    "tanh": torch.tanh,
}


def init_params(
    n_members: int,
    in_features: int,
    hidden_sizes: Sequence[int],
    *,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Params:
    r"""PyTorch-default (``nn.Linear``) initialization of ``n_members`` independent MLPs.

    Every weight and bias of a layer with ``fan_in`` inputs is drawn from
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, independently for every member.

    Returns:
        ``Params`` for ``in_features -> hidden_sizes... -> 1`` networks, ``E = n_members``.
    """
    sizes = [in_features, *hidden_sizes, 1]
    params: list[Tensor] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        for shape in ((n_members, fan_in, fan_out), (n_members, 1, fan_out)):
            u = torch.rand(shape, generator=generator, dtype=dtype, device="cpu")
            params.append(((2.0 * u - 1.0) * bound).to(device))
    return tuple(params)


def mlp_forward(params: Params, X: Tensor, activation: str = "relu") -> Tensor:
    r"""Evaluate ``E`` MLPs.

    Args:
        params: ``Params`` with ``E`` members.
        X: Either an ``E x n x d`` tensor (member ``e`` sees ``X[e]``) or an ``n x d`` tensor
            that every member sees.

    Returns:
        An ``E x n`` tensor of outputs.
    """
    act = _ACTIVATIONS[activation]
    n_layers = len(params) // 2
    h = X
    for layer in range(n_layers):
        W, b = params[2 * layer], params[2 * layer + 1]
        if layer == n_layers - 1:
            # One output unit: a multiply-and-sum is several times faster than a batched
            # matrix-vector product, forward and backward.
            return (h * W.transpose(-1, -2)).sum(dim=-1) + b.squeeze(-1)
        if h.dim() == 2:  # shared input: broadcast it over the members
            h = torch.matmul(h, W) + b
        else:
            h = torch.baddbmm(b, h, W)
        h = act(h)
    raise AssertionError("unreachable: params hold at least one layer")


def squared_error_gradient(
    params: Params, X: Tensor, y: Tensor, scale: float, activation: str = "relu"
) -> Params:
    r"""Gradient of ``scale * sum_n (f_e(x_n) - y_n)^2`` for every member ``e``.

    For ReLU networks the backward pass is written out by hand: it keeps every intermediate
    contiguous and applies the ReLU derivative with ``threshold_backward``, which is several
    times faster on CPUs than autograd's transposed intermediate layouts. Other activations
    use autograd. Both give the same numbers (tested).

    Args:
        params: ``Params`` of ``E`` networks.
        X: An ``n x d`` (shared) or ``E x n x d`` tensor of inputs.
        y: An ``n``- or ``E x n``-dim tensor of targets.

    Returns:
        ``Params``-shaped gradients.
    """
    if activation != "relu":
        leaves = tuple(p.detach().requires_grad_(True) for p in params)
        with torch.enable_grad():
            loss = scale * (mlp_forward(leaves, X, activation) - y).square().sum()
            return tuple(torch.autograd.grad(loss, leaves))
    n_layers = len(params) // 2
    with torch.no_grad():
        inputs = [X]
        h = X
        for layer in range(n_layers - 1):
            W, b = params[2 * layer], params[2 * layer + 1]
            h = torch.matmul(h, W).add_(b) if h.dim() == 2 else torch.baddbmm(b, h, W)
            h = h.clamp_min_(0.0)
            inputs.append(h)
        W_out, b_out = params[-2], params[-1]
        f = (h * W_out.transpose(-1, -2)).sum(dim=-1) + b_out.squeeze(-1)  # E x n
        r = (f - y).mul_(2.0 * scale)  # dLoss/df
        grads: list[Tensor] = [r.unsqueeze(-1).mul(h).sum(dim=1).unsqueeze(-1),
                               r.sum(dim=1).view(-1, 1, 1)]
        delta = r.unsqueeze(-1) * W_out.transpose(-1, -2)  # E x n x H, contiguous
        for layer in range(n_layers - 2, -1, -1):
            delta = torch.ops.aten.threshold_backward(delta, inputs[layer + 1], 0.0)
            h_in = inputs[layer]
            if h_in.dim() == 2:
                grad_W = torch.matmul(h_in.transpose(0, 1), delta)
            else:
                grad_W = torch.bmm(h_in.transpose(1, 2), delta)
            grads = [grad_W, delta.sum(dim=1, keepdim=True), *grads]
            if layer > 0:
                delta = torch.bmm(delta, params[2 * layer].transpose(1, 2))
    return tuple(grads)


def expand_members(params: Params, copies: int) -> Params:
    r"""Give each of ``copies`` groups its own copy of all ``E`` members.

    Returns:
        ``Params`` with ``copies * E`` members, group-major: member ``e`` of group ``g`` is
        at index ``g * E + e``.
    """
    return tuple(
        p.unsqueeze(0).expand(copies, *p.shape).reshape(copies * p.shape[0], *p.shape[1:]).clone()
        for p in params
    )


def num_members(params: Params) -> int:
    """The ``E`` of ``params``."""
    return params[0].shape[0]

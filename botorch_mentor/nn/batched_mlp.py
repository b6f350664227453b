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
"""``(W_0, b_0, W_1, b_1, ..., W_L, b_L)`` with ``W_l: E x in_l x out_l``, ``b_l: E x 1 x out_l``."""

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
        if h.dim() == 2:  # shared input: broadcast it over the members
            h = torch.matmul(h, W) + b
        else:
            h = torch.baddbmm(b, h, W)
        if layer < n_layers - 1:
            h = act(h)
    return h.squeeze(-1)


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

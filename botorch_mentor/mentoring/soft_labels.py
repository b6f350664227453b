r"""Step 5 of the mentoring: the pairwise loss and the closed-form soft-label hypergradient.

For one proxy with mentoring set ``m = 1..M_i`` (a boolean ``mask`` over all pairs), pair
differences ``d_m = f(x_a) - f(x_b)`` and soft labels ``s_m``:

    L_ce(theta, s) = -(1/M_i) sum_m [ s_m log sigmoid(d_m) + (1 - s_m) log(1 - sigmoid(d_m)) ]

computed from the logits ``d_m`` (no log of 0). Its gradient with respect to ``d_m`` is
``(sigmoid(d_m) - s_m) / M_i``, so ``grad_theta L_ce = sum_m that * grad_theta d_m``, one
vector-Jacobian product. After one inner step ``theta' = theta - alpha grad_theta L_ce``,

    dL_out/ds_m = (alpha / M_i) < grad_theta' L_out(theta'), grad_theta d_m(theta) >,

one Jacobian-vector product of the pair differences in the direction of the outer gradient.
All functions broadcast over leading batch dimensions (groups x proxies).
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F


def mentoring_set_sizes(mask: Tensor) -> Tensor:
    r"""``M_i``, the number of pairs in each mentoring set, at least 1 (empty sets give zero
    losses and gradients because their masks are all False).

    Args:
        mask: A ``batch_shape x P``-dim bool tensor.

    Returns:
        A ``batch_shape x 1``-dim tensor.
    """
    return mask.sum(dim=-1, keepdim=True).clamp_min(1)


def pairwise_loss(diffs: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    r"""The mentoring loss ``L_ce``, averaged over each mentoring set.

    Args:
        diffs: A ``batch_shape x P``-dim tensor of pair differences ``d``.
        targets: A ``batch_shape x P``-dim tensor of (soft) labels in ``[0, 1]``.
        mask: A ``batch_shape x P``-dim bool tensor, the mentoring sets.

    Returns:
        A ``batch_shape``-dim tensor (0 where a set is empty).
    """
    per_pair = F.binary_cross_entropy_with_logits(diffs, targets.to(diffs), reduction="none")
    return (per_pair * mask).sum(dim=-1) / mentoring_set_sizes(mask).squeeze(-1)


def pairwise_loss_coefficients(diffs: Tensor, targets: Tensor, mask: Tensor) -> Tensor:
    r"""``dL_ce / dd_m = mask_m (sigmoid(d_m) - s_m) / M_i``: the weights with which each pair
    difference's gradient enters ``grad_theta L_ce``.

    Returns:
        A ``batch_shape x P``-dim tensor.
    """
    return mask * (torch.sigmoid(diffs) - targets.to(diffs)) / mentoring_set_sizes(mask)


def soft_label_hypergradient(jvp_diffs: Tensor, mask: Tensor, inner_lr: float) -> Tensor:
    r"""``dL_out / ds_m = (alpha / M_i) < grad_theta' L_out, grad_theta d_m >``.

    Args:
        jvp_diffs: A ``batch_shape x P``-dim tensor: the directional derivative of every pair
            difference ``d_m`` along the outer gradient ``grad_theta' L_out(theta')``.
        mask: A ``batch_shape x P``-dim bool tensor, the mentoring sets.
        inner_lr: alpha, the inner step size.

    Returns:
        A ``batch_shape x P``-dim tensor (0 outside the mentoring sets).
    """
    # Scale the float tensor first: ``inner_lr * mask`` would round alpha to the default dtype.
    return mask * (inner_lr * jvp_diffs) / mentoring_set_sizes(mask)


def update_soft_labels(
    soft_labels: Tensor, hypergradient: Tensor, lr: float, mask: Tensor
) -> Tensor:
    r"""One outer step ``s <- clamp(s - gamma dL_out/ds, 0, 1)`` on the mentoring sets.

    Returns:
        A ``batch_shape x P``-dim tensor; entries outside ``mask`` are unchanged.
    """
    stepped = (soft_labels - lr * hypergradient).clamp(0.0, 1.0)
    return torch.where(mask, stepped, soft_labels)

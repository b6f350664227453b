r"""How strongly one mentoring step acts: tangent-kernel scale and per-step diagnostics.

A mentoring SGD step ``theta <- theta - alpha grad L_ce`` changes a pair difference ``d_m`` by
about ``-alpha sum_n c_n <grad d_m, grad d_n>`` (first order), so its effect in function space
is ``alpha`` times the proxies' (empirical) neural tangent kernel on the neighbourhood. That
kernel grows with the width and with the weights' scale after pretraining, so a fixed
``alpha`` means very different steps for different proxies. ``pair_gradient_sq_norms`` measures
it exactly: for an MLP the tangent kernel of two inputs is
``sum_l (h_{l-1}(x) . h_{l-1}(x') + 1) (delta_l(x) . delta_l(x'))`` over the layers' inputs
``h`` and back-propagated output derivatives ``delta`` (the per-example gradient identity of
Goodfellow, 2015, "Efficient per-example gradient computations"), so ``||grad d_m||^2 =
k(a, a) + k(b, b) - 2 k(a, b)`` needs one forward and one backward pass over the ``K`` points.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from botorch_mentor.mentoring.pairwise import consensus_and_mentoring_sets, pairwise_labels
from botorch_mentor.nn.batched_mlp import _ACTIVATIONS, Params, mlp_forward


def tangent_kernel_gram(params: Params, X: Tensor, activation: str = "relu") -> Tensor:
    r"""The empirical neural tangent kernel ``<grad_theta f_e(x_i), grad_theta f_e(x_j)>``.

    Args:
        params: ``Params`` of ``E`` networks.
        X: An ``E x K x d``-dim tensor: network ``e``'s ``K`` points.
        activation: The hidden activation.

    Returns:
        An ``E x K x K``-dim tensor, one Gram matrix per network.
    """
    act = _ACTIVATIONS[activation]
    n_layers = len(params) // 2
    inputs, pre = [], []
    with torch.enable_grad():
        h = X.detach()
        for layer in range(n_layers - 1):
            W, b = params[2 * layer].detach(), params[2 * layer + 1].detach()
            inputs.append(h)
            u = torch.baddbmm(b, h, W).requires_grad_(True)
            pre.append(u)
            h = act(u)
        W_out = params[-2].detach()
        f = (h * W_out.transpose(-1, -2)).sum(dim=-1)
        deltas = torch.autograd.grad(f.sum(), pre) if pre else ()
    with torch.no_grad():
        # Output layer: its input is h, and f's derivative with respect to its output is 1.
        h = h.detach()
        gram = h @ h.transpose(1, 2) + 1.0
        for h_in, delta in zip(inputs, deltas):
            h_in = h_in.detach()
            gram += (h_in @ h_in.transpose(1, 2) + 1.0) * (delta @ delta.transpose(1, 2))
    return gram


def pair_gradient_sq_norms(
    params: Params, points: Tensor, pairs: tuple[Tensor, Tensor], n_proxies: int,
    activation: str = "relu",
) -> Tensor:
    r"""``||grad_theta d_m||^2`` for every network and pair, ``d_m = f(x_a) - f(x_b)``.

    Args:
        params: ``Params`` of ``E = G * M`` networks, group-major (as in ``mentoring_step``).
        points: A ``G x K x d``-dim tensor of each group's neighbourhood.
        pairs: ``(a, b)``, two ``P``-dim index tensors into the ``K`` points.
        n_proxies: ``M``.

    Returns:
        An ``E x P``-dim tensor.
    """
    a, b = pairs
    gram = tangent_kernel_gram(params, points.repeat_interleave(n_proxies, dim=0), activation)
    diag = gram.diagonal(dim1=-2, dim2=-1)
    return (diag[:, a] + diag[:, b] - 2.0 * gram[:, a, b]).clamp_min(0.0)


def tangent_kernel_scale(
    params: Params, points: Tensor, pairs: tuple[Tensor, Tensor], n_proxies: int,
    activation: str = "relu",
) -> Tensor:
    r"""``kappa``: the mean of ``||grad_theta d_m||^2`` over the pairs, per network (``E``).

    One mentoring SGD step of size ``alpha`` moves a pair difference by about
    ``alpha * kappa`` times its loss coefficient, so ``alpha * kappa`` is the step's size in
    function space.
    """
    return pair_gradient_sq_norms(params, points, pairs, n_proxies, activation).mean(dim=-1)


@dataclass
class StepDiagnostics:
    r"""How much one mentoring step did, per group and proxy (``G x M`` tensors)."""

    corrected_share: Tensor
    """Share of the proxy's mentoring set whose ranking agrees with the consensus after the
    step (NaN where the set is empty)."""
    prediction_change: Tensor
    """``|f_after(x) - f_before(x)|`` at the group's design ``x`` (score z-units)."""
    kernel_scale: Tensor
    """``kappa`` before the step (``tangent_kernel_scale``)."""


def diagnose_step(
    before: Params,
    after: Params,
    points: Tensor,
    pairs: tuple[Tensor, Tensor],
    n_proxies: int,
    designs: Tensor,
    voting: bool = True,
    activation: str = "relu",
) -> StepDiagnostics:
    r"""Compare the proxies before and after one mentoring step.

    Args:
        before: ``Params`` of ``E = G * M`` networks before the step, group-major.
        after: The same networks after the step.
        points: A ``G x K x d``-dim tensor, the neighbourhoods the step used.
        pairs: The step's ``(a, b)`` pair indices.
        n_proxies: ``M``.
        designs: A ``G x d``-dim tensor: each group's current design (the neighbourhood's
            centre).
        voting: Whether the step used majority voting (else the mean's ranking).

    Returns:
        ``StepDiagnostics``.
    """
    n_groups, M = points.shape[0], n_proxies
    a, b = pairs
    members_X = points.repeat_interleave(M, dim=0)
    with torch.no_grad():
        f_before = mlp_forward(before, members_X, activation).view(n_groups, M, -1)
        f_after = mlp_forward(after, members_X, activation).view(n_groups, M, -1)
        _, consensus, mask = consensus_and_mentoring_sets(f_before, a, b, voting)
        fixed = (pairwise_labels(f_after, a, b) == consensus.unsqueeze(1)) & mask
        sizes = mask.sum(dim=-1).to(f_before.dtype)
        share = fixed.sum(dim=-1).to(f_before.dtype) / sizes  # NaN on empty sets
        own = designs.repeat_interleave(M, dim=0).unsqueeze(1)  # E x 1 x d
        change = (mlp_forward(after, own, activation) - mlp_forward(before, own, activation))
    kappa = tangent_kernel_scale(before, points, pairs, M, activation)
    return StepDiagnostics(
        corrected_share=share,
        prediction_change=change.abs().view(n_groups, M),
        kernel_scale=kappa.view(n_groups, M),
    )

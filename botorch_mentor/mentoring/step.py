r"""One mentoring step (Algorithm 1, steps 2-6), composed from the pure functions beside it.

Layout: ``G`` groups of ``M`` proxies, ``E = G * M`` networks, group-major. In per-candidate
mode a group is one candidate's private copy of the ensemble (``G = n_candidates``); in shared
mode and at fit time there is one group (``G = 1``) whose neighbourhood points are all
candidates' neighbourhoods stacked. Every group has its own ``Kg`` points and the same pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.mentoring.diagnostics import tangent_kernel_scale
from botorch_mentor.mentoring.pairwise import consensus_and_mentoring_sets
from botorch_mentor.mentoring.soft_labels import (
    mentoring_set_sizes,
    pairwise_loss_coefficients,
    soft_label_hypergradient,
    update_soft_labels,
)
from botorch_mentor.nn.batched_mlp import Params, mlp_forward, squared_error_gradient


@dataclass
class MentoringStats:
    r"""What one mentoring step did, per group and proxy (``G x M`` tensors)."""

    disagreement: Tensor
    """Fraction of pairs on which the proxy disagreed with the consensus (its mentoring set)."""
    label_shift: Tensor
    """Mean ``|s - consensus|`` over the mentoring set: how far the soft labels moved."""


CPU_CHUNK_BYTES = 6 * 2**20
"""On CPUs, one hidden activation of a chunk is kept near this size so the memory-bound
element-wise work stays in cache (measured 2-3x faster than one pass over the data)."""
MIN_CPU_CHUNK_ROWS = 64


def outer_chunk_rows(
    n_members: int,
    hidden_sizes: tuple[int, ...],
    dtype: torch.dtype,
    max_memory_gb: float,
    device: torch.device | str = "cpu",
) -> int:
    r"""Rows of static data per chunk of the outer-loss pass.

    The chunk always fits ``max_memory_gb`` (a row costs about four activations per hidden
    unit per network: pre-activation, output and their gradients). On CPUs it is further
    limited to keep one activation near ``CPU_CHUNK_BYTES``.
    """
    itemsize = torch.empty((), dtype=dtype).element_size()
    bytes_per_row = 4 * n_members * sum(hidden_sizes) * itemsize
    rows = max(1, int(max_memory_gb * 2**30 // bytes_per_row))
    if torch.device(device).type == "cpu":
        cache_rows = CPU_CHUNK_BYTES // (n_members * max(hidden_sizes) * itemsize)
        rows = min(rows, max(MIN_CPU_CHUNK_ROWS, cache_rows))
    return rows


MIN_GPU_CHUNK_ROWS = 8192
"""On GPUs, networks are processed in blocks small enough that a chunk holds at least this
many rows of data (or all of them): every chunk re-reads each network's weights and adds to
its gradient, so short chunks of many networks are bound by that traffic, not by the math."""


def outer_plan(
    n_members: int,
    n_rows: int,
    hidden_sizes: tuple[int, ...],
    dtype: torch.dtype,
    max_memory_gb: float,
    device: torch.device | str = "cpu",
) -> tuple[int, int]:
    r"""``(member_block, chunk_rows)`` of the outer-loss pass over ``n_rows`` rows.

    On CPUs all networks go together and ``chunk_rows`` is ``outer_chunk_rows``. On other
    devices, when all networks and rows do not fit ``max_memory_gb`` at once, the networks
    are split into blocks so that each chunk still holds ``min(n_rows, MIN_GPU_CHUNK_ROWS)``
    rows; ``member_block * chunk_rows`` rows always fit the budget.
    """
    rows = outer_chunk_rows(n_members, hidden_sizes, dtype, max_memory_gb, device)
    if torch.device(device).type == "cpu" or rows >= min(n_rows, MIN_GPU_CHUNK_ROWS):
        return n_members, rows
    itemsize = torch.empty((), dtype=dtype).element_size()
    bytes_per_member_row = 4 * sum(hidden_sizes) * itemsize
    budget = max_memory_gb * 2**30
    target = min(n_rows, MIN_GPU_CHUNK_ROWS)
    block = int(min(n_members, max(1, budget // (target * bytes_per_member_row))))
    rows = int(max(1, budget // (block * bytes_per_member_row)))
    chunks = -(-n_rows // rows)
    return block, -(-n_rows // chunks)  # equal chunks, none of them a short remainder


def outer_loss_gradient(
    params: Params,
    data_X: Tensor,
    data_y: Tensor,
    activation: str,
    chunk_rows: int,
    member_block: int | None = None,
    compute_dtype: torch.dtype | None = None,
) -> Params:
    r"""``grad_theta L_out`` with ``L_out = mean_n (f_theta(x_n) - y_n)^2``, for every network.

    The data is processed in chunks of ``chunk_rows`` rows (and the networks in blocks of
    ``member_block``), accumulating the gradient, so the memory needed is bounded whatever
    the dataset size and the number of networks.

    Args:
        params: ``Params`` of ``E`` networks.
        data_X: An ``N x d``-dim tensor of (z-scored) designs that every network sees (or
            ``LatentRows``: it is read a slice of rows at a time).
        data_y: An ``N``-dim tensor of (z-scored) scores.
        activation: The networks' hidden activation.
        chunk_rows: Rows per chunk.
        member_block: Networks per block; default all ``E``.
        compute_dtype: Run the passes in this dtype (e.g. ``torch.bfloat16``: weights and
            data are cast once per block) while the gradient is accumulated in the
            parameters' dtype; default the parameters' dtype.

    Returns:
        ``Params``-shaped gradients, one per network, in the parameters' dtype.
    """
    n_rows, n_members = data_X.shape[0], params[0].shape[0]
    member_block = n_members if member_block is None else member_block
    total = [torch.zeros_like(p) for p in params]
    cast = compute_dtype is not None and compute_dtype != params[0].dtype
    for first in range(0, n_members, member_block):
        block = slice(first, first + member_block)
        block_params = tuple(
            p[block].to(compute_dtype) if cast else p[block] for p in params
        )
        for start in range(0, n_rows, chunk_rows):
            rows = slice(start, start + chunk_rows)
            X_rows, y_rows = data_X[rows], data_y[rows]  # cast a chunk at a time: no copy
            if cast:  # of the data in the compute dtype
                X_rows, y_rows = X_rows.to(compute_dtype), y_rows.to(compute_dtype)
            grads = squared_error_gradient(
                block_params, X_rows, y_rows, 1.0 / n_rows, activation
            )
            for t, g in zip(total, grads):
                t[block].add_(g)
    return tuple(total)


@dataclass
class OuterGradientCache:
    r"""What a cheaper mentoring step (``outer_refresh = every``) keeps between refreshes:
    the outer-loss gradient ``grad_theta' L_out``, computed (with the inner step it needs)
    when ``due`` and reused by the next ``every - 1`` steps. Everything else of a step (votes,
    pairs, the kernel scale of the scale-free step, the directional derivative of the pair
    differences along the outer gradient, the update) is computed at the current proxies and
    points. Caching the kernel scale as well was tried and dropped: over a TFBind8 ascent it
    changed the size of a step by about 100 % between refreshes."""

    every: int
    gradient: Params | None = None
    age: int = 0
    """Mentoring steps since it was computed."""

    @property
    def due(self) -> bool:
        return self.gradient is None or self.age >= self.every


KERNEL_FLOOR = 0.1
"""A network's kappa counts as at least this fraction of the median kappa of the step's
networks that have one: a network whose pair differences are nearly flat (a plateau) would
otherwise get a huge alpha and diverge."""


def scale_free_kernel(kappa: Tensor) -> Tensor:
    r"""The kernel scale by which the scale-free strength divides, per network (``E``):
    ``max(kappa_e, KERNEL_FLOOR * median of the positive kappas)``, and infinite (so
    ``alpha_e = 0``: no step) where ``kappa_e = 0``, a network whose pair differences have no
    gradient at all (every ReLU dead at the pairs), which no step size can move.

    The floor comes from the networks that can move only: late in an ascent most candidates
    may sit where their proxies are flat, and a median over them would be 0, the floor 0 and
    alpha unbounded (measured: NaN proxies after 67 steps on 1,000,000 TFBind10 rows)."""
    positive = kappa[kappa > 0]
    if positive.numel() == 0:
        return torch.full_like(kappa, math.inf)
    floor = KERNEL_FLOOR * positive.median()
    return torch.where(kappa > 0, kappa.clamp_min(floor), torch.full_like(kappa, math.inf))


MAX_SCALE_FREE_ALPHA = 10.0
"""The scale-free step's alpha is at most this (10,000 times the paper's 1e-3): where the
networks that can move are all nearly flat, the floor above is tiny too, and a step sized to
move them by ``function_step`` would leave the range where one step is first-order. Under
normal operation (kappa of order 0.1 to 100) it never binds."""


def scale_free_alpha(kappa: Tensor, function_step: float) -> Tensor:
    r"""Each network's step size under ``strength="scale_free"``:
    ``min(function_step / scale_free_kernel(kappa), MAX_SCALE_FREE_ALPHA)`` (0 where
    ``kappa = 0``), an ``E``-dim tensor."""
    return (function_step / scale_free_kernel(kappa)).clamp_max(MAX_SCALE_FREE_ALPHA)


def mentoring_step(
    params: Params,
    points: Tensor,
    pairs: tuple[Tensor, Tensor],
    n_proxies: int,
    data_X: Tensor,
    data_y: Tensor,
    config: MentoringConfig,
    outer_cache: OuterGradientCache | None = None,
) -> tuple[Params, MentoringStats]:
    r"""Vote, soft-label and mentor every proxy of every group once.

    Args:
        params: ``Params`` of ``E = G * M`` networks, group-major.
        points: A ``G x Kg x d``-dim tensor, the neighbourhood points of each group.
        pairs: ``(a, b)``, two ``P``-dim index tensors into the ``Kg`` points.
        n_proxies: ``M``.
        data_X: An ``N x d``-dim tensor, the static data of the outer loss (z-scored).
        data_y: An ``N``-dim tensor of its scores (z-scored).
        config: Supplies ``inner_lr``, ``soft_label_lr``, ``voting``, ``soft_labels``,
            ``activation`` and ``max_memory_gb``.
        outer_cache: Reuse the outer-loss gradient it holds unless it is ``due`` (then
            compute it on ``data_X``, ``data_y`` and keep it there); None: compute it.

    Returns:
        The mentored ``Params`` (new tensors; the inputs are untouched) and the step's
        ``MentoringStats``.
    """
    n_groups, M = points.shape[0], n_proxies
    a, b = pairs
    alpha, act = config.inner_lr, config.activation
    members_X = points.repeat_interleave(M, dim=0)  # E x Kg x d
    leaves = tuple(p.detach().requires_grad_(True) for p in params)
    with torch.enable_grad():
        f = mlp_forward(leaves, members_X, act)  # E x Kg
        diffs = f[:, a] - f[:, b]  # E x P

    # Steps 2-4: labels from the predictions before any update, consensus, mentoring sets.
    f_groups = f.detach().view(n_groups, M, -1)
    _, consensus, mask = consensus_and_mentoring_sets(f_groups, a, b, config.voting)
    mask = mask.reshape(n_groups * M, -1)  # E x P
    hard = consensus.unsqueeze(1).expand(n_groups, M, -1).reshape(n_groups * M, -1)
    hard = hard.to(f.dtype)
    diffs_value = diffs.detach()

    refresh = outer_cache is None or outer_cache.due
    if config.strength == "scale_free":  # alpha_e = function_step / kappa_e, per network
        kappa = tangent_kernel_scale(params, points, pairs, M, act)
        alpha = scale_free_alpha(kappa, config.function_step).view(-1, 1, 1)  # every weight

    # Step 5: one differentiable inner step, the outer loss on the data, one soft-label step.
    targets = hard
    if config.soft_labels:
        if refresh:
            coef = pairwise_loss_coefficients(diffs_value, hard, mask)
            inner = torch.autograd.grad(diffs, leaves, grad_outputs=coef, retain_graph=True)
            theta_prime = tuple(p.detach() - alpha * g for p, g in zip(params, inner))
            del inner
            block, chunk = outer_plan(
                n_groups * M, data_X.shape[0], config.hidden_sizes, data_X.dtype,
                config.max_memory_gb, data_X.device,
            )
            compute = torch.bfloat16 if config.outer_precision == "bfloat16" else None
            outer = outer_loss_gradient(theta_prime, data_X, data_y, act, chunk, block, compute)
            del theta_prime
        else:
            outer = outer_cache.gradient
        _, jvp_f = torch.func.jvp(
            lambda *q: mlp_forward(q, members_X, act),
            tuple(p.detach() for p in params),
            outer,
        )
        if outer_cache is not None and refresh:
            outer_cache.gradient = outer
        del outer  # as large as the weights of all E networks
        hypergradient = soft_label_hypergradient(
            jvp_f[:, a] - jvp_f[:, b], mask, alpha[:, 0] if isinstance(alpha, Tensor) else alpha
        )
        targets = update_soft_labels(hard, hypergradient, config.soft_label_lr, mask)

    # Step 6: one SGD step on the real weights with the (soft) labels.
    coef = pairwise_loss_coefficients(diffs_value, targets, mask)
    grads = torch.autograd.grad(diffs, leaves, grad_outputs=coef)
    mentored = tuple(p.detach() - alpha * g for p, g in zip(params, grads))

    if outer_cache is not None:
        outer_cache.age = 1 if refresh else outer_cache.age + 1

    shift = ((targets - hard).abs() * mask).sum(-1, keepdim=True) / mentoring_set_sizes(mask)
    stats = MentoringStats(
        disagreement=mask.to(f.dtype).mean(dim=-1).view(n_groups, M),
        label_shift=shift.view(n_groups, M),
    )
    return mentored, stats

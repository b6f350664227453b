r"""``optimize_designs``: acquisition-free gradient ascent with mentoring (Algorithm 1).

All candidates advance together. In ``per_candidate`` mode (the paper's) every candidate owns
a private copy of the ``M`` proxies, so the networks form one batch of ``E = C * M`` members
and a step is one batched mentoring step plus one Adam step on all ``C`` designs. In
``shared`` mode one ensemble is mentored with the pairs of all candidates' neighbourhoods.
With ``mentoring=False`` the same loop is plain gradient ascent on one proxy, the mean or the
minimum of the ensemble: the field's baselines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.mentoring.neighbourhood import sample_neighbourhood
from botorch_mentor.mentoring.pairwise import grouped_pair_indices, pair_indices
from botorch_mentor.mentoring.step import MentoringStats, OuterGradientCache, mentoring_step
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.nn.batched_mlp import Params, expand_members, mlp_forward
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.selection import (
    BatchSelection,
    data_resolution,
    design_embedding,
    embedding_distances,
    greedy_select,
    in_training_data,
    training_embedding,
)
from botorch_mentor.random import make_generator, select_rows
from botorch_mentor.validation import check_design_tensor

Objective = Literal["mean", "min", "single"]
NeighbourhoodSampler = Callable[[Tensor, int], Tensor]
"""``sampler(centres, step) -> points``: ``C x d`` latent centres to ``C x K x d`` points."""


@dataclass
class AscentStep:
    r"""One step of ``optimize_designs``, handed to its ``observer`` (``C`` candidates, ``G``
    groups: ``C`` per candidate, 1 shared; latent, z-scored design space)."""

    step: int
    params_before: Params
    """The proxies before this step's mentoring (``G * M`` networks, group-major)."""
    params_after: Params
    """The proxies the design step ascended (after mentoring)."""
    points: Tensor | None
    """``G x Kg x d``: the neighbourhoods mentored on (None without mentoring)."""
    pairs: tuple[Tensor, Tensor]
    """The pair indices into each group's points."""
    designs_before: Tensor
    """``C x d``: the designs before the design step."""
    designs_after: Tensor
    """``C x d``: the designs after it."""
    stats: MentoringStats | None
    """The mentoring step's statistics (None without mentoring)."""


@dataclass
class DesignResult:
    r"""What ``optimize_designs`` returns. ``C`` candidates, ``T`` steps, ``M`` proxies."""

    designs: Tensor
    """``C x d``: the final designs, in the original design space (with a ``selection``:
    the ``n x d`` selected distinct designs, best predicted first)."""
    predictions: Tensor
    """``C`` (or ``n``): the final ensemble objective at the designs, original score units."""
    member_predictions: Tensor
    """``C x M`` (or ``n x M``): every (mentored) proxy's prediction at the designs."""
    unmentored_predictions: Tensor
    """``C x M`` (or ``n x M``): the starting proxies' predictions at the designs; the
    difference to ``member_predictions`` is what the mentoring changed."""
    trajectory: Tensor
    """``(T + 1) x C``: the objective at the designs before each step and at the end."""
    design_trajectory: Tensor
    """``(T + 1) x C x d``: the designs along the ascent, original space."""
    disagreement: Tensor
    """``T x G x M``: fraction of pairs on which each proxy was outvoted (``G = C`` per
    candidate, 1 shared; empty without mentoring)."""
    label_shift: Tensor
    """``T x G x M``: mean ``|soft label - consensus|`` over each mentoring set."""
    relaxed_predictions: Tensor | None = None
    """``C``: the ascended objective at the final continuous points, before they are mapped
    to designs by the ``design_space`` (equal to ``predictions`` without one); the gap to
    the designs' predictions is the decoding's."""
    pool_size: int | None = None
    """With a ``selection``: the distinct designs along all ascents it chose from (designs
    already in the training data included); None for the plain batch."""


def optimize_designs(
    model: MentoringEnsemble,
    X_start: Tensor,
    *,
    steps: int | None = None,
    lr: float | None = None,
    mode: Literal["per_candidate", "shared"] | None = None,
    mentoring: bool | None = None,
    objective: Objective = "mean",
    seed: int | None = None,
    neighbourhood_sampler: NeighbourhoodSampler | None = None,
    config: MentoringConfig | None = None,
    bounds: Tensor | None = None,
    progress: bool = False,
    observer: Callable[[AscentStep], None] | None = None,
    design_space: DesignSpace | None = None,
    selection: BatchSelection | None = None,
) -> DesignResult:
    r"""Ascend ``X_start`` on the (mentored) ensemble.

    Args:
        model: A fitted ``MentoringEnsemble``.
        X_start: A ``C x d``-dim tensor of starting designs, original space (the paper starts
            from the top-128 designs of the data).
        steps: T; default ``model.config.ascent_steps``.
        lr: Adam step size in latent space; default ``model.config.ascent_lr``.
        mode: ``per_candidate`` or ``shared``; default ``model.config.mode``.
        mentoring: False turns mentoring off (plain gradient ascent baselines); default
            ``config.mentoring``.
        objective: What is ascended per candidate: ``mean`` of the proxies (the paper),
            ``min`` of them, or the ``single`` first proxy.
        seed: Seed of the neighbourhoods and outer mini-batches; default ``config.seed``.
        neighbourhood_sampler: Replaces the Gaussian neighbourhood: called with the ``C x d``
            latent centres and the step index, returns ``C x K x d`` latent points.
        config: Overrides ``model.config`` for the mentoring and the ascent (e.g. the
            ablations ``voting=False`` or ``soft_labels=False``) on the same fitted proxies;
            its ``n_proxies``, ``hidden_sizes`` and ``activation`` must be the model's.
        bounds: Optional ``2 x d`` box in the original design space; ``X_start`` must lie in
            it and every step is projected back into it (projected gradient ascent).
        progress: Show a progress bar.
        observer: Called after every step with an ``AscentStep`` (for diagnostics such as
            ``botorch_mentor.mentoring.diagnostics.diagnose_step``); it must not modify
            the tensors it is handed.
        design_space: What the points stand for (``DesignSpace``; e.g.
            ``DesignSpace.sequences(L, V)``): the returned designs are those designs and
            every prediction is for them (``relaxed_predictions`` keeps the objective at the
            continuous points). None: the points are the designs.
        selection: None returns the ``C`` final designs (the paper's plain batch). A
            ``BatchSelection`` returns ``n`` distinct designs chosen from every design along
            every ascent, new designs before designs of the training data, by predicted
            score with a similarity penalty (``botorch_mentor.optim.selection``).

    Returns:
        A ``DesignResult``.
    """
    config = _resolve_config(model, config)
    steps = config.ascent_steps if steps is None else steps
    lr = config.ascent_lr if lr is None else lr
    mode = config.mode if mode is None else mode
    seed = config.seed if seed is None else seed
    if mentoring is not None and not isinstance(mentoring, bool):
        raise ValueError(f"mentoring must be True, False or None, got {mentoring!r}.")
    mentoring = config.mentoring if mentoring is None else mentoring
    _check_arguments(model, X_start, steps, lr, mode, objective)
    latent_bounds = _latent_bounds(model, X_start, bounds)

    generator = make_generator(seed, X_start.device, "neighbourhoods")
    batch_generator = make_generator(seed, X_start.device, "outer_batches")
    # One copy of the data: the outer batches' rows are standardized as they are read.
    data_X, data_y = model.latent_rows(), model.latent_training_scores()
    start_params = (
        model.pretrained_params() if config.initial_proxies == "pretrained"
        else model.proxy_params()
    )
    n_candidates, M = X_start.shape[0], config.n_proxies
    per_candidate = mentoring and mode == "per_candidate"
    params = expand_members(start_params, n_candidates) if per_candidate else start_params

    Z = model.to_latent(X_start).detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([Z], lr=lr)
    if per_candidate:
        pairs = pair_indices(config.n_neighbours, device=Z.device)
    else:
        pairs = grouped_pair_indices(n_candidates, config.n_neighbours, device=Z.device)

    outer_cache = OuterGradientCache(config.outer_refresh) if config.outer_refresh > 1 else None
    space = design_space or DesignSpace()
    spread = model.spread_scale if model.config.calibrate_variance else None
    trajectory, designs, disagreement, label_shift = [], [Z.detach().clone()], [], []
    iterator = range(steps)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc=f"ascent ({mode if mentoring else 'plain'})", leave=False)
    for step in iterator:
        params_before, points, stats = params, None, None
        if mentoring:
            shifts, outvoted = [], []
            for _ in range(config.mentoring_steps):
                centres = Z.detach()
                if neighbourhood_sampler is None:
                    points = sample_neighbourhood(
                        centres, config.n_neighbours, config.noise_std, generator
                    )
                else:
                    points = neighbourhood_sampler(centres, step)
                if not per_candidate:
                    points = points.reshape(1, -1, Z.shape[-1])
                outer_X, outer_y = select_rows(
                    data_X, data_y, config.outer_batch_size, batch_generator
                )
                params, stats = mentoring_step(
                    params, points, pairs, M, outer_X, outer_y, config, outer_cache
                )
                shifts.append(stats.label_shift)
                outvoted.append(stats.disagreement)
            # Several mentoring steps per design step: their mean statistics.
            stats = MentoringStats(
                disagreement=torch.stack(outvoted).mean(dim=0),
                label_shift=torch.stack(shifts).mean(dim=0),
            )
            disagreement.append(stats.disagreement)
            label_shift.append(stats.label_shift)
        with torch.enable_grad():
            score = _objective(
                member_predictions(params, Z, M, per_candidate, config.activation), objective,
                spread,
            )
            optimizer.zero_grad(set_to_none=True)
            (-score.sum()).backward()
        optimizer.step()
        if latent_bounds is not None:
            with torch.no_grad():
                Z.copy_(torch.minimum(torch.maximum(Z, latent_bounds[0]), latent_bounds[1]))
        trajectory.append(score.detach())
        designs.append(Z.detach().clone())
        if observer is not None:
            observer(AscentStep(
                step=step, params_before=params_before, params_after=params, points=points,
                pairs=pairs, designs_before=designs[-2], designs_after=designs[-1],
                stats=stats,
            ))

    with torch.no_grad():
        final_Z = Z.detach()
        members = member_predictions(params, final_Z, M, per_candidate, config.activation)
        relaxed = _objective(members, objective, spread)
        final_designs, final_latent = model.from_latent(final_Z), final_Z
        if space.canonicalize is not None:  # predict the designs the points stand for
            final_designs = space.designs(final_designs)
            final_latent = model.to_latent(final_designs)
            members = member_predictions(params, final_latent, M, per_candidate,
                                         config.activation)
        unmentored = member_predictions(start_params, final_latent, M, False, config.activation)
        final = _objective(members, objective, spread)
    trajectory.append(relaxed)
    trajectory_t = torch.stack(trajectory)
    _check_finite(trajectory_t, torch.stack(designs))
    empty = final_Z.new_zeros(0, 1 if not per_candidate else n_candidates, M)
    design_stack = torch.stack(designs)
    design_trajectory = model.from_latent(design_stack.reshape(-1, Z.shape[-1])).reshape(
        design_stack.shape
    )
    pool_size = None
    if selection is not None:
        with torch.no_grad():
            final_designs, final, members, pool_size = _select_batch(
                model, selection, space, params, design_trajectory, per_candidate, config,
                objective, spread,
            )
            unmentored = member_predictions(
                start_params, model.to_latent(final_designs), M, False, config.activation
            )
    return DesignResult(
        designs=final_designs,
        predictions=model.to_original_units(final),
        member_predictions=model.to_original_units(members),
        unmentored_predictions=model.to_original_units(unmentored),
        trajectory=model.to_original_units(trajectory_t),
        design_trajectory=design_trajectory,
        disagreement=torch.stack(disagreement) if disagreement else empty,
        label_shift=torch.stack(label_shift) if label_shift else empty,
        relaxed_predictions=model.to_original_units(relaxed),
        pool_size=pool_size,
    )


POOL_CHUNK_ELEMENTS = 1 << 26
"""Largest ``networks x points x width`` activation held at once when the pool is
predicted."""


def _select_batch(
    model: MentoringEnsemble,
    selection: BatchSelection,
    space: DesignSpace,
    params: Params,
    design_trajectory: Tensor,
    per_candidate: bool,
    config: MentoringConfig,
    objective: Objective,
    spread: Tensor | None,
) -> tuple[Tensor, Tensor, Tensor, int]:
    r"""Choose ``selection.n`` distinct designs from the ``(T + 1) x C x d`` designs of the
    ascents (original space).

    Every visited design is canonicalized and predicted by the final proxies of its own
    candidate (per candidate) or by the one ensemble; a design visited several times gets
    the mean of those predictions.

    Returns:
        The ``n x d`` designs, their ``n`` objective values and ``n x M`` member predictions
        (latent units), and the number of distinct designs in the pool.
    """
    steps_1, C, d = design_trajectory.shape
    M = config.n_proxies
    flat = design_trajectory.reshape(-1, d)
    canonical = space.designs(flat)
    latent = model.to_latent(canonical)
    if per_candidate:  # candidate c's designs through its own E = C * M networks
        per_network = latent.view(steps_1, C, d).transpose(0, 1).repeat_interleave(M, dim=0)
        widest = max(config.hidden_sizes)
        chunk = max(1, POOL_CHUNK_ELEMENTS // (per_network.shape[0] * widest))
        outputs = [mlp_forward(params, part, config.activation)
                   for part in per_network.split(chunk, dim=1)]
        occurrences = torch.cat(outputs, dim=1).view(C, M, steps_1).permute(2, 0, 1)
        occurrences = occurrences.reshape(-1, M)  # (T + 1) * C x M, step-major like `flat`
    else:
        occurrences = mlp_forward(params, latent, config.activation).transpose(0, 1)
    pool, inverse = torch.unique(canonical, dim=0, return_inverse=True)
    counts = torch.bincount(inverse, minlength=pool.shape[0]).to(occurrences)
    members = torch.zeros(pool.shape[0], M, dtype=occurrences.dtype, device=pool.device)
    members.index_add_(0, inverse, occurrences)
    members = members / counts.unsqueeze(-1)
    scores = torch.zeros(pool.shape[0], dtype=occurrences.dtype, device=pool.device)
    scores.index_add_(0, inverse, _objective(occurrences, objective, spread))
    scores = scores / counts

    embedded = design_embedding(pool, model.to_latent, space.tokens)
    train_embedded = training_embedding(model.train_X, model.to_latent, space.tokens)
    chosen = greedy_select(
        scores,
        lambda i: embedding_distances(embedded[i:i + 1], embedded)[0],
        selection.n or C,
        float(selection.penalty),
        data_resolution(train_embedded),
        eligible_first=~in_training_data(embedded, train_embedded),
    )
    chosen = chosen[scores[chosen].argsort(descending=True, stable=True)]
    return pool[chosen], scores[chosen], members[chosen], int(pool.shape[0])


def _resolve_config(model: object, config: MentoringConfig | None) -> MentoringConfig:
    if not isinstance(model, MentoringEnsemble):
        raise TypeError(f"model must be a MentoringEnsemble, got {type(model).__name__}.")
    if config is None:
        return model.config
    if not isinstance(config, MentoringConfig):
        raise TypeError(f"config must be a MentoringConfig, got {type(config).__name__}.")
    for name in ("n_proxies", "hidden_sizes", "activation"):
        if getattr(config, name) != getattr(model.config, name):
            raise ValueError(
                f"config.{name} ({getattr(config, name)!r}) differs from the fitted model's "
                f"({getattr(model.config, name)!r}); the proxies' architecture cannot change "
                "after fitting."
            )
    return config


def _latent_bounds(model: MentoringEnsemble, X_start: Tensor, bounds: Tensor | None):
    r"""``bounds`` (``2 x d``, original space) in latent space, after checking ``X_start``."""
    if bounds is None:
        return None
    d = X_start.shape[-1]
    if not isinstance(bounds, Tensor) or bounds.shape != (2, d):
        raise ValueError(
            f"bounds must be a 2 x {d} tensor (lower row, upper row), got "
            f"{tuple(getattr(bounds, 'shape', ()))}."
        )
    bounds = bounds.to(X_start)
    if not bool((bounds[0] <= bounds[1]).all()):
        raise ValueError(
            "bounds: a lower bound exceeds its upper bound; the first row holds the lower "
            "bounds (equal bounds pin that coordinate)."
        )
    outside = ((X_start < bounds[0]) | (X_start > bounds[1])).any(dim=-1)
    if bool(outside.any()):
        row = int(outside.nonzero()[0])
        raise ValueError(
            f"X_start row {row} lies outside bounds; clip the starting designs to the box "
            "or widen it."
        )
    latent = model.to_latent(bounds)
    return torch.minimum(latent[0], latent[1]), torch.maximum(latent[0], latent[1])


def member_predictions(
    params: Params, Z: Tensor, n_proxies: int, per_candidate: bool, activation: str
) -> Tensor:
    r"""``C x M`` predictions at the ``C x d`` designs ``Z``: candidate ``c`` is scored by its
    own copies (per candidate: ``params`` holds ``C * M`` networks, group-major) or by the
    one shared ensemble (``M`` networks)."""
    if per_candidate:
        own = Z.repeat_interleave(n_proxies, dim=0).unsqueeze(1)  # E x 1 x d
        return mlp_forward(params, own, activation).view(-1, n_proxies)
    return mlp_forward(params, Z, activation).transpose(0, 1)


def _objective(
    member_predictions: Tensor, objective: Objective, spread: Tensor | None = None
) -> Tensor:
    r"""``C x M`` member predictions to the ``C`` ascended scores. ``spread``: the model's
    calibrated spread scale (``calibrate_variance``), applied around the mean as the
    posterior applies it, which matters to the ``min`` of the members only."""
    if objective == "mean":
        return member_predictions.mean(dim=-1)
    if objective == "min":
        if spread is not None:
            centre = member_predictions.mean(dim=-1, keepdim=True)
            member_predictions = centre + spread * (member_predictions - centre)
        return member_predictions.min(dim=-1).values
    return member_predictions[..., 0]


def _check_arguments(
    model: MentoringEnsemble,
    X_start: object,
    steps: object,
    lr: object,
    mode: object,
    objective: object,
) -> None:
    if not bool(model.is_fitted):
        raise ValueError(
            "model is not fitted; call fit_mentoring_ensemble(model) before optimize_designs."
        )
    X = check_design_tensor(X_start, model.train_X.shape[-1], "X_start", min_dim=2)
    if X.dim() != 2 or X.shape[0] == 0:
        raise ValueError(
            f"X_start must be a C x d tensor with at least one row, got {tuple(X.shape)}."
        )
    if X.dtype != model.train_X.dtype or X.device != model.train_X.device:
        raise ValueError(
            f"X_start ({X.dtype}, {X.device}) must match the model ({model.train_X.dtype}, "
            f"{model.train_X.device}); use X_start.to(model.train_X)."
        )
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}.")
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}.")
    if mode not in ("per_candidate", "shared"):
        raise ValueError(f"mode must be 'per_candidate' or 'shared', got {mode!r}.")
    if objective not in ("mean", "min", "single"):
        raise ValueError(f"objective must be 'mean', 'min' or 'single', got {objective!r}.")


def _check_finite(trajectory: Tensor, designs: Tensor) -> None:
    r"""Raise if a design or a prediction went non-finite, naming the candidate and step."""
    bad = ~torch.isfinite(trajectory) | ~torch.isfinite(designs).all(dim=-1)
    if bool(bad.any()):
        step, candidate = bad.nonzero()[0].tolist()
        raise FloatingPointError(
            f"optimize_designs: candidate {candidate} became non-finite at step {step}; "
            "lower lr or inner_lr, or use float64."
        )

r"""The acquisition-free generator: the ensemble's design ascent as an Ax ``TorchGenerator``.

Its ascent is what ``resolve_config(preset, "design")`` says: without mentoring for the fast
and surrogate presets (the decision panel's choice; ``mentoring=True`` in the generator's
options mentors), the paper's mentoring for ``"paper"``.

Registered the way Ax registers its own generators: a ``GeneratorSetup`` (``TorchAdapter``,
this generator, Ax's continuous transforms, which one-hot encode choice parameters and map
ranges to the unit cube) under the key ``TriMentoring``, reachable through the
``MentoringGenerators.TRI_MENTORING`` enum and storable in Ax's JSON format.

``gen(n)`` fits nothing new: it starts from the best observed arms, runs ``optimize_designs``
on the fitted ensemble with the distinct batch of ``resolve_config(preset, "design")`` (every design
along the ascents clipped to the bounds and rounded through Ax's transforms: integers,
one-hot choices; then chosen for predicted score and spread) and returns the ``n`` best
designs that are neither observed nor pending. When the ascents keep landing on observed
designs (a small table, later rounds of a loop), it widens the search by perturbing the best
ascended designs. Fixed features (``Client.get_next_trials(fixed_parameters=...)``) hold in
every design: the rounding sets them, so the ascent moves through designs that honour them.
``predict`` answers with the ensemble that generated the last arms (fitted on ``-Y`` for a
minimization), in the units of ``Y``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from ax.adapter.registry import (
    GENERATOR_KEY_TO_GENERATOR_SETUP,
    Cont_X_trans,
    GeneratorRegistryBase,
    GeneratorSetup,
)
from ax.adapter.torch import TorchAdapter
from ax.adapter.transforms.derelativize import Derelativize
from ax.adapter.transforms.standardize_y import StandardizeY
from ax.core.search_space import SearchSpaceDigest
from ax.exceptions.core import UnsupportedError
from ax.generators.torch_base import TorchGenerator, TorchGenResults, TorchOptConfig
from ax.storage.json_store.registry import CORE_DECODER_REGISTRY
from botorch.utils.datasets import SupervisedDataset
from torch import Tensor

from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.optim.ascent import optimize_designs
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.selection import batch_selection
from botorch_mentor.presets import resolve_config
from botorch_mentor.validation import precision

MIN_POOL = 16
"""Arms the ascent starts from at least (the best observed ones)."""
MAX_ATTEMPTS = 4
"""Ascents from ever larger pools (and new seeds) before widening the search by perturbation."""
PERTURBATION_SCALES = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Latent noise scales (z-units) of the last resort: when every ascent lands on observed or
pending designs (a small table, later rounds of a loop), the best ascended designs are
perturbed, rounded and ranked by the ensemble, ever wider until n new designs are found."""
PERTURBATIONS = 256
"""Perturbed designs drawn per scale."""
DUPLICATE_TOLERANCE = 1e-8
"""Designs closer than this (max-norm, transformed space) count as the same design."""
ONE_HOT_MARKER = "_OH_PARAM_"
"""Ax's ``OneHot`` transform names the encoded columns ``<param>_OH_PARAM_<i>``."""

FixedKey = tuple[tuple[int, float], ...]
"""Fixed features ``{column: value}`` as a sorted tuple: part of the proposal cache's key."""


class MentoringGenerator(TorchGenerator):
    r"""Proposes designs by gradient ascent on the ensemble fitted to a static dataset, with
    or without parallel-mentoring as ``resolve_config(preset, "design")`` and its options say
    (without, for the fast and surrogate presets)."""

    def __init__(
        self,
        preset: str = "fast",
        mode: str = "per_candidate",
        seed: int = 0,
        config: dict[str, Any] | None = None,
    ) -> None:
        r"""
        Args:
            preset: ``fast``, ``paper`` or ``surrogate`` (``resolve_config(preset, "design")``).
            mode: ``per_candidate`` (the paper) or ``shared``.
            seed: Seed of the proxies and the neighbourhoods.
            config: Further ``MentoringConfig`` fields.
        """
        self.preset, self.mode, self.seed = preset, mode, seed
        self.config_options = dict(config or {})
        resolve_config(preset, "design", mode=mode, seed=seed, **self.config_options)
        self._dataset: SupervisedDataset | None = None
        self._discrete = False
        self._models: dict[float, MentoringEnsemble] = {}
        self._cache: dict[tuple[float, FixedKey, int, int], tuple[Tensor, Tensor]] = {}
        self._arms: dict[float, tuple[Tensor, Tensor]] = {}
        self._sign = 1.0  # the objective's sign at the last gen: which ensemble predicts

    # ---- TorchGenerator -------------------------------------------------------------------
    def fit(
        self,
        datasets: Sequence[SupervisedDataset],
        search_space_digest: SearchSpaceDigest,
        candidate_metadata: Any = None,
    ) -> None:
        if len(datasets) != 1 or len(datasets[0].outcome_names) != 1:
            names = [n for d in datasets for n in d.outcome_names]
            raise UnsupportedError(
                f"the tri-mentoring generator optimizes one objective; this experiment has "
                f"{len(names)} metrics ({names}). Multi-objective optimization and outcome "
                "constraints are not supported."
            )
        self._dataset = datasets[0]
        self._discrete = any(ONE_HOT_MARKER in name for name in search_space_digest.feature_names)
        self._models = {}
        self._cache = {}
        self._arms = {}

    def _model(self, sign: float) -> MentoringEnsemble:
        r"""The ensemble fitted on ``sign * Y`` (so that larger is always better)."""
        if sign not in self._models:
            assert self._dataset is not None, "fit() must be called before gen()/predict()"
            config = resolve_config(
                self.preset, "design", self._discrete, mode=self.mode, seed=self.seed,
                **self.config_options,
            )
            dtype = precision(self._dataset.X.device)  # float32 on a GPU, as propose
            X, Y = self._dataset.X.to(dtype), self._dataset.Y.to(dtype)
            self._models[sign] = fit_mentoring_ensemble(
                MentoringEnsemble(X, sign * Y, config=config)
            )
        return self._models[sign]

    def predict(self, X: Tensor, use_posterior_predictive: bool = False) -> tuple[Tensor, Tensor]:
        r"""Predictions of the ensemble that generated the last arms (fitted on ``sign * Y``,
        ``sign`` the last ``gen``'s objective sign, +1 before any), in the units of ``Y``: the
        mean times ``sign`` (as ``gen_metadata["predicted"]``), the variance unchanged."""
        posterior = self._model(self._sign).posterior(X)
        return self._sign * posterior.mean, posterior.variance.unsqueeze(-1)

    def gen(
        self, n: int, search_space_digest: SearchSpaceDigest, torch_opt_config: TorchOptConfig
    ) -> TorchGenResults:
        sign = _objective_sign(torch_opt_config)
        self._sign = sign
        model = self._model(sign)
        bounds = torch.tensor(search_space_digest.bounds, dtype=model.train_X.dtype,
                              device=model.train_X.device).T
        seen = [model.train_X]
        for pending in torch_opt_config.pending_observations or []:
            if pending is not None and pending.numel():
                seen.append(pending.to(model.train_X))
        chosen: list[Tensor] = []
        chosen_scores: list[Tensor] = []
        n_train = self._distinct_arms(sign)[0].shape[0]
        sources = [
            (lambda a=attempt: self._proposals(
                sign, min(n_train, max(n, MIN_POOL) * 2**a), a, bounds, torch_opt_config))
            for attempt in range(MAX_ATTEMPTS)
        ] + [
            (lambda c=scale: self._perturbed(sign, c, bounds, torch_opt_config))
            for scale in PERTURBATION_SCALES
        ]
        for source in sources:  # ascents from ever larger pools, then ever wider perturbations
            if len(chosen) == n:
                break
            designs, scores = source()
            _take_new(designs, scores, seen, chosen, chosen_scores, n)
        if not chosen:
            raise UnsupportedError(
                "the tri-mentoring generator found no design that is not already observed or "
                "pending; the search space may be exhausted."
            )
        # Ax's dtype and device; fixed features set there too (exact also from float32 proxies)
        points = _fix(torch.stack(chosen).to(self._dataset.X), torch_opt_config.fixed_features)
        return TorchGenResults(
            points=points,
            weights=torch.ones(points.shape[0], dtype=points.dtype, device=points.device),
            gen_metadata={"predicted": [float(sign * s) for s in chosen_scores]},
        )

    def _distinct_arms(self, sign: float) -> tuple[Tensor, Tensor]:
        r"""The distinct attached designs (``u x d``) and each one's mean of ``sign * Y``
        (``u``): a design measured several times counts once. Cached until the next ``fit``."""
        if sign not in self._arms:
            model = self._model(sign)
            designs, inverse = torch.unique(model.train_X, dim=0, return_inverse=True)
            totals = torch.zeros(designs.shape[0], dtype=model.train_Y.dtype,
                                 device=designs.device)
            totals.index_add_(0, inverse, model.train_Y.squeeze(-1))
            means = totals / torch.bincount(inverse, minlength=designs.shape[0])
            self._arms[sign] = (designs, means)
        return self._arms[sign]

    def _proposals(
        self, sign: float, pool: int, attempt: int, bounds: Tensor, config: TorchOptConfig
    ) -> tuple[Tensor, Tensor]:
        r"""Rounded designs ascended from the ``pool`` best distinct arms (a repeated arm counts
        once, with its mean; its fixed features set), best predicted first; cached (per fixed
        features) until the next ``fit``, so successive ``gen(1)`` calls of one batch cost one
        ascent."""
        key = (sign, _fixed_key(config), pool, attempt)
        if key not in self._cache:
            model = self._model(sign)
            designs, means = self._distinct_arms(sign)
            start = _fix(designs[means.topk(pool).indices], config.fixed_features)
            seed = self.seed + attempt

            def round_designs(X: Tensor) -> Tensor:
                return _round(X, bounds, config, seed)

            result = optimize_designs(  # distinct rounded designs from every step
                model, start, seed=seed, selection=batch_selection(model.config),
                design_space=DesignSpace(canonicalize=round_designs))
            designs = round_designs(result.designs)
            scores = model.posterior(designs).mean.reshape(-1)
            order = scores.argsort(descending=True)
            self._cache[key] = (designs[order], scores[order])
        return self._cache[key]

    def _perturbed(
        self, sign: float, scale: float, bounds: Tensor, config: TorchOptConfig
    ) -> tuple[Tensor, Tensor]:
        r"""``PERTURBATIONS`` rounded designs drawn around the last ascent's best designs
        (Gaussian, ``scale`` z-units in the model's latent space), best predicted first."""
        model = self._model(sign)
        ascents = [key for key in self._cache if key[:2] == (sign, _fixed_key(config))]
        last = self._cache[max(ascents, key=lambda key: key[2:])]
        centres = model.to_latent(last[0][:16])
        seed = self.seed + int(1000 * scale)
        generator = torch.Generator().manual_seed(seed)
        picks = torch.randint(centres.shape[0], (PERTURBATIONS,), generator=generator)
        noise = torch.randn(PERTURBATIONS, centres.shape[-1], generator=generator,
                            dtype=centres.dtype).to(centres.device)
        designs = _round(model.from_latent(centres[picks] + scale * noise), bounds, config, seed)
        with torch.no_grad():
            scores = model.posterior(designs.unsqueeze(-2)).mean.reshape(-1)
        order = scores.argsort(descending=True)
        return designs[order], scores[order]

    def _get_state(self) -> dict[str, Any]:
        return {}


def _take_new(
    designs: Tensor, scores: Tensor, seen: list[Tensor], chosen: list[Tensor],
    chosen_scores: list[Tensor], n: int,
) -> None:
    r"""Append to ``chosen`` (in order) the designs that are neither in ``seen`` nor already
    chosen, until ``n`` are chosen."""
    for candidate, score in zip(designs, scores):
        if len(chosen) == n:
            return
        reference = torch.cat(seen + ([torch.stack(chosen)] if chosen else []))
        if (reference - candidate).abs().amax(dim=-1).min() < DUPLICATE_TOLERANCE:
            continue
        chosen.append(candidate)
        chosen_scores.append(score)


def _objective_sign(config: TorchOptConfig) -> float:
    r"""+1 to maximize, -1 to minimize; refuses what this generator cannot do."""
    if config.is_moo:
        raise UnsupportedError(
            "the tri-mentoring generator supports a single objective; multi-objective "
            "optimization is not supported."
        )
    if config.outcome_constraints is not None:
        raise UnsupportedError(
            "outcome constraints are not supported by the tri-mentoring generator; remove them "
            "from the optimization config."
        )
    if config.linear_constraints is not None:
        raise UnsupportedError(
            "parameter constraints are not supported by the tri-mentoring generator."
        )
    weights = config.objective_weights.reshape(-1)
    nonzero = weights[weights != 0]
    if nonzero.numel() != 1:
        raise UnsupportedError("the tri-mentoring generator optimizes exactly one metric.")
    return 1.0 if float(nonzero[0]) > 0 else -1.0


def _fixed_key(config: TorchOptConfig) -> FixedKey:
    r"""The fixed features as a hashable key (empty when there are none)."""
    return tuple(sorted((config.fixed_features or {}).items()))


def _fix(designs: Tensor, fixed_features: dict[int, float] | None) -> Tensor:
    r"""``designs`` (``... x d``) with the fixed features' columns set to their values."""
    if not fixed_features:
        return designs
    designs = designs.clone()
    for column, value in fixed_features.items():
        designs[..., column] = value
    return designs


def _round(designs: Tensor, bounds: Tensor, config: TorchOptConfig, seed: int) -> Tensor:
    r"""Clip to the bounds, set the fixed features, then round through Ax's transforms
    (integers, one-hot choices).

    The fixed features are set before Ax's rounding (which then sees, e.g., a fixed choice's
    one-hot columns) and again after it, so that they hold exactly the values Ax passed
    (a round trip through the transforms may move a float by an ulp). Ax's rounding breaks
    ties (a one-hot relaxation with two letters clipped to 1, or all at 0) with NumPy's global
    random state; it runs here on a state seeded with ``seed`` and the caller's state is
    restored, so proposals depend on the generator's seed only. (Ax's rounding needs values
    inside the bounds: a binary choice is an integer range.)"""
    clipped = _fix(torch.minimum(torch.maximum(designs, bounds[0]), bounds[1]),
                   config.fixed_features)
    if config.rounding_func is None:
        return clipped
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        rounded = torch.stack([config.rounding_func(row) for row in clipped]).to(clipped)
    finally:
        np.random.set_state(state)
    return _fix(rounded, config.fixed_features)


TRANSFORMS = [*Cont_X_trans, Derelativize, StandardizeY]
"""Ax's continuous transforms (one-hot choices, unit-cube ranges) and standardized Y."""

GENERATOR_KEY_TO_GENERATOR_SETUP["TriMentoring"] = GeneratorSetup(
    adapter_class=TorchAdapter,
    generator_class=MentoringGenerator,
    transforms=TRANSFORMS,
)


class MentoringGenerators(GeneratorRegistryBase):
    r"""botorch_mentor's generators, registered like Ax's ``Generators``."""

    TRI_MENTORING = "TriMentoring"


CORE_DECODER_REGISTRY["MentoringGenerators"] = MentoringGenerators

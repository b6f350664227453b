r"""The methods a benchmark compares, all on the same fitted proxies.

Every method receives the fitted ``MentoringEnsemble`` of its seed, the starting designs in
model space and the configuration of its preset, and returns ``C`` final designs in model
space plus what it learnt along the way. The tri-mentoring variants and the gradient
baselines are ``optimize_designs`` with different switches; ``cma-es`` and ``bo-qei`` optimize
the mean proxy with other optimizers (``botorch_mentor.benchmark.baselines``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.optim.ascent import optimize_designs
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.selection import BatchSelection


@dataclass
class MethodOutput:
    designs: Tensor
    """``C x n_features`` final designs in model space."""
    design_trajectory: Tensor | None = None
    """``(T + 1) x C x n_features`` designs along the ascent (gradient methods only)."""
    predicted_trajectory: Tensor | None = None
    """``(T + 1) x C``: the predicted score of every design along the ascent, original
    units."""
    diagnostics: dict[str, float] = field(default_factory=dict)
    predictions: Tensor | None = None
    """``C``: what the method's own objective predicts at its final designs, original units
    (the mentored ensemble for mentoring methods); None: the fitted ensemble's mean."""
    batch: str = "plain"
    """``"plain"``: the final designs of the ascents; ``"distinct"``: a selected batch."""
    relaxed_predictions: Tensor | None = None
    """``C``: the method's objective at its final continuous points, before decoding (gradient
    methods only)."""
    strength: str | None = None
    """The mentoring step used (``"raw"`` or ``"scale_free"``); None without mentoring."""


MethodFn = Callable[..., MethodOutput]
"""``method(model, X_start, config, progress=False, design_space=None, selection=None) ->
MethodOutput``; the gradient methods return the designs of ``design_space`` (a
``DesignSpace``) and apply ``selection`` (a ``BatchSelection``), the others return their plain
batch."""


@dataclass(frozen=True)
class AscentMethod:
    r"""A gradient method: ``optimize_designs`` with these switches on the seed's proxies.

    ``changes`` are ``MentoringConfig`` fields the method sets (its mode and ablation
    switches); every other field comes from the benchmark's configuration.
    """

    mentoring: bool
    objective: str = "mean"
    changes: tuple[tuple[str, object], ...] = ()

    def __call__(
        self, model: MentoringEnsemble, X_start: Tensor, config: MentoringConfig,
        progress: bool = False, design_space: DesignSpace | None = None,
        selection: BatchSelection | None = None,
    ) -> MethodOutput:
        return run_ascent(self, model, X_start, config, progress, design_space, selection)


def run_ascent(
    method: AscentMethod, model: MentoringEnsemble, X_start: Tensor, config: MentoringConfig,
    progress: bool = False, design_space: DesignSpace | None = None,
    selection: BatchSelection | None = None,
) -> MethodOutput:
    r"""Run one ``AscentMethod`` and collect its designs (the plain batch, or the
    ``selection``'s), trajectory and diagnostics."""
    config = config.replace(**dict(method.changes))
    result = optimize_designs(
        model, X_start, mentoring=method.mentoring,
        objective=method.objective,  # type: ignore[arg-type]
        config=config, progress=progress, design_space=design_space, selection=selection,
    )
    diagnostics: dict[str, float] = {}
    if method.mentoring:
        y_scale = float(model.y_std)
        change = (result.member_predictions - result.unmentored_predictions).abs()
        diagnostics = {
            "disagreement": float(result.disagreement.mean()),
            "label_shift": float(result.label_shift.mean()),
            "mentoring_change": float(change.mean()) / y_scale,
        }
    return MethodOutput(
        designs=result.designs,
        design_trajectory=result.design_trajectory,
        predicted_trajectory=result.trajectory,
        diagnostics=diagnostics,
        predictions=result.predictions,
        relaxed_predictions=result.relaxed_predictions if selection is None else None,
        batch="plain" if selection is None else "distinct",
        strength=config.strength if method.mentoring else None,
    )


def _cma_es(
    model: MentoringEnsemble, X_start: Tensor, config: MentoringConfig, progress: bool = False,
    design_space: DesignSpace | None = None, selection: BatchSelection | None = None,
) -> MethodOutput:
    from botorch_mentor.benchmark.baselines import cma_es_on_mean

    return MethodOutput(designs=cma_es_on_mean(model, X_start, config))


def _bo_qei(
    model: MentoringEnsemble, X_start: Tensor, config: MentoringConfig, progress: bool = False,
    design_space: DesignSpace | None = None, selection: BatchSelection | None = None,
) -> MethodOutput:
    from botorch_mentor.benchmark.baselines import bo_qei_on_mean

    return MethodOutput(designs=bo_qei_on_mean(model, X_start, config))


METHODS: dict[str, MethodFn] = {
    "tri-mentoring": AscentMethod(True, changes=(("mode", "per_candidate"),)),  # its preset's step
    "tri-mentoring-shared": AscentMethod(True, changes=(("mode", "shared"),)),
    "tri-mentoring-no-voting": AscentMethod(
        True, changes=(("mode", "per_candidate"), ("voting", False))),
    "tri-mentoring-no-soft-labels": AscentMethod(
        True, changes=(("mode", "per_candidate"), ("soft_labels", False))),
    "tri-mentoring-scale-free": AscentMethod(
        True, changes=(("mode", "per_candidate"), ("strength", "scale_free"))),
    "tri-mentoring-raw": AscentMethod(
        True, changes=(("mode", "per_candidate"), ("strength", "raw"))),
    "tri-mentoring-3-steps": AscentMethod(
        True, changes=(("mode", "per_candidate"), ("mentoring_steps", 3))),
    "grad": AscentMethod(False, "single"),
    "grad-mean": AscentMethod(False, "mean"),
    "grad-min": AscentMethod(False, "min"),
    "cma-es": _cma_es,
    "bo-qei": _bo_qei,
}
"""Method name to its function."""


def check_methods(methods: list[str] | tuple[str, ...]) -> None:
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ValueError(
            f"unknown method(s) {unknown or methods}; available: {', '.join(METHODS)}."
        )

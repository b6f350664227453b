r"""``MentoringEnsemble`` as a drop-in surrogate of Ax's modular BoTorch generator.

Importing this module registers the fit routine with Ax's ``fit_botorch_model`` dispatcher
and the model class with Ax's storage registry, so that

    ModelConfig(botorch_model_class=MentoringEnsemble, model_options={"preset": "fast"})

works inside ``Generators.BOTORCH_MODULAR`` and experiments using it save to JSON.
"""

from __future__ import annotations

from typing import Any

from ax.generators.torch.botorch_modular.surrogate import SurrogateSpec
from ax.generators.torch.botorch_modular.utils import ModelConfig, fit_botorch_model
from ax.storage.botorch_modular_registry import MODEL_REGISTRY, register_model

from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.models.ensemble import MentoringEnsemble


@fit_botorch_model.register(MentoringEnsemble)
def _fit_mentoring_ensemble_for_ax(
    model: MentoringEnsemble, mll_class: Any = None, mll_options: dict | None = None
) -> None:
    r"""Ax's fit hook: the ensemble's own fit routine (GP marginal likelihoods do not apply)."""
    fit_mentoring_ensemble(model)


if MentoringEnsemble not in MODEL_REGISTRY:
    register_model(MentoringEnsemble)


def mentoring_surrogate_spec(preset: str = "surrogate", **config: Any) -> SurrogateSpec:
    r"""A ``SurrogateSpec`` whose only model is a ``MentoringEnsemble``.

    Args:
        preset: ``surrogate`` (default), ``fast`` or ``paper`` (``MentoringConfig`` presets).
        config: Further ``MentoringConfig`` fields (``n_proxies=5``, ``hidden_sizes=[32, 32]``).
    """
    options = {"preset": preset, **config}
    return SurrogateSpec(
        model_configs=[ModelConfig(botorch_model_class=MentoringEnsemble, model_options=options)]
    )

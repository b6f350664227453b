r"""Ready generation strategies for offline experiments."""

from __future__ import annotations

from typing import Any

from ax.adapter.registry import Generators
from ax.generation_strategy.generation_node import GenerationNode
from ax.generation_strategy.generation_strategy import GenerationStrategy
from ax.generation_strategy.generator_spec import GeneratorSpec
from ax.generators.torch.botorch_modular.surrogate import SurrogateSpec
from botorch.acquisition import qSimpleRegret
from botorch.acquisition.logei import qLogNoisyExpectedImprovement

from botorch_mentor.ax.acquisition import DistinctAcquisition
from botorch_mentor.ax.generator import MentoringGenerators
from botorch_mentor.ax.surrogate import mentoring_surrogate_spec
from botorch_mentor.presets import resolve_config


def mentoring_generation_strategy(
    n_proxies: int = 3,
    preset: str = "fast",
    mode: str = "per_candidate",
    seed: int = 0,
    **config: Any,
) -> GenerationStrategy:
    r"""A ``GenerationStrategy`` whose one node proposes designs with the acquisition-free
    ascent generator; meant for experiments whose data is attached up front
    (``attach_dataset``). Its ascent is ``resolve_config(preset, "design")``'s: without
    mentoring for ``fast`` and ``surrogate`` (``mentoring=True`` mentors), the paper's
    mentoring for ``paper``; the strategy's name says which.

    Args:
        n_proxies: Proxies in the ensemble.
        preset: ``fast``, ``paper`` or ``surrogate`` (``resolve_config(preset, "design")``).
        mode: ``per_candidate`` or ``shared``.
        seed: Seed of the proxies and neighbourhoods.
        config: Further ``MentoringConfig`` fields.
    """
    options = {"n_proxies": n_proxies, **config}
    resolved = resolve_config(preset, "design", mode=mode, seed=seed, **options)  # fail here
    spec = GeneratorSpec(
        generator_enum=MentoringGenerators.TRI_MENTORING,
        generator_kwargs={"preset": preset, "mode": mode, "seed": seed, "config": options},
    )
    node = GenerationNode(name="tri_mentoring", generator_specs=[spec])
    name = (f"tri-mentoring ({mode}, {preset})" if resolved.mentoring
            else f"mean-ensemble ascent ({preset})")
    return GenerationStrategy(name=name, nodes=[node])


def surrogate_generation_strategy(
    acquisition: str = "qLogNEI", preset: str = "surrogate", **config: Any
) -> GenerationStrategy:
    r"""Ax's modular BoTorch generator with ``MentoringEnsemble`` as its surrogate.

    Proposals are new designs: the acquisition is optimized by ``DistinctAcquisition``, which
    replaces a rounded candidate equal to an attached, completed or pending design (pending
    includes the trials generated earlier in the same ``get_next_trials`` call) by the best new
    design near it; the node's deduplication against the experiment's arms stays as a backstop.

    Args:
        acquisition: ``qLogNEI`` (Ax's default) or ``qSimpleRegret`` (the posterior mean).
        preset: ``surrogate`` (default: 5 bootstrapped proxies with a calibrated spread),
            ``fast`` or ``paper``.
        config: Further ``MentoringConfig`` fields.
    """
    acquisition_classes = {"qLogNEI": qLogNoisyExpectedImprovement, "qSimpleRegret": qSimpleRegret}
    if acquisition not in acquisition_classes:
        raise ValueError(
            f"acquisition must be one of {sorted(acquisition_classes)}, got {acquisition!r}."
        )
    surrogate: SurrogateSpec = mentoring_surrogate_spec(preset=preset, **config)
    spec = GeneratorSpec(
        generator_enum=Generators.BOTORCH_MODULAR,
        generator_kwargs={
            "surrogate_spec": surrogate,
            "botorch_acqf_class": acquisition_classes[acquisition],
            "acquisition_class": DistinctAcquisition,
        },
    )
    node = GenerationNode(name=f"mentoring_surrogate_{acquisition}", generator_specs=[spec],
                          should_deduplicate=True)
    return GenerationStrategy(name=f"MentoringEnsemble + {acquisition}", nodes=[node])

r"""What a preset means for each use: the one function every entry point goes through.

A preset (``"fast"``, ``"paper"``, ``"surrogate"``: ``MentoringConfig.from_preset``) names the
proxies and their training. What else a run needs depends on what the ensemble is for:

- ``"benchmark"``: the field's protocol (``run_benchmark``, ``botorch-mentor benchmark``).
  The ascent starts from the pretrained proxies, as in the paper (no fit-time mentoring), and
  returns the plain batch, so that scores compare with published ones.
- ``"design"``: proposals for a user (``propose``, the Ax generator). As ``"benchmark"``, with
  the distinct batch (``botorch_mentor.optim.selection``) and a calibrated spread
  (``calibrate_variance``: the proxies' spread scaled to their errors on held-out rows), so
  that ``std_<target>`` is an uncertainty and not a raw disagreement; and, for every preset
  but ``"paper"``, **without mentoring** (``mentoring=False``: gradient ascent on the mean of
  the ensemble, the benchmark's ``grad-mean``), the configuration that gave the best designs on
  the decision panel's selection half (documentation: results/panel). The mentoring is one
  setting away: ``changes={"mentoring": True}``, ``--set mentoring=true``.
- ``"surrogate"``: the ensemble as the surrogate of an acquisition function (Ax's modular
  BoTorch generator, ``MentoringEnsemble`` built without a config). Default preset
  ``"surrogate"``: five bootstrapped proxies with a calibrated spread, fitted in seconds on a
  CPU.

When the ensemble ascends designs with mentoring, every preset mentors with the paper's raw
step (``strength="raw"``): on the decision panel's selection half (28 tasks: transcription-
factor tables, RNA, Superconductor, continuous tasks; 2 seeds, distinct batch) it is the
mentoring configuration closest to ``grad-mean`` (-0.004 at the 100th and -0.002 at the 50th
percentile, mean over tasks), where the scale-free step (shipped from 2026-11-30 to
2026-12-02) gives -0.003 / -0.018; every preset but ``"paper"`` refreshes the outer-loss
gradient every 20 mentoring steps (``outer_refresh=20``: scores within noise of the exact
step, a fraction of its time; documentation: results/outer-refresh; the panel measured the
steps with it). ``"paper"`` stays the paper's exact configuration, mentoring included.
Changes given by the caller are applied last.
"""

from __future__ import annotations

from typing import Any, Literal

from botorch_mentor.config import MentoringConfig

Use = Literal["benchmark", "design", "surrogate"]
USES = ("benchmark", "design", "surrogate")
DEFAULT_PRESETS = {"benchmark": "fast", "design": "fast", "surrogate": "surrogate"}
"""The preset of each use when none is named."""
RECOMMENDED_STRENGTH = "raw"
"""The mentoring step of every preset when the ensemble ascends designs with mentoring (the
benchmark's ``tri-mentoring``, ``propose`` with ``mentoring=True``)."""
RECOMMENDED_DESIGN_MENTORING = False
"""Whether ``propose`` and the Ax generator mentor, for every preset but ``"paper"``: no
mentoring configuration reached ``grad-mean`` on the decision panel's selection half."""
RECOMMENDED_OUTER_REFRESH = 20
"""``outer_refresh`` of every preset but ``"paper"`` when the ensemble ascends designs: the
outer-loss gradient computed every 20 mentoring steps, 5.8x faster per TFBind8 ascent with
scores within noise of the exact step on TFBind8, RNA20 and Hartmann-6 (8 seeds;
documentation: results/outer-refresh)."""


def resolve_config(
    preset: str | None, use: Use, discrete: bool = False, **changes: Any
) -> MentoringConfig:
    r"""The ``MentoringConfig`` of ``preset`` for ``use``.

    Args:
        preset: ``"fast"``, ``"paper"`` or ``"surrogate"``; None takes the use's default
            (``DEFAULT_PRESETS``).
        use: ``"benchmark"``, ``"design"`` or ``"surrogate"`` (this module's docstring).
        discrete: Sequence designs (the paper's discrete ascent: lr 0.1, 100 steps).
        changes: ``MentoringConfig`` fields, applied last.

    Returns:
        The validated configuration.
    """
    if use not in USES:
        raise ValueError(f"use must be one of {', '.join(USES)}; got {use!r}.")
    preset = DEFAULT_PRESETS[use] if preset is None else preset
    recommended: dict[str, Any] = {}
    if use in ("benchmark", "design"):
        recommended["fit_mentoring_rounds"] = 0  # the ascent starts from pretrained proxies
        if preset != "paper":
            recommended["strength"] = RECOMMENDED_STRENGTH
            recommended["outer_refresh"] = RECOMMENDED_OUTER_REFRESH
    if use == "design":
        recommended.update(batch="distinct", calibrate_variance=True)
        if preset != "paper":
            recommended["mentoring"] = RECOMMENDED_DESIGN_MENTORING
    return MentoringConfig.from_preset(preset, discrete, **{**recommended, **changes})

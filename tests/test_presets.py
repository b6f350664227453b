"""``resolve_config``: one decision of what a preset means for each use."""

from __future__ import annotations

import pytest

from botorch_mentor import MentoringConfig, MentoringEnsemble
from botorch_mentor.benchmark.runner import preset_config
from botorch_mentor.presets import resolve_config
from tests.conftest import quadratic_data


def test_each_use_against_the_presets_written_out():
    for discrete in (False, True):
        fast = MentoringConfig.fast(discrete=discrete)
        ascent = {"fit_mentoring_rounds": 0, "strength": "raw", "outer_refresh": 20}
        assert resolve_config("fast", "benchmark", discrete) == fast.replace(**ascent)
        assert resolve_config("fast", "benchmark", discrete).mentoring  # tri-mentoring mentors
        assert resolve_config("fast", "design", discrete) == fast.replace(
            **ascent, batch="distinct", calibrate_variance=True, mentoring=False)
        paper = MentoringConfig.paper(discrete=discrete, fit_mentoring_rounds=0)
        assert resolve_config("paper", "benchmark", discrete) == paper  # the paper, exact
        assert resolve_config("paper", "design", discrete) == paper.replace(
            batch="distinct", calibrate_variance=True)  # the paper's method: mentoring on
        assert resolve_config(None, "surrogate", discrete) == MentoringConfig.surrogate(
            discrete=discrete)
    assert resolve_config(None, "design") == resolve_config("fast", "design")
    # the caller's changes come last
    assert resolve_config("fast", "design", mentoring=True, batch="plain",
                          calibrate_variance=False, outer_refresh=1) == MentoringConfig.fast(
        fit_mentoring_rounds=0)
    with pytest.raises(ValueError, match="unknown preset"):
        resolve_config("quick", "design")
    with pytest.raises(ValueError, match="use must be one of"):
        resolve_config("fast", "training")


def test_entry_points_take_the_decision_from_resolve_config():
    """The benchmark's tri-mentoring is what propose ships: the same strength."""
    assert preset_config("fast", True) == resolve_config("fast", "benchmark", True)
    assert preset_config("fast", True).strength == resolve_config("fast", "design", True).strength
    X, Y = quadratic_data(30)
    assert MentoringEnsemble(X, Y).config == resolve_config(None, "surrogate")

    class Data:
        X, Y = quadratic_data(30)

    assert MentoringEnsemble.construct_inputs(Data())["config"] == MentoringConfig.surrogate()
    assert MentoringEnsemble.construct_inputs(Data(), preset="paper")["config"] == (
        MentoringConfig.paper())
    assert MentoringEnsemble.construct_inputs(Data(), n_proxies=7)["config"] == (
        MentoringConfig.surrogate(n_proxies=7))

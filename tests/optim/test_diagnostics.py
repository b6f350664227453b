"""The ascent's observer and ``MentoringDiagnostics``."""

from __future__ import annotations

import pytest
import torch

from botorch_mentor import optimize_designs
from botorch_mentor.mentoring import pair_indices
from botorch_mentor.mentoring.diagnostics import tangent_kernel_scale
from botorch_mentor.nn import mlp_forward
from botorch_mentor.optim import MentoringDiagnostics


def _start(model, n=6):
    return model.train_X[model.train_Y.squeeze(-1).topk(n).indices]


def test_observer_sees_every_step_as_it_happened(fitted_model):
    seen = []
    result = optimize_designs(fitted_model, _start(fitted_model), steps=4, observer=seen.append)
    assert [s.step for s in seen] == [0, 1, 2, 3]
    for t, s in enumerate(seen):
        torch.testing.assert_close(
            fitted_model.from_latent(s.designs_before), result.design_trajectory[t]
        )
        torch.testing.assert_close(
            fitted_model.from_latent(s.designs_after), result.design_trajectory[t + 1]
        )
        torch.testing.assert_close(s.stats.label_shift, result.label_shift[t])
        assert s.points.shape == (6, fitted_model.config.n_neighbours, 4)
    for before, after in zip(seen[1:], seen[:-1]):  # each step starts from the last one's end
        for p, q in zip(before.params_before, after.params_after):
            assert p is q
    # The last step's mentored proxies are the ones whose predictions are returned.
    own = seen[-1].designs_after.repeat_interleave(3, 0).unsqueeze(1)
    last = mlp_forward(seen[-1].params_after, own).view(-1, 3)
    torch.testing.assert_close(fitted_model.to_original_units(last), result.member_predictions)


def test_diagnostics_rows_and_strength(fitted_model):
    start = _start(fitted_model)
    weak, strong = MentoringDiagnostics(3), MentoringDiagnostics(3)
    base = fitted_model.config.replace(strength="scale_free")
    optimize_designs(fitted_model, start, steps=3, observer=weak,
                     config=base.replace(function_step=1e-4))
    optimize_designs(fitted_model, start, steps=3, observer=strong,
                     config=base.replace(function_step=1.0))
    assert [r["step"] for r in weak.rows] == [0, 1, 2]
    w, s = weak.summary(), strong.summary()
    assert s["corrected_share"] > 0.5 > w["corrected_share"]
    assert s["prediction_change"] > 100 * w["prediction_change"]
    assert s["label_shift"] > w["label_shift"]
    # The first row's kernel scale is the pretrained proxies' kappa on that step's pairs.
    seen = []
    optimize_designs(fitted_model, start, steps=1, observer=seen.append, config=base)
    kappa = tangent_kernel_scale(
        seen[0].params_before, seen[0].points, pair_indices(base.n_neighbours), 3
    )
    record = MentoringDiagnostics(3)
    record(seen[0])
    assert record.rows[0]["kernel_scale"] == pytest.approx(float(kappa.median()))


def test_diagnostics_ignore_plain_ascent_and_refuse_shared_mode(fitted_model):
    record = MentoringDiagnostics(3)
    optimize_designs(fitted_model, _start(fitted_model), steps=2, mentoring=False,
                     observer=record)
    assert record.rows == []
    with pytest.raises(ValueError, match="per-candidate"):
        optimize_designs(fitted_model, _start(fitted_model), steps=1, mode="shared",
                         observer=record)


def test_several_mentoring_steps_per_design_step(fitted_model):
    """``mentoring_steps=2`` mentors twice (each on a fresh neighbourhood) before the design
    step: the proxies the design step ascends are two ``mentoring_step`` calls away."""
    from botorch_mentor.mentoring import mentoring_step
    from botorch_mentor.nn import expand_members

    K = fitted_model.config.n_neighbours
    draws = []

    def sampler(centres, step):  # records what it hands out
        offsets = torch.linspace(-0.5, 0.5, K, dtype=centres.dtype)
        points = centres.unsqueeze(1) + offsets[None, :, None] * (1 + len(draws))
        draws.append(points)
        return points

    start = _start(fitted_model, 4)
    config = fitted_model.config.replace(mentoring_steps=2, inner_lr=0.05)
    seen = []
    optimize_designs(fitted_model, start, steps=1, observer=seen.append, config=config,
                     neighbourhood_sampler=sampler)
    assert len(draws) == 2 and not torch.equal(draws[0], draws[1])
    data_X, data_y = fitted_model.latent_training_data()
    params = expand_members(fitted_model.pretrained_params(), 4)
    for points in draws:
        params, _ = mentoring_step(params, points, pair_indices(K), 3, data_X, data_y, config)
    for got, want in zip(seen[0].params_after, params):
        torch.testing.assert_close(got, want)

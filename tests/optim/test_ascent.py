import math
import re

import pytest
import torch

from botorch_mentor import MentoringEnsemble, fit_mentoring_ensemble, optimize_designs
from tests.conftest import DTYPES, module_from_params, quadratic_data, tiny_config


def _start(model, n=6):
    return model.train_X[model.train_Y.squeeze(-1).topk(n).indices]


def _deterministic_sampler(K=6):
    """Neighbours that depend only on the centre and the step, never on the batch."""
    offsets = torch.linspace(-1.0, 1.0, K, dtype=torch.float64)

    def sampler(centres, step):
        phase = torch.sin(centres.sum(-1, keepdim=True) * 7.0 + step)  # C x 1
        waves = torch.sin(offsets[:, None] * (1 + torch.arange(centres.shape[-1])) + phase[:, None])
        return centres.unsqueeze(1) + 0.3 * waves.to(centres)

    return sampler


def test_per_candidate_batched_equals_one_candidate_at_a_time(fitted_model):
    start = _start(fitted_model)
    kwargs = dict(mode="per_candidate", steps=4, neighbourhood_sampler=_deterministic_sampler(10))
    batched = optimize_designs(fitted_model, start, **kwargs)
    assert batched.disagreement.sum() > 0  # mentoring really happened
    for c in range(start.shape[0]):
        single = optimize_designs(fitted_model, start[c : c + 1], **kwargs)
        torch.testing.assert_close(single.designs[0], batched.designs[c])
        torch.testing.assert_close(single.member_predictions[0], batched.member_predictions[c])


@pytest.mark.parametrize("mode", ["per_candidate", "shared"])
def test_ascent_improves_the_objective_and_reports_mentoring(fitted_model, mode):
    start = _start(fitted_model, 8)
    result = optimize_designs(fitted_model, start, mode=mode, steps=10)
    C, M = 8, 3
    G = C if mode == "per_candidate" else 1
    assert result.designs.shape == (C, 4)
    assert result.trajectory.shape == (11, C) and result.design_trajectory.shape == (11, C, 4)
    assert result.disagreement.shape == (10, G, M) and result.label_shift.shape == (10, G, M)
    assert (result.trajectory[-1] > result.trajectory[0]).float().mean() > 0.7
    torch.testing.assert_close(result.predictions, result.member_predictions.mean(-1))
    torch.testing.assert_close(result.design_trajectory[0], start)


@pytest.mark.parametrize("objective", ["mean", "min", "single"])
def test_plain_ascent_baselines(fitted_model, objective):
    start = _start(fitted_model)
    result = optimize_designs(fitted_model, start, mentoring=False, objective=objective, steps=5)
    assert result.disagreement.numel() == 0
    torch.testing.assert_close(result.member_predictions, result.unmentored_predictions)
    expected = {"mean": result.member_predictions.mean(-1),
                "min": result.member_predictions.min(-1).values,
                "single": result.member_predictions[:, 0]}[objective]
    torch.testing.assert_close(result.predictions, expected)


def test_ascent_moves_toward_the_optimum(fitted_model):
    worst = fitted_model.train_X[(-fitted_model.train_Y.squeeze(-1)).topk(8).indices]
    result = optimize_designs(fitted_model, worst, steps=20, lr=0.05, mode="shared")
    start = worst
    true = lambda X: -(X - 0.7).square().sum(-1)  # noqa: E731
    assert true(result.designs).mean() > true(start).mean()


def test_same_seed_same_designs(fitted_model):
    start = _start(fitted_model)
    a = optimize_designs(fitted_model, start, steps=3)
    b = optimize_designs(fitted_model, start, steps=3)
    c = optimize_designs(fitted_model, start, steps=3, seed=5)
    assert torch.equal(a.designs, b.designs)
    assert not torch.equal(a.member_predictions, c.member_predictions)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes(dtype):
    X, Y = quadratic_data(dtype=dtype, n=80)
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config()))
    result = optimize_designs(model, X[:3], steps=2)
    assert result.designs.dtype == dtype and result.trajectory.dtype == dtype


def test_unfitted_model_refused():
    X, Y = quadratic_data(n=40)
    with pytest.raises(ValueError) as raised:
        optimize_designs(MentoringEnsemble(X, Y, config=tiny_config()), X[:2])
    assert str(raised.value) == (  # word for word: a wrapped message still matches a search
        "model is not fitted; call fit_mentoring_ensemble(model) before optimize_designs.")


def test_no_progress_bar_unless_asked(fitted_model, capsys):
    quiet = optimize_designs(fitted_model, _start(fitted_model), steps=2)
    assert "ascent" not in capsys.readouterr().err
    shown = optimize_designs(fitted_model, _start(fitted_model), steps=2, progress=True)
    assert "ascent (per_candidate)" in capsys.readouterr().err
    assert torch.equal(quiet.designs, shown.designs)
    optimize_designs(fitted_model, _start(fitted_model), steps=2, progress=True,
                     mentoring=False)
    assert "ascent (plain)" in capsys.readouterr().err


def test_random_streams_of_the_ascent(fitted_model, monkeypatch):
    """Neighbourhoods and outer batches come from their own streams of the seed (asked for
    by purpose), never from torch's global generator."""
    import botorch_mentor.optim.ascent as ascent

    asked = []
    real = ascent.make_generator

    def spy(seed, device, purpose=None):
        asked.append((seed, purpose))
        return real(seed, device, purpose)

    monkeypatch.setattr(ascent, "make_generator", spy)
    config = tiny_config(outer_batch_size=16)  # outer batches: 16 of the 200 rows per step
    runs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        runs.append(optimize_designs(fitted_model, _start(fitted_model), steps=3, seed=4,
                                     config=config))
    assert set(asked) == {(4, "neighbourhoods"), (4, "outer_batches")}
    assert torch.equal(runs[0].designs, runs[1].designs)


def test_divergence_is_reported_with_candidate_and_step(fitted_model):
    with pytest.raises(FloatingPointError, match="candidate .* step"):
        optimize_designs(fitted_model, _start(fitted_model), lr=1e308, steps=3, mentoring=False)


def test_bounds_are_honoured(fitted_model):
    start = _start(fitted_model)
    box = torch.tensor([[0.0] * 4, [0.75] * 4], dtype=torch.float64)
    result = optimize_designs(fitted_model, start.clamp(max=0.75), steps=30, lr=0.2, bounds=box)
    trajectory = result.design_trajectory
    assert (trajectory >= -1e-9).all() and (trajectory <= 0.75 + 1e-9).all()
    with pytest.raises(ValueError, match="X_start row .* outside bounds"):
        optimize_designs(fitted_model, start + 1.0, bounds=box)


def test_ascent_starts_from_the_pretrained_proxies_by_default(fitted_model):
    """The paper's ascent gives every candidate fresh copies of the *pretrained* proxies; the
    fit-time mentored ones are used only with ``initial_proxies="fitted"``."""
    from botorch_mentor.nn import mlp_forward

    start = _start(fitted_model, 4)
    Z = fitted_model.to_latent(start)
    to_units = fitted_model.to_original_units
    pretrained = to_units(mlp_forward(fitted_model.pretrained_params(), Z).T)  # C x M
    fitted = to_units(mlp_forward(fitted_model.proxy_params(), Z).T)
    assert not torch.allclose(pretrained, fitted)  # fit-time mentoring moved the proxies
    for mentoring in (True, False):
        result = optimize_designs(fitted_model, start, steps=0, mentoring=mentoring)
        torch.testing.assert_close(result.member_predictions, pretrained)
        chosen = optimize_designs(
            fitted_model, start, steps=0, mentoring=mentoring,
            config=fitted_model.config.replace(initial_proxies="fitted"),
        )
        torch.testing.assert_close(chosen.member_predictions, fitted)


@pytest.mark.parametrize(
    "bad_prediction, bad_design, expected",
    [
        ([(1, 2), (3, 0)], [], (1, 2)),  # only predictions: the first in step order
        ([], [(2, 1)], (2, 1)),  # only a design coordinate
        ([(3, 0)], [(2, 2)], (2, 2)),  # both: the earlier step wins
    ],
)
def test_non_finite_check_names_the_first_bad_step_and_candidate(bad_prediction, bad_design,
                                                                 expected):
    from botorch_mentor.optim.ascent import _check_finite

    trajectory = torch.zeros(4, 3)  # steps x candidates
    designs = torch.zeros(4, 3, 2)  # steps x candidates x d
    for step, candidate in bad_prediction:
        trajectory[step, candidate] = math.nan
    for step, candidate in bad_design:
        designs[step, candidate, 1] = math.inf
    step, candidate = expected
    message = (f"optimize_designs: candidate {candidate} became non-finite at step {step}; "
               "lower lr or inner_lr, or use float64.")
    with pytest.raises(FloatingPointError, match=re.escape(message)):
        _check_finite(trajectory, designs)
    _check_finite(torch.zeros(4, 3), torch.zeros(4, 3, 2))  # all finite: silent


@pytest.mark.parametrize("per_candidate", [True, False])
@pytest.mark.parametrize("activation, module", [("tanh", torch.nn.Tanh), ("silu", torch.nn.SiLU)])
def test_member_predictions_against_torch_modules(per_candidate, activation, module):
    """``C x M`` predictions against each network rebuilt as a ``torch.nn.Sequential``."""
    from botorch_mentor.nn import init_params
    from botorch_mentor.optim.ascent import member_predictions

    C, M, d = 3, 3, 4
    n_networks = C * M if per_candidate else M
    params = init_params(n_networks, d, (6, 5), generator=torch.Generator().manual_seed(2),
                         dtype=torch.float64)
    Z = torch.randn(C, d, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    got = member_predictions(params, Z, M, per_candidate, activation)
    assert got.shape == (C, M)
    for c in range(C):
        for m in range(M):
            e = c * M + m if per_candidate else m  # per candidate: group-major copies
            network = module_from_params(params, e, module)
            with torch.no_grad():
                expected = network(Z[c]).item()
            assert got[c, m].item() == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_bounds_that_do_not_bind_change_nothing_and_equal_bounds_pin(fitted_model):
    """A box far outside the ascent's reach leaves the designs exactly as without bounds
    (neither bound may pull the designs); equal bounds pin that coordinate, and a start on a
    bound is inside the box."""
    start = _start(fitted_model)
    free = optimize_designs(fitted_model, start, steps=5, lr=0.2)
    wide = torch.tensor([[-1e3] * 4, [1e3] * 4], dtype=torch.float64)
    boxed = optimize_designs(fitted_model, start, steps=5, lr=0.2, bounds=wide)
    torch.testing.assert_close(boxed.designs, free.designs, rtol=0, atol=1e-12)
    pinned_start = start.clone()
    pinned_start[:, 0] = 0.5
    box = torch.tensor([[0.5, -1e3, -1e3, -1e3], [0.5, 1e3, 1e3, 1e3]], dtype=torch.float64)
    pinned = optimize_designs(fitted_model, pinned_start, steps=5, lr=0.2, bounds=box)
    torch.testing.assert_close(pinned.design_trajectory[..., 0],
                               torch.full_like(pinned.design_trajectory[..., 0], 0.5))
    assert not torch.allclose(pinned.designs[:, 1:], pinned_start[:, 1:])


def test_start_outside_the_box_names_its_row(fitted_model):
    start = _start(fitted_model).clamp(0.0, 0.75)
    start[1, 2] = 0.9  # only row 1 is outside
    box = torch.tensor([[0.0] * 4, [0.75] * 4], dtype=torch.float64)
    with pytest.raises(ValueError, match=re.escape(
            "X_start row 1 lies outside bounds; clip the starting designs to the box or widen "
            "it.")):
        optimize_designs(fitted_model, start, bounds=box)


@pytest.mark.parametrize("mode, groups", [("per_candidate", None), ("shared", 1)])
def test_zero_steps_and_plain_ascent_give_empty_diagnostics(fitted_model, mode, groups):
    """``T x G x M`` with ``T = 0``: ``G = C`` per candidate, 1 shared or without mentoring
    (plain ascent has no per-candidate copies)."""
    start = _start(fitted_model)
    C, M = start.shape[0], fitted_model.config.n_proxies
    no_steps = optimize_designs(fitted_model, start, steps=0, mode=mode)
    expected = (0, C if groups is None else groups, M)
    assert no_steps.disagreement.shape == expected and no_steps.label_shift.shape == expected
    plain = optimize_designs(fitted_model, start, steps=3, mode=mode, mentoring=False)
    assert plain.disagreement.shape == (0, 1, M) and plain.label_shift.shape == (0, 1, M)


def test_each_mentoring_step_sees_outer_batch_size_rows(fitted_model, monkeypatch):
    import botorch_mentor.optim.ascent as ascent_module

    rows = []
    real_step = ascent_module.mentoring_step

    def spy(params, points, pairs, M, outer_X, outer_y, config, outer_cache=None):
        rows.append((outer_X.shape[0], outer_y.shape[0]))
        return real_step(params, points, pairs, M, outer_X, outer_y, config, outer_cache)

    monkeypatch.setattr(ascent_module, "mentoring_step", spy)
    config = fitted_model.config.replace(outer_batch_size=50)
    optimize_designs(fitted_model, _start(fitted_model), config=config, steps=3)
    assert rows == [(50, 50)] * 3  # of the 200 rows


@pytest.mark.parametrize("call, error, message", [
    (lambda m, x: optimize_designs(object(), x), TypeError,
     "model must be a MentoringEnsemble, got object."),
    (lambda m, x: optimize_designs(m, x, config={"steps": 3}), TypeError,
     "config must be a MentoringConfig, got dict."),
    (lambda m, x: optimize_designs(m, x, bounds=[[0.0] * 4, [1.0] * 4]), ValueError,
     "bounds must be a 2 x 4 tensor (lower row, upper row), got ()."),
    (lambda m, x: optimize_designs(m, x, bounds=torch.zeros(4, 2)), ValueError,
     "bounds must be a 2 x 4 tensor (lower row, upper row), got (4, 2)."),
])
def test_refusals_word_for_word(fitted_model, call, error, message):
    with pytest.raises(error) as raised:
        call(fitted_model, _start(fitted_model))
    assert str(raised.value) == message


def test_bounds_take_the_designs_precision():
    """float64 bounds on a float32 model: the ascent runs and returns float32 designs inside
    the box (the bounds are cast to the designs, not the other way round)."""
    X, Y = quadratic_data(dtype=torch.float32)
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config()))
    start = _start(model).clamp(-0.5, 0.5)
    bounds = torch.tensor([[-0.5] * 4, [0.5] * 4], dtype=torch.float64)
    result = optimize_designs(model, start, bounds=bounds, steps=3)
    assert result.designs.dtype == torch.float32
    assert bool((result.designs.abs() <= 0.5).all())


def test_outer_refresh_runs_the_outer_pass_every_r_steps(fitted_model, monkeypatch):
    """``outer_refresh=3`` over 7 steps: the outer pass at steps 1, 4 and 7 only, and the
    designs differ from the exact ascent's (the reused gradient is used)."""
    from botorch_mentor.mentoring import step as step_module

    real, calls = step_module.outer_loss_gradient, []

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(step_module, "outer_loss_gradient", counted)
    config = fitted_model.config.replace(soft_label_lr=50.0)
    start = _start(fitted_model)
    exact = optimize_designs(fitted_model, start, steps=7, config=config)
    assert len(calls) == 7
    calls.clear()
    cheap = optimize_designs(fitted_model, start, steps=7,
                             config=config.replace(outer_refresh=3))
    assert len(calls) == 3
    assert not torch.equal(cheap.designs, exact.designs)


def test_config_mentoring_switch_is_the_argument_default(fitted_model):
    """``config.mentoring=False`` runs what ``mentoring=False`` runs (bit for bit), the
    default config what ``mentoring=True`` runs, and the argument overrides the config."""
    start = _start(fitted_model)
    off = fitted_model.config.replace(mentoring=False)
    plain = optimize_designs(fitted_model, start, steps=4, mentoring=False)
    by_config = optimize_designs(fitted_model, start, steps=4, config=off)
    assert torch.equal(plain.designs, by_config.designs)
    assert by_config.disagreement.numel() == 0
    mentored = optimize_designs(fitted_model, start, steps=4, mentoring=True)
    default = optimize_designs(fitted_model, start, steps=4)
    assert torch.equal(mentored.designs, default.designs)
    assert not torch.equal(mentored.designs, plain.designs)
    overridden = optimize_designs(fitted_model, start, steps=4, config=off, mentoring=True)
    assert torch.equal(overridden.designs, mentored.designs)
    with pytest.raises(ValueError, match="mentoring must be True or False"):
        fitted_model.config.replace(mentoring="no")
    with pytest.raises(ValueError, match="mentoring must be True, False or None"):
        optimize_designs(fitted_model, start, steps=1, mentoring="no")

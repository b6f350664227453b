import pytest
import torch

from botorch_mentor import MentoringConfig
from botorch_mentor.mentoring import grouped_pair_indices, mentoring_step, pair_indices
from botorch_mentor.nn import expand_members, init_params, mlp_forward
from tests.conftest import DTYPES


def _problem(dtype, n_groups=4, M=3, K=6, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    base = init_params(M, d, (12, 12), generator=g, dtype=dtype)
    params = expand_members(base, n_groups)
    points = torch.randn(n_groups, K, d, generator=g, dtype=dtype)
    data_X = torch.randn(50, d, generator=g, dtype=dtype)
    data_y = torch.randn(50, generator=g, dtype=dtype)
    return base, params, points, data_X, data_y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("soft_labels", [True, False])
def test_batched_groups_equal_one_group_at_a_time(dtype, soft_labels):
    config = MentoringConfig.fast(hidden_sizes=(12, 12), n_neighbours=6, inner_lr=0.05,
                                  soft_label_lr=50.0, soft_labels=soft_labels)
    _, params, points, data_X, data_y = _problem(dtype)
    pairs = pair_indices(6)
    batched, stats = mentoring_step(params, points, pairs, 3, data_X, data_y, config)
    assert stats.disagreement.shape == (4, 3)
    for grp in range(4):
        own = tuple(p[3 * grp : 3 * grp + 3] for p in params)
        single, single_stats = mentoring_step(own, points[grp : grp + 1], pairs, 3, data_X,
                                              data_y, config)
        for bt, st in zip(batched, single):
            torch.testing.assert_close(bt[3 * grp : 3 * grp + 3], st)
        torch.testing.assert_close(stats.label_shift[grp], single_stats.label_shift[0])


def test_only_outvoted_proxies_move_and_toward_consensus():
    config = MentoringConfig.fast(hidden_sizes=(12, 12), n_neighbours=6, inner_lr=0.05)
    _, params, points, data_X, data_y = _problem(torch.float64, n_groups=6)
    mentored, stats = mentoring_step(params, points, pair_indices(6), 3, data_X, data_y, config)
    moved = torch.stack([(m - p).abs().flatten(1).sum(1) for m, p in zip(mentored, params)])
    moved = moved.sum(0).view(6, 3) > 0
    assert torch.equal(moved, stats.disagreement > 0)
    assert moved.any() and not moved.all()


def test_soft_labels_off_gives_hard_labels_and_voting_off_uses_mean():
    base = MentoringConfig.fast(hidden_sizes=(12, 12), n_neighbours=6, inner_lr=0.05)
    _, params, points, data_X, data_y = _problem(torch.float64)
    pairs = pair_indices(6)
    _, hard_stats = mentoring_step(params, points, pairs, 3, data_X, data_y,
                                   base.replace(soft_labels=False))
    assert hard_stats.label_shift.abs().max() == 0
    _, soft_stats = mentoring_step(params, points, pairs, 3, data_X, data_y,
                                   base.replace(soft_label_lr=1e3))
    assert soft_stats.label_shift.max() > 0
    # without voting the consensus is the ranking of the mean prediction
    _, mean_stats = mentoring_step(params, points, pairs, 3, data_X, data_y,
                                   base.replace(voting=False))
    f = mlp_forward(params, points.repeat_interleave(3, 0)).view(4, 3, -1)
    a, b = pairs
    mean_labels = f.mean(1)[:, a] > f.mean(1)[:, b]
    expected = ((f[..., a] > f[..., b]) != mean_labels[:, None]).double().mean(-1)
    torch.testing.assert_close(mean_stats.disagreement, expected)


def test_shared_step_uses_pairs_within_neighbourhoods():
    config = MentoringConfig.fast(hidden_sizes=(12, 12), n_neighbours=5, inner_lr=0.05)
    base, _, _, data_X, data_y = _problem(torch.float64)
    points = torch.randn(3, 5, 3, dtype=torch.float64)
    pairs = grouped_pair_indices(3, 5)
    mentored, stats = mentoring_step(base, points.reshape(1, 15, 3), pairs, 3, data_X, data_y,
                                     config)
    assert stats.disagreement.shape == (1, 3)
    assert mentored[0].shape == base[0].shape


def test_even_proxies_are_supported():
    with pytest.warns(UserWarning, match="even"):
        config = MentoringConfig.fast(n_proxies=4, hidden_sizes=(12, 12), n_neighbours=6)
    g = torch.Generator().manual_seed(0)
    params = init_params(4, 3, (12, 12), generator=g, dtype=torch.float64)
    points = torch.randn(1, 6, 3, generator=g, dtype=torch.float64)
    data = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, dtype=torch.float64)
    mentored, stats = mentoring_step(params, points, pair_indices(6), 4, *data, config)
    assert stats.disagreement.shape == (1, 4)
    assert all(torch.isfinite(p).all() for p in mentored)


def test_bfloat16_outer_pass_changes_the_step_only_by_its_rounding():
    """``outer_precision="bfloat16"`` really runs the outer pass in bfloat16 (the soft labels,
    hence the mentored weights, move by its rounding: far more than float64's, far less than
    the step itself)."""
    config = MentoringConfig.fast(hidden_sizes=(12, 12), n_neighbours=6, inner_lr=0.05,
                                  soft_label_lr=50.0)
    _, params, points, data_X, data_y = _problem(torch.float64)
    pairs = pair_indices(6)
    full, full_stats = mentoring_step(params, points, pairs, 3, data_X, data_y, config)
    low, low_stats = mentoring_step(params, points, pairs, 3, data_X, data_y,
                                    config.replace(outer_precision="bfloat16"))
    shift = (full_stats.label_shift - low_stats.label_shift).abs().max()
    assert 1e-6 < float(shift) < 0.05 * float(full_stats.label_shift.abs().max())
    step = sum(float((f - p).norm()) for f, p in zip(full, params))
    rounding = sum(float((f - q).norm()) for f, q in zip(full, low))
    assert 1e-6 * step < rounding < 0.05 * step


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("strength", ["raw", "scale_free"])
def test_cached_outer_gradient_is_computed_every_r_steps_and_reused_exactly(
        dtype, strength, monkeypatch):
    """With an ``OuterGradientCache(3)``, seven mentoring steps run the outer pass at steps
    1, 4 and 7; a step in between equals the exact step whose outer gradient is the cached
    one: the hypergradient (and the scale-free step's kernel scale) is still taken at the
    current proxies and points."""
    from botorch_mentor.mentoring import step as step_module
    from botorch_mentor.mentoring.step import OuterGradientCache

    config = MentoringConfig.fast(hidden_sizes=(12, 12), n_neighbours=6, inner_lr=0.05,
                                  soft_label_lr=50.0, strength=strength, function_step=0.05)
    _, params, points, data_X, data_y = _problem(dtype)
    pairs = pair_indices(6)
    real = step_module.outer_loss_gradient
    calls = []

    def counted(*args, **kwargs):
        calls.append(len(calls))
        return real(*args, **kwargs)

    monkeypatch.setattr(step_module, "outer_loss_gradient", counted)
    cache = OuterGradientCache(3)
    computed_at = []
    g = torch.Generator().manual_seed(5)
    for number in range(1, 8):
        before = len(calls)
        points_now = points + 0.1 * torch.randn(points.shape, generator=g, dtype=dtype)
        kept = cache.gradient
        cached, _ = mentoring_step(params, points_now, pairs, 3, data_X, data_y, config, cache)
        if len(calls) > before:
            computed_at.append(number)
        else:  # reused: the same as an exact step that is handed that gradient
            with monkeypatch.context() as patch:
                patch.setattr(step_module, "outer_loss_gradient",
                              lambda *a, kept=kept, **k: kept)
                reference, _ = mentoring_step(params, points_now, pairs, 3, data_X, data_y,
                                              config)
            for c, r in zip(cached, reference):
                torch.testing.assert_close(c, r, rtol=0, atol=0)
        params = cached
    assert computed_at == [1, 4, 7]
    # and a due cache gives the exact step
    fresh = OuterGradientCache(3)
    exact, _ = mentoring_step(params, points, pairs, 3, data_X, data_y, config)
    first, _ = mentoring_step(params, points, pairs, 3, data_X, data_y, config, fresh)
    for e, f in zip(exact, first):
        torch.testing.assert_close(e, f, rtol=0, atol=0)


def test_outer_refresh_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="outer_refresh must be an integer >= 1"):
        MentoringConfig.fast(outer_refresh=0)

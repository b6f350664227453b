"""The post-hoc spread scale: the calibration it promises, checked on members whose error
structure is known, and its effect on the posterior."""

from __future__ import annotations

import math

import pytest
import torch

from botorch_mentor import MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble
from botorch_mentor.fitting.fit import spread_scale
from tests.conftest import quadratic_data


@pytest.mark.parametrize("M, tau, omega", [(3, 1.0, 0.5), (5, 0.3, 0.6), (5, 1.0, 1.0)])
def test_scale_makes_the_mean_error_match_the_scaled_spread(M, tau, omega):
    """Truth mu + noise(tau); members mu + independent offsets(omega). Then the error of the
    members' mean has variance tau^2 + omega^2 / M, and the members' variance is omega^2: the
    calibrated scale is sqrt((tau^2 + omega^2 / M) / omega^2)."""
    g = torch.Generator().manual_seed(0)
    N = 210_000
    mu = torch.randn(N, generator=g, dtype=torch.float64)
    y = mu + tau * torch.randn(N, generator=g, dtype=torch.float64)
    members = mu + omega * torch.randn(M, N, generator=g, dtype=torch.float64)
    val_index = torch.stack([torch.arange(i, N, M) for i in range(M)])  # disjoint rows
    expected = math.sqrt((tau**2 + omega**2 / M) / omega**2)
    assert spread_scale(members, y, val_index) == pytest.approx(expected, rel=0.03)


def test_calibrated_posterior_keeps_the_mean_and_scales_the_spread():
    X, Y = quadratic_data(n=160)
    config = MentoringConfig.fast(hidden_sizes=(16, 16), pretrain_epochs=5,
                                  fit_mentoring_rounds=0)
    plain = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
    calibrated = fit_mentoring_ensemble(
        MentoringEnsemble(X, Y, config=config.replace(calibrate_variance=True)))
    scale = float(calibrated.spread_scale)
    assert scale > 0 and scale != 1.0 and float(plain.spread_scale) == 1.0
    test = torch.rand(50, 1, 4, dtype=torch.float64)
    a, b = plain.posterior(test), calibrated.posterior(test)
    torch.testing.assert_close(b.mean, a.mean)
    torch.testing.assert_close(b.variance, scale**2 * a.variance)


def test_surrogate_preset():
    config = MentoringConfig.surrogate(discrete=True)
    assert (config.n_proxies, config.bootstrap, config.calibrate_variance) == (5, True, True)
    assert config.hidden_sizes == MentoringConfig.fast().hidden_sizes
    assert MentoringConfig.from_preset("surrogate") == MentoringConfig.surrogate()

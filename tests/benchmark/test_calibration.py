"""The calibration report, against figures recomputed here from the posterior."""

from __future__ import annotations

import math

import numpy as np
import pytest

from botorch_mentor.benchmark.calibration import (
    CalibrationSplit,
    calibration_report,
    reliability_plot,
    run_calibration,
)
from tests.conftest import quadratic_data


def test_report_matches_hand_computed_figures(fitted_model):
    X, Y = quadratic_data(n=300, seed=5)
    report = calibration_report(fitted_model, X, Y.squeeze(-1))
    posterior = fitted_model.posterior(X.unsqueeze(-2))
    members = posterior.values.squeeze(-1).squeeze(-1).numpy()  # n x M... as BoTorch holds
    members = members.reshape(300, -1) if members.shape[0] == 300 else members.T
    mean, std = members.mean(1), members.std(1, ddof=1)
    y = Y.squeeze(-1).numpy()
    z = np.abs(y - mean) / std
    assert report["pearson"] == pytest.approx(np.corrcoef(mean, y)[0, 1], rel=1e-9)
    assert report["coverage_1sd"] == pytest.approx(np.mean(z <= 1))
    assert report["coverage_2sd"] == pytest.approx(np.mean(z <= 2))
    assert report["coverage_0.954"] == pytest.approx(np.mean(z <= 1.995), abs=0.01)
    nll = np.mean(0.5 * np.log(2 * math.pi * std**2) + 0.5 * z**2)
    assert report["nll"] == pytest.approx(nll, rel=1e-9)
    assert report["mae"] == pytest.approx(np.mean(np.abs(y - mean)), rel=1e-9)


def test_run_calibration_and_plot(tmp_path):
    X, Y = quadratic_data(n=200, seed=1)
    split = CalibrationSplit("quadratic", X[:150], Y[:150], X[150:], Y[150:, 0], False)
    rows = run_calibration(["fast", "surrogate"], seeds=1, splits=[split])
    assert [r["config"] for r in rows] == ["fast", "surrogate"]
    assert rows[0]["spread_scale"] == 1.0 and rows[1]["spread_scale"] != 1.0
    assert all(0.0 <= r["coverage_2sd"] <= 1.0 and np.isfinite(r["nll"]) for r in rows)
    assert reliability_plot(rows, tmp_path / "r.png").exists()

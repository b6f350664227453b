r"""Is the ensemble's uncertainty honest? Held-out accuracy and calibration of its posterior.

``calibration_report`` scores a fitted model's posterior (mean and variance exactly as BoTorch
acquisition functions and Ax read them) on held-out designs: Pearson correlation, mean
absolute error, mean posterior standard deviation, Gaussian negative log-likelihood, and the
coverage of central intervals (``mean +- z std``) at several nominal levels; a calibrated
Gaussian covers 68.3 % within +-1 std and 95.4 % within +-2 std. ``calibration_splits`` builds
the standard held-out problems; ``run_calibration`` fits and scores several configurations on
them; ``reliability_plot`` draws observed against nominal coverage.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.models.ensemble import MentoringEnsemble

NOMINAL_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.683, 0.8, 0.9, 0.954, 0.99)
"""Central-interval probabilities of the reliability curve."""


def _normal_quantile(p: float) -> float:
    return math.sqrt(2.0) * torch.erfinv(torch.tensor(2.0 * p - 1.0, dtype=torch.float64)).item()


def calibration_report(model: MentoringEnsemble, X: Tensor, y: Tensor) -> dict[str, float]:
    r"""Accuracy and calibration of ``model``'s posterior at held-out designs.

    Args:
        model: A fitted ``MentoringEnsemble``.
        X: An ``n x d``-dim tensor of held-out designs.
        y: Their ``n`` true scores.

    Returns:
        ``pearson``, ``mae``, ``mean_std``, ``nll`` (mean Gaussian negative log-likelihood in
        the scores' units), ``coverage_1sd``, ``coverage_2sd`` and ``coverage_<level>`` for
        every level of ``NOMINAL_LEVELS``.
    """
    with torch.no_grad():
        posterior = model.posterior(X.unsqueeze(-2).to(model.train_X))
        mean = posterior.mean.reshape(-1).to(torch.float64).cpu()
        variance = posterior.variance.reshape(-1).to(torch.float64).cpu()
    y = y.reshape(-1).to(torch.float64).cpu()
    std = variance.clamp_min(1e-300).sqrt()
    z = (y - mean).abs() / std
    out = {
        "pearson": float(torch.corrcoef(torch.stack([mean, y]))[0, 1]),
        "mae": float((y - mean).abs().mean()),
        "mean_std": float(std.mean()),
        "nll": float((0.5 * torch.log(2 * math.pi * std.square()) + 0.5 * z.square()).mean()),
        "coverage_1sd": float((z <= 1.0).double().mean()),
        "coverage_2sd": float((z <= 2.0).double().mean()),
    }
    for level in NOMINAL_LEVELS:
        out[f"coverage_{level}"] = float((z <= _normal_quantile(0.5 + level / 2)).double().mean())
    return out


@dataclass
class CalibrationSplit:
    r"""Training and held-out designs of one calibration problem (original units)."""

    name: str
    train_X: Tensor
    train_Y: Tensor
    test_X: Tensor
    test_y: Tensor
    discrete: bool


def calibration_splits(seed: int = 0) -> list[CalibrationSplit]:
    r"""The two standard problems.

    - ``hartmann6``: 500 uniform training designs and 2,000 uniform test designs, scored by
      the negated Hartmann-6 function.
    - ``tfbind8``: the visible TFBind8 rows (design-bench's logits), 10 % held out at random.
    """
    from botorch.test_functions import Hartmann

    from botorch_mentor.tasks import tfbind8

    g = torch.Generator().manual_seed(seed)
    hartmann = Hartmann(dim=6, negate=True)
    X = torch.rand(2500, 6, generator=g, dtype=torch.float64)
    y = hartmann(X)
    splits = [CalibrationSplit("hartmann6", X[:500], y[:500, None], X[500:], y[500:], False)]
    task = tfbind8()
    features, scores = task.features(), task.y
    order = torch.randperm(features.shape[0], generator=g)
    n_test = features.shape[0] // 10
    test, train = order[:n_test], order[n_test:]
    splits.append(CalibrationSplit("tfbind8", features[train], scores[train], features[test],
                                   scores[test, 0], True))
    return splits


CONFIGURATIONS = {
    "fast": {},
    "fast + bootstrap": {"bootstrap": True},
    "fast + 5 proxies": {"n_proxies": 5},
    "fast + calibrated spread": {"calibrate_variance": True},
    "fast, no fit-time mentoring": {"fit_mentoring_rounds": 0},
    "fast, scale-free fit-time mentoring": {"strength": "scale_free"},
    "surrogate": None,
    "surrogate, no fit-time mentoring": {"fit_mentoring_rounds": 0},
    "surrogate, scale-free fit-time mentoring": {"strength": "scale_free"},
}
"""Configurations compared by ``run_calibration``: changes to ``fast()``, or (``surrogate``)
the surrogate preset and changes to it."""


def configuration(name: str, discrete: bool, seed: int) -> MentoringConfig:
    r"""The ``CONFIGURATIONS`` entry ``name`` as a ``MentoringConfig``."""
    if name.startswith("surrogate"):
        return MentoringConfig.surrogate(discrete, seed=seed, **(CONFIGURATIONS[name] or {}))
    return MentoringConfig.fast(discrete, seed=seed, **CONFIGURATIONS[name])


def run_calibration(
    names: list[str] | None = None, seeds: int = 3, splits: list[CalibrationSplit] | None = None
) -> list[dict]:
    r"""Fit every configuration on every split for ``seeds`` seeds and score it; one row per
    (split, configuration, seed) with the ``calibration_report`` figures and the fit time."""
    import time

    rows = []
    for split in splits or calibration_splits():
        for name in names or list(CONFIGURATIONS):
            for seed in range(seeds):
                config = configuration(name, split.discrete, seed)
                started = time.perf_counter()
                model = fit_mentoring_ensemble(
                    MentoringEnsemble(split.train_X, split.train_Y, config=config)
                )
                seconds = time.perf_counter() - started
                report = calibration_report(model, split.test_X, split.test_y)
                rows.append({"task": split.name, "config": name, "seed": seed,
                             "fit_seconds": seconds, "spread_scale": float(model.spread_scale),
                             **report})
    return rows


def reliability_plot(rows: list[dict], output: str | os.PathLike) -> Path | None:
    r"""Observed against nominal central-interval coverage, one panel per task, one line per
    configuration (mean over seeds); None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from botorch_mentor.benchmark.report import method_style

    tasks = list(dict.fromkeys(r["task"] for r in rows))
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.5 * len(tasks), 4.5), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        ax.plot([0, 1], [0, 1], color="gray", ls=":", label="calibrated")
        for i, name in enumerate(dict.fromkeys(r["config"] for r in rows if r["task"] == task)):
            mine = [r for r in rows if r["task"] == task and r["config"] == name]
            observed = [sum(r[f"coverage_{level}"] for r in mine) / len(mine)
                        for level in NOMINAL_LEVELS]
            color, marker, linestyle = method_style(i)
            ax.plot(NOMINAL_LEVELS, observed, color=color, marker=marker, ls=linestyle,
                    markersize=4, label=name)
        ax.set_xlabel("nominal coverage of mean +- z std")
        ax.set_ylabel("observed coverage on held-out designs")
        ax.set_title(f"{task}: reliability of the posterior", fontsize=10)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

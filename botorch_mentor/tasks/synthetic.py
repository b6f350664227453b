r"""Continuous offline tasks built from ``botorch.test_functions``.

Construction (documented, seeded): ``n_samples`` scrambled-Sobol points in the function's
box, scored by the negated function (so larger is better); the visible dataset keeps the rows
at or below the ``visible_quantile`` of those scores. Normalization: ``y_min`` is the lowest
score of the whole sample, ``y_max`` the function's known optimum (negated ``optimal_value``),
so a normalized score of 1 means the global optimum was found.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from botorch.test_functions import synthetic as botorch_synthetic
from torch.quasirandom import SobolEngine

from botorch_mentor.tasks.base import OfflineTask


@dataclass(frozen=True)
class SyntheticSpec:
    function: str
    dim: int | None
    n_samples: int = 10_000
    visible_quantile: float = 0.5


SYNTHETIC_TASKS: dict[str, SyntheticSpec] = {
    "ackley": SyntheticSpec("Ackley", 10),
    "rosenbrock": SyntheticSpec("Rosenbrock", 10),
    "levy": SyntheticSpec("Levy", 10),
    "hartmann6": SyntheticSpec("Hartmann", 6),
    "ackley60": SyntheticSpec("Ackley", 60),
}


class FunctionOracle:
    r"""A BoTorch test function as an oracle: ``n x d`` designs to ``n`` float64 scores
    (picklable, so tasks travel to worker processes)."""

    def __init__(self, function) -> None:
        self.function = function

    def __call__(self, designs: torch.Tensor) -> torch.Tensor:
        return self.function(designs.to(torch.float64))


def synthetic_task(name: str, seed: int = 0, n_samples: int | None = None) -> OfflineTask:
    r"""Build the continuous task ``name`` (a key of ``SYNTHETIC_TASKS``)."""
    spec = SYNTHETIC_TASKS[name]
    cls = getattr(botorch_synthetic, spec.function)
    function = cls(dim=spec.dim, negate=True, dtype=torch.float64)
    n_samples = spec.n_samples if n_samples is None else n_samples
    bounds = function.bounds.to(torch.float64)
    sobol = SobolEngine(function.dim, scramble=True, seed=seed)
    X = bounds[0] + (bounds[1] - bounds[0]) * sobol.draw(n_samples, dtype=torch.float64)
    y = function(X).unsqueeze(-1)
    visible = y.squeeze(-1) <= torch.quantile(y, spec.visible_quantile)

    return OfflineTask(
        name=name,
        x=X[visible],
        y=y[visible],
        oracle=FunctionOracle(function),
        y_min=float(y.min()),
        y_max=float(function.optimal_value),  # already negated by botorch
        bounds=bounds,
        source=(
            f"botorch.test_functions.{spec.function}(dim={function.dim}), {n_samples} Sobol "
            f"points (seed {seed}), visible below the {spec.visible_quantile:.0%} quantile"
        ),
    )

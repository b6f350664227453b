r"""``MentoringDiagnostics``: an ``optimize_designs`` observer that measures how strongly the
mentoring acts at every step, relative to the design step it steers."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from botorch_mentor.mentoring.diagnostics import diagnose_step
from botorch_mentor.optim.ascent import AscentStep, member_predictions


class MentoringDiagnostics:
    r"""Collect per-step diagnostics of a per-candidate mentored ascent.

    Pass an instance as ``optimize_designs(..., observer=diagnostics)``; afterwards
    ``diagnostics.rows`` holds one dict per step with the medians over candidates of:

    - ``corrected_share``: share of a proxy's mentoring set whose ranking one step corrects;
    - ``label_shift``: mean ``|soft label - consensus|`` over the mentoring set;
    - ``prediction_change``: ``|f_after(x) - f_before(x)|`` at the candidate, per proxy;
    - ``design_change``: ``|F(x_next) - F(x)|``, the mentored ensemble mean's change over
      the design step;
    - ``change_ratio``: ``prediction_change / design_change`` per candidate;
    - ``kernel_scale``: the tangent-kernel scale ``kappa`` of the proxies on the pairs;
    - ``disagreement``: share of pairs in the mentoring set.

    All predictions are in z-scored score units (the model's internal scale).
    """

    def __init__(self, n_proxies: int, voting: bool = True, activation: str = "relu") -> None:
        self.n_proxies = n_proxies
        self.voting = voting
        self.activation = activation
        self.rows: list[dict[str, float]] = []

    def __call__(self, observed: AscentStep) -> None:
        if observed.points is None or observed.stats is None:
            return  # a plain ascent has nothing to diagnose
        M, n_candidates = self.n_proxies, observed.designs_before.shape[0]
        if observed.points.shape[0] != n_candidates:
            raise ValueError(
                "MentoringDiagnostics needs per-candidate mentoring (one group per candidate); "
                "run optimize_designs with mode='per_candidate'."
            )
        step = diagnose_step(
            observed.params_before, observed.params_after, observed.points, observed.pairs,
            M, observed.designs_before, self.voting, self.activation,
        )
        with torch.no_grad():
            design_change = (
                self._ensemble(observed, observed.designs_after)
                - self._ensemble(observed, observed.designs_before)
            ).abs()
        ratio = step.prediction_change.mean(dim=-1) / design_change
        self.rows.append({
            "step": observed.step,
            "corrected_share": _median(step.corrected_share),
            "label_shift": _median(observed.stats.label_shift),
            "prediction_change": _median(step.prediction_change),
            "design_change": _median(design_change),
            "change_ratio": _median(ratio),
            "kernel_scale": _median(step.kernel_scale),
            "disagreement": _median(observed.stats.disagreement),
        })

    def _ensemble(self, observed: AscentStep, designs: Tensor) -> Tensor:
        return member_predictions(
            observed.params_after, designs, self.n_proxies, True, self.activation
        ).mean(dim=-1)

    def summary(self) -> dict[str, float]:
        r"""The mean over steps of every diagnostic (NaN entries skipped)."""
        keys = [k for k in (self.rows[0] if self.rows else {}) if k != "step"]
        out = {}
        for key in keys:
            values = [r[key] for r in self.rows if not math.isnan(r[key])]
            out[key] = sum(values) / len(values) if values else math.nan
        return out


def _median(values: Tensor) -> float:
    finite = values[~torch.isnan(values)]
    return float(finite.median()) if finite.numel() else math.nan

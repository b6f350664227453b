r"""A one-line cost estimate of a benchmark before it starts (the paper preset on a CPU takes
days; saying so beats a progress bar that never moves)."""

from __future__ import annotations

from botorch_mentor.config import MentoringConfig
from botorch_mentor.fitting.pretrain import pretrain_epochs_for

CPU_FLOPS = 5.5e10
"""Sustained FLOP/s of the batched proxies on a 2-core CPU (measured by
``benchmarks/mentoring_overhead.py``: about 55 GFLOP/s in float32)."""


def proxy_parameters(n_features: int, hidden_sizes: tuple[int, ...]) -> int:
    r"""Weights and biases of one proxy MLP."""
    sizes = [n_features, *hidden_sizes, 1]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def estimate_flops(
    n_rows: int, n_features: int, config: MentoringConfig, outer_passes: int
) -> float:
    r"""FLOPs of one seed: pretraining plus ``outer_passes`` per-candidate outer-loss passes per
    ascent step (one per mentoring step of each per-candidate method with soft labels).

    A forward and backward pass costs about 6 FLOPs per weight and row. Pretraining passes
    over the training rows once per epoch for every proxy; each mentored ascent step passes
    the outer loss's rows through every proxy of every candidate (at most; only outvoted
    proxies need it, so this is an upper bound); with ``outer_refresh = R`` one step in R.
    """
    weights = proxy_parameters(n_features, config.hidden_sizes)
    epochs = pretrain_epochs_for(config, n_rows)
    pretrain = 6.0 * weights * n_rows * epochs * config.n_proxies
    outer_rows = min(n_rows, config.outer_batch_size or n_rows)
    per_step = 6.0 * weights * outer_rows * config.n_proxies * config.n_candidates
    return pretrain + outer_passes * per_step * config.ascent_steps / config.outer_refresh


def describe_estimate(flops: float, flops_per_second: float = CPU_FLOPS) -> str:
    r"""``"about 3.2e16 FLOP, 160 hours at 55 GFLOP/s"``."""
    seconds = flops / flops_per_second
    if seconds < 120:
        span = f"{seconds:.0f} s"
    elif seconds < 7200:
        span = f"{seconds / 60:.0f} minutes"
    else:
        span = f"{seconds / 3600:.0f} hours"
    return f"about {flops:.1e} FLOP per seed, {span} at {flops_per_second / 1e9:.0f} GFLOP/s"

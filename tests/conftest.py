"""Shared fixtures: small problems that fit and optimize in seconds."""

from __future__ import annotations

import os

import pytest
import torch

TEST_THREADS = int(os.environ.get("BOTORCH_MENTOR_TEST_THREADS", "1"))
"""Torch threads per test process. Pinned so that the suite's time does not collapse when the
machine is shared (oversubscribed threads spin); ``pytest -n 2`` uses two processes instead.
Subprocesses the tests start (the CLI, notebooks) inherit it through the environment."""

torch.set_num_threads(TEST_THREADS)
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, str(TEST_THREADS))

from botorch_mentor import MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble  # noqa: E402

DTYPES = (torch.float32, torch.float64)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run first (in collection order), so that ``pytest -n 2``'s two
    processes finish together instead of one waiting on a notebook started last.

    ``BOTORCH_MENTOR_DESELECT``: comma-separated test-id prefixes to leave out. Set by
    ``tools/mutation_score.py --deselect`` so that a module's mutants are judged by its own
    tests without a slow end-to-end test in every run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable
    prefixes = [p for p in os.environ.get("BOTORCH_MENTOR_DESELECT", "").split(",") if p]
    if not prefixes:
        return
    left_out = [item for item in items if item.nodeid.startswith(tuple(prefixes))]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def tiny_config(**changes) -> MentoringConfig:
    """A config small enough for unit tests."""
    base = MentoringConfig.fast(
        hidden_sizes=(16, 16),
        pretrain_epochs=5,
        batch_size=64,
        fit_mentoring_rounds=2,
        fit_anchors=8,
        n_candidates=8,
        ascent_steps=5,
        ascent_lr=0.05,
        outer_batch_size=None,
    )
    return base.replace(**changes)


def module_from_params(params, e: int, activation=torch.nn.ReLU) -> torch.nn.Sequential:
    """Network ``e`` of stacked ``Params`` rebuilt as a ``torch.nn.Sequential`` (weights copied):
    the independent reference for the batched forward pass."""
    layers = []
    n_layers = len(params) // 2
    for layer in range(n_layers):
        W, b = params[2 * layer][e], params[2 * layer + 1][e]
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=W.dtype)
        with torch.no_grad():
            linear.weight.copy_(W.T)
            linear.bias.copy_(b.reshape(-1))
        layers.append(linear)
        if layer < n_layers - 1:
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def quadratic_data(n: int = 200, d: int = 4, dtype=torch.float64, seed: int = 0):
    """Designs in the unit cube scored by a negative quadratic with optimum at 0.7."""
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=g, dtype=dtype)
    Y = -(X - 0.7).square().sum(-1, keepdim=True)
    return X, Y


@pytest.fixture(scope="session")
def fitted_model() -> MentoringEnsemble:
    X, Y = quadratic_data()
    model = MentoringEnsemble(X, Y, config=tiny_config())
    return fit_mentoring_ensemble(model)


@pytest.fixture
def hide_module(monkeypatch):
    """``hide_module("name")``: from now on ``import name`` fails as if it were not installed."""
    import builtins

    real_import = builtins.__import__
    hidden: set[str] = set()

    def guarded_import(name, *args, **kwargs):
        if name in hidden:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    return hidden.add

"""CMA-ES on the mean proxy: pycma's update, batched evaluations, independent runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from botorch_mentor.benchmark.baselines import CMA_INITIAL_SIGMA, cma_es_on_mean

cma = pytest.importorskip("cma")


def _mean_proxy(model):
    params = model.pretrained_params()
    return lambda Z: model.predict_latent(Z, params).mean(0)


def test_pycma_batched_runs_equal_plain_pycma_one_start_at_a_time(fitted_model):
    """Each start's run is exactly pycma's own ask/tell loop on that start alone, with the
    seed ``1 + seed * C + c``, evaluating one point at a time."""
    config = fitted_model.config.replace(ascent_steps=6, seed=2)
    X_start = fitted_model.train_X[:3]
    got = fitted_model.to_latent(cma_es_on_mean(fitted_model, X_start, config))
    f = _mean_proxy(fitted_model)
    n = X_start.shape[-1]
    for c in range(3):
        x0 = fitted_model.to_latent(X_start)[c].double().numpy()
        es = cma.CMAEvolutionStrategy(x0, CMA_INITIAL_SIGMA, {
            "popsize": 4 + int(3 * math.log(n)), "seed": 1 + 2 * 3 + c, "verbose": -9})
        for _ in range(6):
            population = es.ask()
            values = [float(f(torch.as_tensor(x).view(1, -1).to(X_start))) for x in population]
            es.tell(population, [-v for v in values])
        torch.testing.assert_close(got[c], torch.as_tensor(es.mean).to(got), rtol=1e-6,
                                   atol=1e-8)


def test_pycma_climbs_the_mean_proxy_and_leaves_numpy_alone(fitted_model):
    config = fitted_model.config.replace(ascent_steps=30)
    X_start = fitted_model.train_X[fitted_model.train_Y.squeeze(-1).argsort()[:6]]  # worst
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    final = cma_es_on_mean(fitted_model, X_start, config)
    assert np.array_equal(np.random.get_state()[1], before)
    f = _mean_proxy(fitted_model)
    start_value = f(fitted_model.to_latent(X_start))
    end_value = f(fitted_model.to_latent(final))
    assert bool((end_value > start_value + 0.5).all())  # z-units; worst starts leave far behind


def test_batched_backend_also_climbs(fitted_model):
    config = fitted_model.config.replace(ascent_steps=30)
    X_start = fitted_model.train_X[fitted_model.train_Y.squeeze(-1).argsort()[:6]]
    f = _mean_proxy(fitted_model)
    final = cma_es_on_mean(fitted_model, X_start, config, backend="batched")
    assert bool((f(fitted_model.to_latent(final)) > f(fitted_model.to_latent(X_start))).all())
    with pytest.raises(ValueError, match="backend must be"):
        cma_es_on_mean(fitted_model, X_start, config, backend="scipy")


def test_missing_pycma_names_the_extra(fitted_model, hide_module):
    hide_module("cma")
    with pytest.raises(ImportError, match=r"botorch-mentor\[baselines\]"):
        cma_es_on_mean(fitted_model, fitted_model.train_X[:2], fitted_model.config)

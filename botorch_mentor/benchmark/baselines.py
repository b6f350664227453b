r"""Non-gradient baselines on the mean proxy: CMA-ES and BoTorch BO with qLogEI.

CMA-ES uses pycma (Hansen et al., the method's reference implementation; the ``baselines``
extra) for the update rule, with the proxy evaluations of all starting points' populations
batched in one tensor call per generation. ``backend="batched"`` is this library's own
vectorized update (no pycma needed, faster, same standard (mu/mu_w, lambda) rule, its own
random draws); ``benchmarks/cma_backends.py`` compares the two.

Both optimize the mean of the (un-mentored) proxies in the model's latent space, starting
from the same designs as the gradient methods, as design-baselines does.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.random import make_generator

CMA_INITIAL_SIGMA = 0.5
"""Initial CMA-ES step size in the z-scored design space."""


def _mean_proxy(model: MentoringEnsemble, config: MentoringConfig):
    params = (model.pretrained_params() if config.initial_proxies == "pretrained"
              else model.proxy_params())

    def f(Z: Tensor) -> Tensor:  # ... x d -> ...
        flat = Z.reshape(-1, Z.shape[-1])
        return model.predict_latent(flat, params).mean(0).reshape(Z.shape[:-1])

    return f


@torch.no_grad()
def cma_es_on_mean(
    model: MentoringEnsemble, X_start: Tensor, config: MentoringConfig,
    backend: str = "pycma",
) -> Tensor:
    r"""``C`` independent CMA-ES runs on the mean proxy, one per starting design, for
    ``config.ascent_steps`` generations (population ``4 + floor(3 ln d)``, initial step
    ``CMA_INITIAL_SIGMA`` in z-scored space); returns the ``C x d`` final means in model
    space.

    Args:
        backend: ``"pycma"`` (the reference library's update; needs the ``baselines`` extra)
            or ``"batched"`` (this library's vectorized update).
    """
    if backend == "pycma":
        return _pycma_on_mean(model, X_start, config)
    if backend != "batched":
        raise ValueError(f"backend must be 'pycma' or 'batched', got {backend!r}.")
    f = _mean_proxy(model, config)
    m = model.to_latent(X_start)  # C x n
    C_, n = m.shape
    dtype, device = m.dtype, m.device
    g = make_generator(config.seed, device)
    lam = 4 + int(3 * math.log(n))
    mu = lam // 2
    w = math.log(mu + 0.5) - torch.log(torch.arange(1, mu + 1, dtype=dtype, device=device))
    w = w / w.sum()
    mu_eff = float(1.0 / w.square().sum())
    c_s = (mu_eff + 2) / (n + mu_eff + 5)
    d_s = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + c_s
    c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
    c_1 = 2 / ((n + 1.3) ** 2 + mu_eff)
    c_mu = min(1 - c_1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
    chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
    sigma = torch.full((C_, 1), CMA_INITIAL_SIGMA, dtype=dtype, device=device)
    cov = torch.eye(n, dtype=dtype, device=device).expand(C_, n, n).clone()
    p_s = torch.zeros_like(m)
    p_c = torch.zeros_like(m)
    for generation in range(config.ascent_steps):
        eigvals, B = torch.linalg.eigh(cov)
        D = eigvals.clamp_min(1e-20).sqrt()  # C x n
        z = torch.randn(C_, lam, n, generator=g, dtype=dtype, device=device)
        y = (z * D.unsqueeze(1)) @ B.transpose(-1, -2)  # C x lam x n
        x = m.unsqueeze(1) + sigma.unsqueeze(1) * y
        order = f(x).argsort(dim=1, descending=True)[:, :mu]  # maximize
        y_sel = y.gather(1, order.unsqueeze(-1).expand(-1, -1, n))  # C x mu x n
        y_w = (w.view(1, -1, 1) * y_sel).sum(1)
        m = m + sigma * y_w
        inv_sqrt = (B / D.unsqueeze(1)) @ B.transpose(-1, -2)
        p_s = (1 - c_s) * p_s + math.sqrt(c_s * (2 - c_s) * mu_eff) * (
            inv_sqrt @ y_w.unsqueeze(-1)).squeeze(-1)
        norm_ps = p_s.norm(dim=-1, keepdim=True)
        h_s = (norm_ps / math.sqrt(1 - (1 - c_s) ** (2 * (generation + 1)))
               < (1.4 + 2 / (n + 1)) * chi_n).to(dtype)
        p_c = (1 - c_c) * p_c + h_s * math.sqrt(c_c * (2 - c_c) * mu_eff) * y_w
        rank_mu = torch.einsum("cki,ckj,k->cij", y_sel, y_sel, w)
        rank_one = p_c.unsqueeze(-1) * p_c.unsqueeze(-2)
        correction = ((1 - h_s) * c_c * (2 - c_c)).unsqueeze(-1) * cov
        cov = (1 - c_1 - c_mu) * cov + c_1 * (rank_one + correction) + c_mu * rank_mu
        cov = 0.5 * (cov + cov.transpose(-1, -2))
        sigma = sigma * torch.exp((c_s / d_s) * (norm_ps / chi_n - 1))
    return model.from_latent(m)


def _pycma_on_mean(
    model: MentoringEnsemble, X_start: Tensor, config: MentoringConfig
) -> Tensor:
    try:
        import cma
    except ImportError:
        raise ImportError(
            "The cma-es baseline uses pycma, which is not installed: "
            "pip install 'botorch-mentor[baselines]' (or pip install cma)."
        ) from None

    f = _mean_proxy(model, config)
    start = model.to_latent(X_start)
    n_starts, n = start.shape
    popsize = 4 + int(3 * math.log(n))
    numpy_state = np.random.get_state()  # pycma draws from numpy's global generator
    try:
        strategies, streams = [], []
        for c in range(n_starts):  # the constructor seeds numpy; keep each run's own stream
            strategies.append(cma.CMAEvolutionStrategy(
                start[c].detach().cpu().double().numpy(), CMA_INITIAL_SIGMA,
                {"popsize": popsize, "seed": 1 + config.seed * n_starts + c, "verbose": -9},
            ))
            streams.append(np.random.get_state())
        for _ in range(config.ascent_steps):
            populations = []
            for c, es in enumerate(strategies):
                np.random.set_state(streams[c])
                populations.append(es.ask())
                streams[c] = np.random.get_state()
            batch = torch.as_tensor(np.asarray(populations)).to(start)  # C x popsize x d
            values = f(batch).double().cpu().numpy()  # one call for every population
            for es, population, value in zip(strategies, populations, values):
                es.tell(population, (-value).tolist())  # pycma minimizes
        means = np.stack([es.mean for es in strategies])
    finally:
        np.random.set_state(numpy_state)
    return model.from_latent(torch.as_tensor(means).to(start))


def bo_qei_on_mean(
    model: MentoringEnsemble,
    X_start: Tensor,
    config: MentoringConfig,
    rounds: int = 8,
) -> Tensor:
    r"""Bayesian optimization of the mean proxy: a ``SingleTaskGP`` on the starting designs
    and their proxy values, ``rounds`` batches of ``q = C / rounds`` qLogEI proposals inside
    the box of the visible data, and the ``C`` best designs found by the proxy."""
    from botorch.acquisition import qLogExpectedImprovement
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.models.transforms import Normalize, Standardize
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import ExactMarginalLogLikelihood

    f = _mean_proxy(model, config)
    n_candidates = X_start.shape[0]
    Z_data, _ = model.latent_training_data()
    bounds = torch.stack([Z_data.min(0).values, Z_data.max(0).values])
    with torch.no_grad():
        train_Z = model.to_latent(X_start)
        train_f = f(train_Z).unsqueeze(-1)
    q = max(1, n_candidates // rounds)
    torch.manual_seed(config.seed)
    for _ in range(rounds):
        gp = SingleTaskGP(
            train_Z.double(), train_f.double(),
            input_transform=Normalize(d=train_Z.shape[-1], bounds=bounds.double()),
            outcome_transform=Standardize(m=1),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit_gpytorch_mll(ExactMarginalLogLikelihood(gp.likelihood, gp))
            acqf = qLogExpectedImprovement(gp, best_f=train_f.max().double())
            new_Z, _ = optimize_acqf(acqf, bounds=bounds.double(), q=q, num_restarts=4,
                                     raw_samples=128)
        new_Z = new_Z.to(train_Z)
        with torch.no_grad():
            new_f = f(new_Z).unsqueeze(-1)
        train_Z = torch.cat([train_Z, new_Z])
        train_f = torch.cat([train_f, new_f])
    best = train_f.squeeze(-1).topk(n_candidates).indices
    return model.from_latent(train_Z[best])

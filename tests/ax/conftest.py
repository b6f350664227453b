"""Static datasets as Ax experiments: Hartmann-6 (continuous) and TFBind8 (eight choices)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from ax.api.client import Client
from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig
from botorch.test_functions import Hartmann

from botorch_mentor.tasks import decode_dna, tfbind8

logging.getLogger("ax").setLevel(logging.WARNING)
SMALL = {"hidden_sizes": [32, 32], "pretrain_epochs": 10}
HARTMANN = Hartmann(dim=6)


def hartmann_value(parameters: dict) -> float:
    x = torch.tensor([[parameters[f"x{i}"] for i in range(6)]], dtype=torch.float64)
    return float(-HARTMANN(x))  # larger is better


@pytest.fixture(scope="session")
def hartmann_frame() -> pd.DataFrame:
    """400 uniform designs scored by -Hartmann6, keeping the worse half: a low-scoring table."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(400, 6))
    y = -HARTMANN(torch.tensor(X)).numpy()
    keep = y <= np.quantile(y, 0.5)
    return pd.DataFrame(X[keep], columns=[f"x{i}" for i in range(6)]).assign(f=y[keep])


@pytest.fixture(scope="session")
def hartmann_full_frame() -> pd.DataFrame:
    """All 400 uniform designs scored by -Hartmann6: a table whose top rows are good."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(400, 6))
    y = -HARTMANN(torch.tensor(X)).numpy()
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(6)]).assign(f=y)


def uniform_hartmann_quantile(q: float, n: int = 200_000) -> float:
    """The ``q`` quantile of -Hartmann6 under uniform sampling of the box (Monte Carlo): the
    bar a random proposal clears with probability ``1 - q``."""
    X = torch.rand(n, 6, generator=torch.Generator().manual_seed(123), dtype=torch.float64)
    return float(torch.quantile(-HARTMANN(X), q))


def uniform_tfbind_mean_quantile(k: int, q: float, draws: int = 100_000) -> float:
    """The ``q`` quantile of the mean true score of ``k`` uniformly random 8-mers (Monte
    Carlo over the exact table): the bar ``k`` random proposals clear with probability
    ``1 - q``."""
    task = tfbind8()
    g = torch.Generator().manual_seed(321)
    tokens = torch.randint(0, 4, (draws * k, 8), generator=g)
    means = task.score(tokens).reshape(draws, k).mean(-1)
    return float(torch.quantile(means, q))


def hartmann_client(objective: str = "f") -> Client:
    client = Client()
    client.configure_experiment(parameters=[
        RangeParameterConfig(name=f"x{i}", parameter_type="float", bounds=(0.0, 1.0))
        for i in range(6)
    ])
    client.configure_optimization(objective=objective)
    return client


@pytest.fixture(scope="session")
def tfbind_frame() -> pd.DataFrame:
    """1,500 random visible TFBind8 rows, one choice column per position."""
    task = tfbind8()
    rows = torch.randperm(task.x.shape[0], generator=torch.Generator().manual_seed(0))[:1500]
    letters = [list(s) for s in decode_dna(task.x[rows].numpy())]
    frame = pd.DataFrame(letters, columns=[f"p{i}" for i in range(8)])
    return frame.assign(binding=task.y[rows, 0].numpy())


def tfbind_client(positions: int = 8, objective: str = "binding") -> Client:
    """An experiment with one unordered ACGT choice ``p<i>`` per position."""
    client = Client()
    client.configure_experiment(parameters=[
        ChoiceParameterConfig(name=f"p{i}", parameter_type="str", values=list("ACGT"),
                              is_ordered=False)
        for i in range(positions)
    ])
    client.configure_optimization(objective=objective)
    return client


def tfbind_value(parameters: dict) -> float:
    from botorch_mentor.tasks import encode_dna

    sequence = "".join(parameters[f"p{i}"] for i in range(8))
    return float(tfbind8().score(torch.tensor(encode_dna([sequence])))[0])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield

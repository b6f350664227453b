import warnings

import pytest
import torch
from botorch.acquisition import (
    PosteriorMean,
    UpperConfidenceBound,
    qLogExpectedImprovement,
    qLogNoisyExpectedImprovement,
    qSimpleRegret,
    qUpperConfidenceBound,
)
from botorch.acquisition.objective import ScalarizedPosteriorTransform
from botorch.models.transforms.input import Normalize
from botorch.models.transforms.outcome import Standardize
from botorch.optim import optimize_acqf
from botorch.posteriors.ensemble import EnsemblePosterior
from botorch.utils.datasets import SupervisedDataset

from botorch_mentor import MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble
from tests.conftest import DTYPES, quadratic_data, tiny_config


@pytest.mark.parametrize("dtype", DTYPES)
def test_posterior_shapes_and_dtypes(dtype):
    X, Y = quadratic_data(dtype=dtype)
    model = MentoringEnsemble(X, Y, config=tiny_config(pretrain_epochs=1, fit_mentoring_rounds=0))
    assert model.num_outputs == 1 and model.batch_shape == torch.Size([])
    post = model.posterior(torch.rand(5, 2, 4, dtype=dtype))
    assert isinstance(post, EnsemblePosterior)
    assert post.values.shape == (5, 3, 2, 1) and post.values.dtype == dtype
    assert post.mean.shape == (5, 2, 1) and post.variance.shape == (5, 2, 1)
    assert model.posterior(torch.rand(2, 4, dtype=dtype)).values.shape == (3, 2, 1)
    assert model.posterior(torch.rand(6, 5, 2, 4, dtype=dtype)).values.shape == (6, 5, 3, 2, 1)


def test_members_are_the_proxies(fitted_model):
    X = torch.rand(7, 4, dtype=torch.float64)
    values = fitted_model.posterior(X).values.squeeze(-1)  # M x 7
    latent = fitted_model.predict_latent(fitted_model.to_latent(X))
    torch.testing.assert_close(values, fitted_model.unstandardize_y(latent))


def test_scalarized_posterior_transform_applied(fitted_model):
    X = torch.rand(3, 1, 4, dtype=torch.float64)
    transform = ScalarizedPosteriorTransform(weights=torch.tensor([-2.0], dtype=torch.float64),
                                             offset=1.0)
    post = fitted_model.posterior(X, posterior_transform=transform)
    torch.testing.assert_close(post.values, 1.0 - 2.0 * fitted_model.posterior(X).values)


def test_every_acquisition_function_through_optimize_acqf(fitted_model):
    model = fitted_model
    bounds = torch.stack([torch.zeros(4), torch.ones(4)]).double()
    best_f = model.train_Y.max()
    acqfs = {
        "qLogEI": (qLogExpectedImprovement(model, best_f=best_f), 2),
        "qLogNEI": (qLogNoisyExpectedImprovement(model, X_baseline=model.train_X[:20]), 2),
        "qUCB": (qUpperConfidenceBound(model, beta=0.5), 2),
        "qSR": (qSimpleRegret(model), 2),
        "PosteriorMean": (PosteriorMean(model), 1),
        "UCB": (UpperConfidenceBound(model, beta=0.5), 1),
    }
    for name, (acqf, q) in acqfs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            candidates, value = optimize_acqf(acqf, bounds=bounds, q=q, num_restarts=2,
                                              raw_samples=16)
        assert candidates.shape == (q, 4), name
        assert torch.isfinite(value).all(), name
        assert ((candidates >= 0) & (candidates <= 1)).all(), name


def test_state_dict_round_trip_gives_identical_predictions(fitted_model):
    X, Y = quadratic_data()
    fresh = MentoringEnsemble(X, Y, config=fitted_model.config)
    fresh.load_state_dict(fitted_model.state_dict())
    test_X = torch.rand(9, 4, dtype=torch.float64)
    assert torch.equal(fresh.posterior(test_X).values, fitted_model.posterior(test_X).values)
    assert bool(fresh.is_fitted)


def test_to_moves_everything():
    X, Y = quadratic_data(dtype=torch.float32)
    model = MentoringEnsemble(X, Y, config=tiny_config(pretrain_epochs=1))
    model = model.to(torch.float64)
    assert all(p.dtype == torch.float64 for p in model.proxy_params())
    assert model.posterior(torch.rand(2, 4, dtype=torch.float64)).values.dtype == torch.float64


def test_input_and_outcome_transforms():
    X, Y = quadratic_data()
    X = 10.0 * X - 3.0
    model = MentoringEnsemble(
        X, 100.0 * Y, input_transform=Normalize(d=4), outcome_transform=Standardize(m=1),
        config=tiny_config(),
    )
    fit_mentoring_ensemble(model)
    Z = model.to_latent(X)
    torch.testing.assert_close(Z.mean(0), torch.zeros(4, dtype=torch.float64))
    torch.testing.assert_close(model.from_latent(Z), X)
    mean = model.posterior(X).mean.squeeze(-1)
    corr = torch.corrcoef(torch.stack([mean, 100.0 * Y.squeeze(-1)]))[0, 1]
    assert corr > 0.5  # predictions are back in the original units and informative
    assert mean.abs().max() > 5.0


def test_construct_inputs_ignores_extras_and_takes_config_dicts():
    X, Y = quadratic_data()
    data = SupervisedDataset(X, Y, feature_names=list("abcd"), outcome_names=["y"])
    inputs = MentoringEnsemble.construct_inputs(
        data, config=tiny_config().to_dict(), something_from_ax=1
    )
    assert set(inputs) == {"train_X", "train_Y", "config"}
    assert isinstance(inputs["config"], MentoringConfig)
    MentoringEnsemble(**inputs)


def test_fit_routine_pretrains_and_mentors(fitted_model):
    assert (fitted_model.val_pearson > 0.5).all()
    moved = [not torch.equal(a, b) for a, b in
             zip(fitted_model.proxy_params(), fitted_model.pretrained_params())]
    assert any(moved)  # fit-time mentoring changed the fitted proxies, pretrained kept


def test_fit_is_deterministic():
    X, Y = quadratic_data()
    a = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config()))
    b = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config()))
    assert all(torch.equal(p, q) for p, q in zip(a.proxy_params(), b.proxy_params()))
    c = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config(seed=1)))
    assert not torch.equal(a.proxy_params()[0], c.proxy_params()[0])


def test_bad_posterior_input(fitted_model):
    with pytest.raises(ValueError, match="X must have shape"):
        fitted_model.posterior(torch.rand(3, 5, dtype=torch.float64))
    with pytest.raises(ValueError, match="NaN"):
        fitted_model.posterior(torch.full((3, 4), float("nan"), dtype=torch.float64))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_column_statistics_in_blocks_equal_numpy(monkeypatch, dtype):
    """Data larger than one block (here 64 elements: blocks of 21 rows of 3 columns) is
    reduced block by block; mean and sample std agree with NumPy's over the whole array, and
    the model standardizes with them."""
    import numpy as np

    from botorch_mentor import MentoringConfig, MentoringEnsemble
    from botorch_mentor.models import ensemble

    g = torch.Generator().manual_seed(3)
    X = (torch.randn(100, 3, generator=g, dtype=torch.float64) * torch.tensor([1.0, 5.0, 0.1])
         + torch.tensor([3.0, -2.0, 7.0])).to(dtype)
    monkeypatch.setattr(ensemble, "STATISTICS_BLOCK_ELEMENTS", 64)
    mean, std = ensemble.column_mean_std(X)
    reference = X.double().numpy()
    tol = dict(rtol=1e-6 if dtype == torch.float32 else 1e-12, atol=0)
    np.testing.assert_allclose(mean.double().numpy(), reference.mean(axis=0), **tol)
    np.testing.assert_allclose(std.double().numpy(), reference.std(axis=0, ddof=1), **tol)
    assert mean.dtype == std.dtype == dtype
    constant = torch.cat([X, torch.full((100, 2), 1 / 3, dtype=dtype).mul(
        torch.tensor([1.0, -21.9], dtype=dtype))], dim=1)  # 1/3 and -7.3: no exact sums
    c_mean, c_std = ensemble.column_mean_std(constant)
    assert torch.equal(c_std[3:], torch.zeros(2, dtype=dtype))  # exactly 0, not 1e-16
    torch.testing.assert_close(c_mean[3:], constant[0, 3:])
    Y = X[:, :1].sum(-1, keepdim=True)
    model = MentoringEnsemble(X, Y, config=MentoringConfig.fast(hidden_sizes=(4,)))
    torch.testing.assert_close(model.x_mean, mean)
    torch.testing.assert_close(model.x_std, std)

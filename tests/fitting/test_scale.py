"""Fitting at the authors' scale: one copy of the data, read by index a mini-batch at a time,
and chunked prediction passes. Checked against the path that held the whole latent copy (the
pretraining of before, written out here) and by the shapes the passes see, not by timing."""

from __future__ import annotations

import math

import pytest
import torch
from botorch.models.transforms.input import Normalize

from botorch_mentor import MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble
from botorch_mentor.fitting import pretrain as pretrain_module
from botorch_mentor.fitting.pretrain import (
    batch_loss,
    cosine_lr,
    pearson,
    pretrain_proxies,
)
from botorch_mentor.mentoring.step import outer_loss_gradient
from botorch_mentor.models.ensemble import LatentRows
from botorch_mentor.nn import init_params, mlp_forward
from botorch_mentor.random import make_generator
from botorch_mentor.validation import validation_rows
from tests.conftest import quadratic_data


def _materialized_pretraining(params, Z, y, config, generator):
    r"""The pretraining as it was before rows were read by index: the validation designs
    copied out (``M x n_val x d``) and every epoch's full ``M x n_train`` index gathered
    before its batches."""
    n_members, n_rows = params[0].shape[0], Z.shape[0]
    n_val = validation_rows(n_rows, config.val_fraction)
    order = torch.rand(n_members, n_rows, generator=generator).argsort(dim=1)
    val_idx, train_idx = order[:, :n_val], order[:, n_val:]
    n_train = train_idx.shape[1]
    if config.bootstrap:
        draws = torch.randint(n_train, (n_members, n_train), generator=generator)
        train_idx = train_idx.gather(1, draws)
    Z_val, y_val = Z[val_idx], y[val_idx]
    leaves = [p.detach().clone().requires_grad_(True) for p in params]
    best = [p.detach().clone() for p in params]
    best_r = torch.full((n_members,), -math.inf, dtype=Z.dtype)
    history = []
    optimizer = torch.optim.Adam(leaves, lr=config.pretrain_lr)
    with torch.enable_grad():
        for epoch in range(config.pretrain_epochs):
            for group in optimizer.param_groups:
                group["lr"] = cosine_lr(config.pretrain_lr, epoch, config.pretrain_epochs)
            shuffle = torch.rand(n_members, n_train, generator=generator)
            epoch_idx = train_idx.gather(1, shuffle.argsort(dim=1))
            for start in range(0, n_train, config.batch_size):
                idx = epoch_idx[:, start:start + config.batch_size]
                loss = batch_loss(mlp_forward(leaves, Z[idx], config.activation), y[idx],
                                  config.pretrain_loss)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                r = pearson(mlp_forward(leaves, Z_val, config.activation), y_val)
                history.append(r)
                improved = r > best_r
                best_r = torch.where(improved, r, best_r)
                for kept, current in zip(best, leaves):
                    mask = improved.view(-1, *([1] * (kept.dim() - 1)))
                    kept.copy_(torch.where(mask, current, kept))
    return tuple(best), best_r, torch.stack(history), val_idx, train_idx


def _model(n=300, d=4, transform=False, **changes):
    X, Y = quadratic_data(n=n, d=d)
    config = MentoringConfig.fast(hidden_sizes=(16, 16), pretrain_epochs=4, batch_size=32,
                                  fit_mentoring_rounds=2, fit_anchors=8, **changes)
    return MentoringEnsemble(X, Y, config=config,
                             input_transform=Normalize(d=d) if transform else None)


@pytest.mark.parametrize("bootstrap", [False, True])
@pytest.mark.parametrize("transform", [False, True])
def test_pretraining_by_index_on_latent_rows_equals_the_materialized_path(bootstrap, transform):
    """Bit for bit: the same splits, shuffles, batches, weights and validation Pearson as the
    old pretraining on the whole latent copy, whether the rows come from that copy or from
    ``LatentRows`` (standardized as they are read, here with an input transform too)."""
    model = _model(bootstrap=bootstrap, transform=transform)
    Z, y = model.latent_training_data()
    rows = model.latent_rows()
    assert isinstance(rows, LatentRows) and rows.shape == Z.shape and rows.dtype == Z.dtype
    params, config = model.pretrained_params(), model.config
    best, best_r, history, val_idx, train_idx = _materialized_pretraining(
        params, Z, y, config, make_generator(7, "cpu"))
    for source in (Z, rows):
        result = pretrain_proxies(params, source, y, config, generator=make_generator(7, "cpu"))
        assert torch.equal(result.val_index, val_idx)
        assert torch.equal(result.train_index, train_idx)
        assert torch.equal(result.history, history)
        assert torch.equal(result.val_pearson, best_r)
        for a, b in zip(result.params, best):
            assert torch.equal(a, b)


def test_latent_rows_are_the_latent_copy_read_by_index():
    model = _model(transform=True)
    Z, _ = model.latent_training_data()
    rows = model.latent_rows()
    index = torch.tensor([[3, 0, 299], [5, 5, 17]])
    assert torch.equal(rows[index], Z[index])
    assert torch.equal(rows[10:20], Z[10:20])
    assert torch.equal(torch.cat([rows[s:s + 7] for s in range(0, 300, 7)]), Z)
    assert len(rows) == 300 and rows.dim() == 2 and not rows.is_cuda


def test_fit_holds_no_latent_copy_and_predicts_in_chunks(monkeypatch):
    """The fit never asks for the whole latent copy; with a small chunk budget its
    validation and calibration passes see at most a chunk of rows (a multiple of 64), and
    the fit equals the one-pass fit."""
    config_changes = dict(calibrate_variance=True)
    reference = fit_mentoring_ensemble(_model(n=1000, **config_changes))

    def refuse(self):
        raise AssertionError("the fit materialized the latent training data")

    monkeypatch.setattr(MentoringEnsemble, "latent_training_data", refuse)
    seen = []

    def recording(params, X, activation="relu"):
        seen.append(tuple(X.shape))
        return mlp_forward(params, X, activation)

    monkeypatch.setattr(pretrain_module, "mlp_forward", recording)
    monkeypatch.setattr(pretrain_module, "PREDICTION_CHUNK_ELEMENTS", 3 * 16 * 70)
    assert pretrain_module.prediction_chunk_rows(3, (16, 16)) == 64
    chunked = fit_mentoring_ensemble(_model(n=1000, **config_changes))
    assert max(shape[-2] for shape in seen) <= 64  # mini-batches of 32 and 64-row chunks
    assert (3, 64, 4) in seen and (3, 36, 4) in seen  # the validation pass of 100 rows
    assert (64, 4) in seen and (1000 - 15 * 64, 4) in seen  # the calibration pass
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(chunked.state_dict()[key], value, rtol=1e-12, atol=1e-14)


def test_one_chunk_predictions_are_the_one_pass_predictions():
    model = fit_mentoring_ensemble(_model())
    Z, _ = model.latent_training_data()
    params = model.proxy_params()
    one_pass = mlp_forward(params, Z)
    assert torch.equal(pretrain_module.predict_rows(params, model.latent_rows(), "relu", 300),
                       one_pass)
    torch.testing.assert_close(
        pretrain_module.predict_rows(params, model.latent_rows(), "relu", 7), one_pass)


def test_progress_bar_counts_mini_batches(capsys):
    model = _model()
    Z, y = model.latent_training_data()
    config = model.config.replace(pretrain_epochs=3)
    pretrain_proxies(model.pretrained_params(), Z, y, config,
                     generator=make_generator(0, "cpu"), progress=True)
    err = capsys.readouterr().err
    batches = 3 * math.ceil((300 - validation_rows(300, 0.1)) / 32)
    assert "pretraining" in err and f"/{batches}" in err and "batch" in err


@pytest.mark.parametrize("compute_dtype", [None, torch.bfloat16])
def test_outer_gradient_on_latent_rows_equals_the_latent_copy(compute_dtype):
    """The outer loss reads its static data a chunk at a time (and casts a chunk at a time):
    the gradient is the one computed on the whole latent copy cast at once."""
    model = _model()
    Z, y = model.latent_training_data()
    params = init_params(6, 4, (16, 16), generator=torch.Generator().manual_seed(0),
                         dtype=torch.float64)
    on_rows = outer_loss_gradient(params, model.latent_rows(), y, "relu", 64, 2, compute_dtype)
    if compute_dtype is None:
        expected = outer_loss_gradient(params, Z, y, "relu", 64, 2)
    else:  # the old cast: the whole data at once, then chunks of it
        from botorch_mentor.nn.batched_mlp import squared_error_gradient

        X_c, y_c = Z.to(compute_dtype), y.to(compute_dtype)
        expected = [torch.zeros_like(p) for p in params]
        for first in range(0, 6, 2):
            block = tuple(p[first:first + 2].to(compute_dtype) for p in params)
            for start in range(0, 300, 64):
                grads = squared_error_gradient(block, X_c[start:start + 64],
                                               y_c[start:start + 64], 1.0 / 300, "relu")
                for total, g in zip(expected, grads):
                    total[first:first + 2].add_(g)
    for a, b in zip(on_rows, expected):
        assert torch.equal(a, b)


def test_a_model_can_take_its_data_without_a_copy():
    """``copy_data=False`` (what ``propose`` uses for the table it encoded) keeps the tensors
    given: one copy of a large dataset while the model is built; the default copies."""
    X, Y = quadratic_data(n=50)
    shared = MentoringEnsemble(X, Y, config=MentoringConfig.fast(), copy_data=False)
    copied = MentoringEnsemble(X, Y, config=MentoringConfig.fast())
    assert shared.train_X.data_ptr() == X.data_ptr() and shared.train_Y.data_ptr() == Y.data_ptr()
    assert copied.train_X.data_ptr() != X.data_ptr() and torch.equal(copied.train_X, X)

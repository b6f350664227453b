"""Pretraining against an independent reference: each proxy trained alone as a ``torch.nn``
module with ``torch.optim.Adam``, a cosine learning rate per epoch, MSE, and best-validation-
Pearson selection computed with NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from botorch_mentor import MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble
from botorch_mentor.fitting import pretrain_proxies
from botorch_mentor.nn import init_params, mlp_forward
from botorch_mentor.random import make_generator
from tests.conftest import module_from_params


def _data(n=90, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    Z = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.sin(2 * Z[:, 0]) + Z[:, 1] * Z[:, 2] + 0.3 * torch.randn(n, generator=g,
                                                                      dtype=torch.float64)
    return Z, (y - y.mean()) / y.std()


def _np_pearson(a, b):
    return float(np.corrcoef(np.asarray(a), np.asarray(b))[0, 1])


def _listnet(f, y):
    """ListNet top-one cross-entropy, written out: -sum_i P_y(i) log P_f(i)."""
    p_y = torch.exp(y) / torch.exp(y).sum()
    log_p_f = f - torch.log(torch.exp(f).sum())
    return -(p_y * log_p_f).sum()


def _train_alone(module, Z, y, train_rows, val_rows, epochs, lr, loss_name="mse",
                 epoch_orders=None, batch_size=None):
    """Adam with the cosine schedule; keep the best-validation-Pearson epoch. Full batch, or
    with ``epoch_orders`` (one permutation of ``train_rows`` per epoch) mini-batches of
    ``batch_size`` in that order."""
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    best_r, best_state, history = -math.inf, None, []
    for epoch in range(epochs):
        for group in optimizer.param_groups:
            group["lr"] = lr * (1 + math.cos(math.pi * epoch / epochs)) / 2
        rows = train_rows if epoch_orders is None else train_rows[epoch_orders[epoch]]
        step = len(rows) if batch_size is None else batch_size
        for start in range(0, len(rows), step):
            batch = rows[start:start + step]
            f = module(Z[batch]).squeeze(-1)
            if loss_name == "listnet":
                loss = _listnet(f, y[batch])
            else:
                loss = (f - y[batch]).square().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            r = _np_pearson(module(Z[val_rows]).squeeze(-1), y[val_rows])
        history.append(r)
        if r > best_r:
            best_r = r
            best_state = {k: v.clone() for k, v in module.state_dict().items()}
    return best_state, best_r, history


@pytest.mark.parametrize("loss_name", ["mse", "listnet"])
def test_batched_pretraining_equals_each_proxy_trained_alone(loss_name):
    Z, y = _data()
    M, epochs = 3, 12
    config = MentoringConfig.fast(n_proxies=M, hidden_sizes=(12, 12), pretrain_epochs=epochs,
                                  batch_size=10_000, pretrain_lr=0.05, pretrain_loss=loss_name)
    init = init_params(M, 3, (12, 12), generator=torch.Generator().manual_seed(0),
                       dtype=torch.float64)
    result = pretrain_proxies(init, Z, y, config, generator=make_generator(0, "cpu"))

    assert result.val_index.shape == (M, 9)
    for e in range(M):
        val_rows = result.val_index[e]
        train_rows = torch.tensor(sorted(set(range(90)) - set(val_rows.tolist())))
        assert len(train_rows) == 81  # 10 % held out, disjoint from training
        module = module_from_params(init, e)
        state, best_r, history = _train_alone(module, Z, y, train_rows, val_rows, epochs, 0.05,
                                              loss_name)
        np.testing.assert_allclose(result.history[:, e].numpy(), history, rtol=1e-7, atol=1e-9)
        assert result.val_pearson[e].item() == pytest.approx(best_r, rel=1e-7, abs=1e-9)
        selected = module_from_params(result.params, e).state_dict()
        for key, value in state.items():
            torch.testing.assert_close(selected[key], value, rtol=1e-6, atol=1e-8)


def test_selected_epoch_is_the_best_not_the_last():
    """A learning rate high enough that validation Pearson falls after its peak: the returned
    weights must be the peak epoch's, and they must reproduce the returned Pearson."""
    Z, y = _data(n=80, seed=2)
    config = MentoringConfig.fast(n_proxies=3, hidden_sizes=(32, 32), pretrain_epochs=30,
                                  batch_size=8, pretrain_lr=0.05)
    init = init_params(3, 3, (32, 32), generator=torch.Generator().manual_seed(1),
                       dtype=torch.float64)
    result = pretrain_proxies(init, Z, y, config, generator=make_generator(3, "cpu"))
    last = result.history.shape[0] - 1
    assert (result.best_epoch != last).any(), "precondition: some proxy peaks before the end"
    torch.testing.assert_close(result.val_pearson, result.history.max(dim=0).values)
    torch.testing.assert_close(result.best_epoch, result.history.argmax(dim=0))
    predictions = mlp_forward(result.params, Z)  # M x n
    for e in range(3):
        rows = result.val_index[e]
        r = _np_pearson(predictions[e, rows], y[rows])
        assert r == pytest.approx(result.val_pearson[e].item(), rel=1e-9)
        assert r > result.history[last, e].item() or result.best_epoch[e] == last


def test_fit_stores_the_selected_pearson_and_pretrained_weights():
    Z, y = _data(n=120, seed=4)
    config = MentoringConfig.fast(hidden_sizes=(16, 16), pretrain_epochs=8, batch_size=32,
                                  fit_mentoring_rounds=3, fit_anchors=10)
    model = fit_mentoring_ensemble(MentoringEnsemble(Z, y.unsqueeze(-1), config=config))
    # The model z-scores internally; its pretrained weights are applied in that latent space.
    latent_Z, latent_y = model.latent_training_data()
    predictions = mlp_forward(model.pretrained_params(), latent_Z)
    assert torch.isfinite(model.val_pearson).all()
    # Each proxy's stored Pearson is reached on some 10 % subset: its own held-out rows.
    # Check with the split the fit used, rebuilt from the seed by pretrain_proxies itself.
    again = pretrain_proxies(
        model.pretrained_params(), latent_Z, latent_y, config.replace(pretrain_epochs=1),
        generator=make_generator(config.seed, "cpu", "splits"),
    )
    for e in range(3):
        rows = again.val_index[e]
        r = _np_pearson(predictions[e, rows], latent_y[rows])
        assert r == pytest.approx(model.val_pearson[e].item(), rel=1e-9)


def test_bootstrap_trains_each_proxy_on_its_own_resample():
    Z, y = _data()
    M, epochs = 3, 6
    config = MentoringConfig.fast(n_proxies=M, hidden_sizes=(12, 12), pretrain_epochs=epochs,
                                  batch_size=10_000, pretrain_lr=0.05, bootstrap=True)
    init = init_params(M, 3, (12, 12), generator=torch.Generator().manual_seed(0),
                       dtype=torch.float64)
    result = pretrain_proxies(init, Z, y, config, generator=make_generator(0, "cpu"))
    for e in range(M):
        rows = result.train_index[e]
        held_out = set(result.val_index[e].tolist())
        assert len(rows) == 81 and not held_out & set(rows.tolist())
        assert len(set(rows.tolist())) < 81  # drawn with replacement: repeats
        module = module_from_params(init, e)
        state, _, history = _train_alone(module, Z, y, rows, result.val_index[e], epochs, 0.05)
        np.testing.assert_allclose(result.history[:, e].numpy(), history, rtol=1e-7, atol=1e-9)
    assert not torch.equal(result.train_index[0].sort().values,
                           result.train_index[1].sort().values)


def test_pearson_over_a_batch_against_numpy():
    """``batch_shape x n`` inputs: the correlation runs along the last dimension only."""
    from botorch_mentor.fitting.pretrain import pearson

    g = torch.Generator().manual_seed(3)
    predictions = torch.randn(2, 4, 7, generator=g, dtype=torch.float64)
    targets = torch.randn(2, 4, 7, generator=g, dtype=torch.float64) + predictions
    got = pearson(predictions, targets)
    assert got.shape == (2, 4)
    for i in range(2):
        for j in range(4):
            expected = np.corrcoef(predictions[i, j].numpy(), targets[i, j].numpy())[0, 1]
            assert got[i, j].item() == pytest.approx(expected, rel=1e-12)
    # a constant prediction has no correlation: -inf, so such an epoch is never selected
    flat = pearson(torch.ones(3, 5, dtype=torch.float64), torch.randn(3, 5, generator=g,
                                                                        dtype=torch.float64))
    assert torch.equal(flat, torch.full((3,), -math.inf, dtype=torch.float64))


def test_listnet_loss_over_a_batch_against_a_written_out_sum():
    from botorch_mentor.fitting.pretrain import batch_loss

    g = torch.Generator().manual_seed(4)
    f, y = torch.randn(2, 3, 6, generator=g, dtype=torch.float64), torch.randn(2, 3, 6,
                                                                               generator=g)
    expected = 0.0
    for i in range(2):
        for m in range(3):
            p = np.exp(y[i, m].double().numpy()) / np.exp(y[i, m].double().numpy()).sum()
            log_q = f[i, m].numpy() - np.log(np.exp(f[i, m].numpy()).sum())
            expected -= float((p * log_q).sum())
    assert batch_loss(f, y.double(), "listnet").item() == pytest.approx(expected, rel=1e-12)


def test_bootstrap_resample_comes_from_the_given_generator(capsys):
    """Same generator seed, different global RNG state: the same resample and weights (the
    draws must not come from torch's global generator); and no progress bar by default."""
    Z, y = _data()
    config = MentoringConfig.fast(n_proxies=3, hidden_sizes=(8,), pretrain_epochs=2,
                                  batch_size=10_000, bootstrap=True)
    init = init_params(3, 3, (8,), generator=torch.Generator().manual_seed(0),
                       dtype=torch.float64)
    results = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        results.append(pretrain_proxies(init, Z, y, config, generator=make_generator(0, "cpu")))
    assert torch.equal(results[0].train_index, results[1].train_index)
    for a, b in zip(results[0].params, results[1].params):
        assert torch.equal(a, b)
    captured = capsys.readouterr()
    assert "pretraining" not in captured.err + captured.out


def test_progress_bar_is_labelled_and_changes_nothing(capsys):
    Z, y = _data()
    config = MentoringConfig.fast(n_proxies=3, hidden_sizes=(8,), pretrain_epochs=3,
                                  batch_size=32)
    init = init_params(3, 3, (8,), generator=torch.Generator().manual_seed(0),
                       dtype=torch.float64)
    quiet = pretrain_proxies(init, Z, y, config, generator=make_generator(0, "cpu"))
    shown = pretrain_proxies(init, Z, y, config, generator=make_generator(0, "cpu"),
                             progress=True)
    assert "pretraining" in capsys.readouterr().err
    assert torch.equal(quiet.history, shown.history)
    for a, b in zip(quiet.params, shown.params):
        assert torch.equal(a, b)


def test_mini_batches_with_tanh_equal_each_proxy_trained_alone():
    """Several mini-batches per epoch and a non-default activation. The reference draws the
    documented random stream itself (one uniform matrix whose argsort splits the rows, then one
    per epoch whose argsort shuffles each proxy's training rows) and trains each proxy alone,
    batch by batch, as a ``torch.nn`` module with ``torch.optim.Adam``."""
    Z, y = _data()
    M, epochs, B = 3, 4, 20
    config = MentoringConfig.fast(n_proxies=M, hidden_sizes=(10,), pretrain_epochs=epochs,
                                  batch_size=B, pretrain_lr=0.03, activation="tanh")
    init = init_params(M, 3, (10,), generator=torch.Generator().manual_seed(1),
                       dtype=torch.float64)
    result = pretrain_proxies(init, Z, y, config, generator=make_generator(5, "cpu"))

    g = make_generator(5, "cpu")
    order = torch.rand(M, 90, generator=g).argsort(dim=1)
    val_rows, train_rows = order[:, :9], order[:, 9:]
    shuffles = [torch.rand(M, 81, generator=g).argsort(dim=1) for _ in range(epochs)]
    for e in range(M):
        module = module_from_params(init, e, torch.nn.Tanh)
        _, _, history = _train_alone(  # 5 batches per epoch, the last one of 1 row
            module, Z, y, train_rows[e], val_rows[e], epochs, 0.03,
            epoch_orders=[shuffle[e] for shuffle in shuffles], batch_size=B)
        assert torch.equal(result.val_index[e], val_rows[e])
        np.testing.assert_allclose(result.history[:, e].numpy(), history, rtol=1e-7, atol=1e-9)


def test_step_budget_runs_the_whole_epochs_it_holds_with_their_own_schedule():
    """90 rows (81 training rows) in batches of 20 make 5 updates per epoch: a budget of 14 updates
    holds 2 whole epochs, and the reference trained for 2 epochs (its cosine schedule over 2)
    gives the same history; the budget never cuts below one epoch nor adds epochs."""
    from botorch_mentor.fitting.pretrain import pretrain_epochs_for

    Z, y = _data()
    M, B = 3, 20
    config = MentoringConfig.fast(n_proxies=M, hidden_sizes=(10,), pretrain_epochs=6,
                                  batch_size=B, pretrain_lr=0.03, pretrain_max_steps=14)
    assert pretrain_epochs_for(config, 90) == 2
    assert pretrain_epochs_for(config.replace(pretrain_max_steps=3), 90) == 1
    assert pretrain_epochs_for(config.replace(pretrain_max_steps=10**6), 90) == 6
    assert pretrain_epochs_for(config.replace(pretrain_max_steps=None), 10**9) == 6
    init = init_params(M, 3, (10,), generator=torch.Generator().manual_seed(1),
                       dtype=torch.float64)
    result = pretrain_proxies(init, Z, y, config, generator=make_generator(5, "cpu"))
    assert result.history.shape == (2, M)

    g = make_generator(5, "cpu")
    order = torch.rand(M, 90, generator=g).argsort(dim=1)
    val_rows, train_rows = order[:, :9], order[:, 9:]
    shuffles = [torch.rand(M, 81, generator=g).argsort(dim=1) for _ in range(2)]
    for e in range(M):
        module = module_from_params(init, e)
        _, _, history = _train_alone(
            module, Z, y, train_rows[e], val_rows[e], 2, 0.03,
            epoch_orders=[shuffle[e] for shuffle in shuffles], batch_size=B)
        np.testing.assert_allclose(result.history[:, e].numpy(), history, rtol=1e-7, atol=1e-9)


def test_fast_preset_budget_leaves_panel_sized_tables_alone():
    from botorch_mentor.fitting.pretrain import pretrain_epochs_for

    fast = MentoringConfig.fast()
    assert fast.pretrain_max_steps is not None
    assert MentoringConfig.paper().pretrain_max_steps is None
    assert pretrain_epochs_for(fast, 625_000) == fast.pretrain_epochs
    assert pretrain_epochs_for(fast, 4_161_482) == 3  # TFBind10's visible rows
    with pytest.raises(ValueError, match="pretrain_max_steps"):
        MentoringConfig.fast(pretrain_max_steps=0)

r"""Pretraining of all proxies at once (the paper's proxies: Chen et al., NeurIPS 2023).

Each proxy has its own random 90/10 train/validation split and its own shuffling (and, with
``config.bootstrap``, its own resample of the training rows drawn with replacement); all are
trained in one batched network with Adam (learning rate ``pretrain_lr`` on a per-epoch cosine
schedule), mini-batches of ``batch_size``, MSE on z-scored scores (or the ListNet ranking
loss, ``config.pretrain_loss``), and each keeps the weights
of its epoch with the best validation Pearson correlation. Adam acts element-wise and the
networks share no weights, so this equals training the proxies one after another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.nn.batched_mlp import Params, mlp_forward
from botorch_mentor.validation import validation_rows


def pearson(predictions: Tensor, targets: Tensor) -> Tensor:
    r"""Pearson correlation along the last dimension; NaN (a constant vector) becomes -inf.

    Args:
        predictions: A ``batch_shape x n``-dim tensor.
        targets: A tensor broadcastable to ``predictions``.

    Returns:
        A ``batch_shape``-dim tensor.
    """
    p = predictions - predictions.mean(dim=-1, keepdim=True)
    t = targets - targets.mean(dim=-1, keepdim=True)
    r = (p * t).sum(-1) / (p.square().sum(-1).sqrt() * t.square().sum(-1).sqrt())
    return torch.nan_to_num(r, nan=-math.inf)


def cosine_lr(base_lr: float, epoch: int, n_epochs: int) -> float:
    r"""``base_lr * (1 + cos(pi * epoch / n_epochs)) / 2``."""
    return base_lr * (1.0 + math.cos(math.pi * epoch / n_epochs)) / 2.0


def batch_loss(predictions: Tensor, targets: Tensor, loss: str) -> Tensor:
    r"""The pretraining loss of a mini-batch, summed over the proxies.

    ``"mse"``: mean squared error (the paper). ``"listnet"``: the ListNet top-one loss (Cao et
    al., ICML 2007), ``-sum_i softmax(y)_i log softmax(f)_i`` over the batch, which trains
    rankings rather than values (Tan et al., ICLR 2025, found it helps offline MBO).

    Args:
        predictions: An ``M x B``-dim tensor.
        targets: An ``M x B``-dim tensor of (z-scored) scores.

    Returns:
        A scalar tensor.
    """
    if loss == "listnet":
        log_q = torch.log_softmax(predictions, dim=-1)
        return -(torch.softmax(targets, dim=-1) * log_q).sum()
    return (predictions - targets).square().mean(dim=1).sum()


@dataclass
class PretrainResult:
    r"""What ``pretrain_proxies`` returns, for ``M`` proxies over ``T`` epochs."""

    params: Params
    """The selected weights: each proxy's epoch with the best validation Pearson."""
    val_pearson: Tensor
    """``M``: the selected epochs' validation Pearson (what ``params`` score on ``val_index``)."""
    val_index: Tensor
    """``M x n_val`` long: each proxy's held-out rows."""
    train_index: Tensor
    """``M x n_train`` long: each proxy's training rows (with repeats under bootstrap)."""
    history: Tensor
    """``T x M``: every epoch's validation Pearson."""
    best_epoch: Tensor
    """``M`` long: the selected epoch of each proxy (0-based)."""


def pretrain_proxies(
    params: Params,
    Z: Tensor,
    y: Tensor,
    config: MentoringConfig,
    generator: torch.Generator | None = None,
    progress: bool = False,
) -> PretrainResult:
    r"""Train ``M`` proxies on latent data.

    Args:
        params: Initial ``Params`` of ``M`` networks.
        Z: An ``N x d``-dim tensor of z-scored designs.
        y: An ``N``-dim tensor of z-scored scores.
        config: Supplies the pretraining settings.
        generator: Generator on ``Z.device`` for the splits and shuffles.
        progress: Show a progress bar over epochs.

    Returns:
        A ``PretrainResult``: the selected weights, their validation Pearson, the held-out
        rows and the per-epoch history.
    """
    n_members, n_rows = params[0].shape[0], Z.shape[0]
    n_val = validation_rows(n_rows, config.val_fraction)
    order = torch.rand(n_members, n_rows, generator=generator, device=Z.device).argsort(dim=1)
    val_idx, train_idx = order[:, :n_val], order[:, n_val:]
    n_train = train_idx.shape[1]
    if config.bootstrap:  # each proxy trains on its own resample, drawn with replacement
        draws = torch.randint(n_train, (n_members, n_train), generator=generator, device=Z.device)
        train_idx = train_idx.gather(1, draws)
    Z_val, y_val = Z[val_idx], y[val_idx]  # M x n_val x d, M x n_val

    leaves = [p.detach().clone().requires_grad_(True) for p in params]
    best = [p.detach().clone() for p in params]
    best_r = torch.full((n_members,), -math.inf, dtype=Z.dtype, device=Z.device)
    best_epoch = torch.zeros(n_members, dtype=torch.long, device=Z.device)
    history = []
    # CUDA: one fused kernel per Adam step instead of several per tensor (same update).
    optimizer = torch.optim.Adam(leaves, lr=config.pretrain_lr, fused=True if Z.is_cuda else None)
    epochs = range(config.pretrain_epochs)
    if progress:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc="pretraining", leave=False)
    with torch.enable_grad():
        for epoch in epochs:
            for group in optimizer.param_groups:
                group["lr"] = cosine_lr(config.pretrain_lr, epoch, config.pretrain_epochs)
            shuffle = torch.rand(n_members, n_train, generator=generator, device=Z.device)
            epoch_idx = train_idx.gather(1, shuffle.argsort(dim=1))
            for start in range(0, n_train, config.batch_size):
                idx = epoch_idx[:, start : start + config.batch_size]
                f = mlp_forward(leaves, Z[idx], config.activation)
                loss = batch_loss(f, y[idx], config.pretrain_loss)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                r = pearson(mlp_forward(leaves, Z_val, config.activation), y_val)
                history.append(r)
                improved = r > best_r
                best_r = torch.where(improved, r, best_r)
                best_epoch = torch.where(improved, epoch, best_epoch)
                for kept, current in zip(best, leaves):
                    mask = improved.view(-1, *([1] * (kept.dim() - 1)))
                    kept.copy_(torch.where(mask, current, kept))
    return PretrainResult(
        params=tuple(best), val_pearson=best_r, val_index=val_idx, train_index=train_idx,
        history=torch.stack(history), best_epoch=best_epoch,
    )

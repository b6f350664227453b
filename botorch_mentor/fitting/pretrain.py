r"""Pretraining of all proxies at once (the paper's proxies: Chen et al., NeurIPS 2023).

Each proxy has its own random 90/10 train/validation split and its own shuffling (and, with
``config.bootstrap``, its own resample of the training rows drawn with replacement); all are
trained in one batched network with Adam (learning rate ``pretrain_lr`` on a per-epoch cosine
schedule; ``pretrain_epochs`` epochs, fewer on tables too large for ``pretrain_max_steps``),
mini-batches of ``batch_size``, MSE on z-scored scores (or the ListNet ranking loss,
``config.pretrain_loss``), and each keeps the weights of its epoch with the best validation
Pearson correlation. Adam acts element-wise and the
networks share no weights, so this equals training the proxies one after another.

Memory. The data is read by index, one mini-batch at a time, from the one ``N x d`` copy the
caller passes (a tensor, or the model's ``LatentRows``, which standardizes rows as they are
read): no epoch copies the data. What grows with ``N`` beyond it are index tensors (the splits
and each epoch's shuffle, ``M x N`` longs) and the validation predictions (``M x n_val``);
the validation pass runs in chunks of at most ``PREDICTION_CHUNK_ELEMENTS`` activations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from botorch_mentor.config import MentoringConfig
from botorch_mentor.nn.batched_mlp import Params, mlp_forward
from botorch_mentor.validation import validation_rows

PREDICTION_CHUNK_ELEMENTS = 1 << 20
"""Largest ``networks x rows x width`` hidden activation of a prediction pass over data rows
(the validation pass, the fit's calibration): 8 MiB in float64. Data of fewer rows than one
chunk is predicted in one pass."""
CHUNK_ROW_MULTIPLE = 64
"""Chunks of a prediction pass hold a multiple of this many rows. With MKL (AVX2) the
matrix products then give every row the same bits as one pass over all rows (measured;
chunks of other sizes differ in the last bit), so chunking changes no fit."""


def prediction_chunk_rows(n_members: int, hidden_sizes: tuple[int, ...]) -> int:
    r"""Rows per chunk of a prediction pass of ``n_members`` networks: a multiple of
    ``CHUNK_ROW_MULTIPLE`` (at least one multiple)."""
    rows = PREDICTION_CHUNK_ELEMENTS // (n_members * max(hidden_sizes))
    return max(CHUNK_ROW_MULTIPLE, rows // CHUNK_ROW_MULTIPLE * CHUNK_ROW_MULTIPLE)


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


def pretrain_epochs_for(config: MentoringConfig, n_rows: int) -> int:
    r"""Epochs that pretraining runs on data of ``n_rows`` rows: ``config.pretrain_epochs``,
    cut to the most whole epochs that ``config.pretrain_max_steps`` holds (at least one), an
    epoch being ``ceil(n_train / batch_size)`` mini-batches of the ``n_train`` rows left after
    the validation split."""
    if config.pretrain_max_steps is None:
        return config.pretrain_epochs
    n_train = n_rows - validation_rows(n_rows, config.val_fraction)
    batches_per_epoch = max(1, -(-n_train // config.batch_size))
    return max(1, min(config.pretrain_epochs, config.pretrain_max_steps // batches_per_epoch))


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
        Z: An ``N x d``-dim tensor of z-scored designs, or anything that gives such rows by
            index (``Z[index]`` for a long tensor ``index`` of any shape, with ``shape``,
            ``dtype`` and ``device``), such as ``MentoringEnsemble.latent_rows()``: rows are
            read a mini-batch at a time.
        y: An ``N``-dim tensor of z-scored scores.
        config: Supplies the pretraining settings.
        generator: Generator on ``Z.device`` for the splits and shuffles.
        progress: Show a progress bar over the mini-batches of all epochs.

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
        del draws
    y_val = y[val_idx]  # M x n_val; the designs are read a chunk at a time (predict_rows)
    val_chunk = prediction_chunk_rows(n_members, config.hidden_sizes)

    leaves = [p.detach().clone().requires_grad_(True) for p in params]
    best = [p.detach().clone() for p in params]
    best_r = torch.full((n_members,), -math.inf, dtype=Z.dtype, device=Z.device)
    best_epoch = torch.zeros(n_members, dtype=torch.long, device=Z.device)
    history = []
    # CUDA: one fused kernel per Adam step instead of several per tensor (same update).
    optimizer = torch.optim.Adam(leaves, lr=config.pretrain_lr, fused=True if Z.is_cuda else None)
    batches_per_epoch = -(-n_train // config.batch_size)
    n_epochs = pretrain_epochs_for(config, n_rows)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_epochs * batches_per_epoch, desc="pretraining",
                   unit="batch", leave=False)
    try:
        with torch.enable_grad():
            for epoch in range(n_epochs):
                for group in optimizer.param_groups:
                    group["lr"] = cosine_lr(config.pretrain_lr, epoch, n_epochs)
                shuffle = torch.rand(n_members, n_train, generator=generator, device=Z.device)
                permutation = shuffle.argsort(dim=1)  # each proxy's order of its training rows
                del shuffle
                for start in range(0, n_train, config.batch_size):
                    idx = train_idx.gather(1, permutation[:, start : start + config.batch_size])
                    f = mlp_forward(leaves, Z[idx], config.activation)
                    loss = batch_loss(f, y[idx], config.pretrain_loss)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    if bar is not None:
                        bar.update(1)
                del permutation
                with torch.no_grad():
                    r = pearson(predict_rows(leaves, Z, config.activation, val_chunk,
                                             val_idx), y_val)
                    history.append(r)
                    improved = r > best_r
                    best_r = torch.where(improved, r, best_r)
                    best_epoch = torch.where(improved, epoch, best_epoch)
                    for kept, current in zip(best, leaves):
                        mask = improved.view(-1, *([1] * (kept.dim() - 1)))
                        kept.copy_(torch.where(mask, current, kept))
                if bar is not None:
                    bar.set_postfix(epoch=f"{epoch + 1}/{n_epochs}",
                                    refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return PretrainResult(
        params=tuple(best), val_pearson=best_r, val_index=val_idx, train_index=train_idx,
        history=torch.stack(history), best_epoch=best_epoch,
    )


def predict_rows(
    params: Params, Z: Tensor, activation: str, chunk_rows: int, index: Tensor | None = None
) -> Tensor:
    r"""The ``M`` networks' predictions at rows of ``Z``, ``chunk_rows`` rows at a time (one
    pass when they all fit): the validation pass and the fit's calibration pass.

    Args:
        params: ``Params`` of ``M`` networks.
        Z: ``N x d`` latent designs (a tensor or ``LatentRows``).
        activation: The networks' hidden activation.
        chunk_rows: Rows per chunk.
        index: An ``M x n``-dim long tensor (network ``m`` predicts at its own rows
            ``Z[index[m]]``), or None: every network at every row of ``Z`` in order, read by
            slices (``n = N``).

    Returns:
        An ``M x n``-dim tensor.
    """
    n = Z.shape[0] if index is None else index.shape[1]

    def rows(start: int, stop: int) -> Tensor:
        return Z[start:stop] if index is None else Z[index[:, start:stop]]

    if n <= chunk_rows:
        return mlp_forward(params, rows(0, n), activation)
    # One output tensor, filled chunk by chunk: small results kept between the chunks'
    # temporaries would fragment the heap (measured: +1 GB resident over 1M rows).
    out = torch.empty(params[0].shape[0], n, dtype=Z.dtype, device=Z.device)
    for start in range(0, n, chunk_rows):
        out[:, start:start + chunk_rows] = mlp_forward(params, rows(start, start + chunk_rows),
                                                       activation)
    return out

r"""``fit_mentoring_ensemble``: pretraining, then mentoring around the anchors, inside fit.

After pretraining, ``config.fit_mentoring_rounds`` rounds of shared mentoring are run on the
neighbourhoods of the ``config.fit_anchors`` best training designs, the region where a design
optimizer starts its search. The model an acquisition function receives is thus already
mentored there. The pretrained weights are kept as well: the paper's ascent
(``optimize_designs`` with ``initial_proxies="pretrained"``) starts from them.
"""

from __future__ import annotations

import torch

from botorch_mentor.config import MentoringConfig
from botorch_mentor.fitting.pretrain import (
    predict_rows,
    prediction_chunk_rows,
    pretrain_proxies,
)
from botorch_mentor.mentoring.neighbourhood import sample_neighbourhood
from botorch_mentor.mentoring.pairwise import grouped_pair_indices
from botorch_mentor.mentoring.step import mentoring_step
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.random import make_generator, select_rows


def fit_mentoring_ensemble(
    model: MentoringEnsemble,
    *,
    mentoring_rounds: int | None = None,
    progress: bool = False,
) -> MentoringEnsemble:
    r"""Pretrain every proxy of ``model`` and mentor them around the anchors.

    Args:
        model: The ``MentoringEnsemble`` to fit (in place).
        mentoring_rounds: Overrides ``model.config.fit_mentoring_rounds``.
        progress: Show progress bars.

    Returns:
        The fitted model, in eval mode.
    """
    if not isinstance(model, MentoringEnsemble):
        raise TypeError(
            f"fit_mentoring_ensemble expects a MentoringEnsemble, got {type(model).__name__}."
        )
    config = model.config
    rounds = config.fit_mentoring_rounds if mentoring_rounds is None else mentoring_rounds
    if not isinstance(rounds, int) or isinstance(rounds, bool) or rounds < 0:
        raise ValueError(f"mentoring_rounds must be an integer >= 0, got {rounds!r}.")
    device = model.train_X.device
    Z, y = model.latent_rows(), model.latent_training_scores()  # rows standardized as read
    pretrained = pretrain_proxies(
        model.pretrained_params(), Z, y, config,
        generator=make_generator(config.seed, device, "splits"), progress=progress,
    )
    params = pretrained.params
    model.set_pretrained_params(params)
    model.val_pearson.copy_(pretrained.val_pearson)
    if rounds > 0:
        params = mentor_around_anchors(
            params, Z, y, config, rounds, make_generator(config.seed, device, "fit_mentoring")
        )
    model.set_proxy_params(params)
    if config.calibrate_variance:
        predictions = predict_rows(params, Z, config.activation,
                                   prediction_chunk_rows(config.n_proxies, config.hidden_sizes))
        scale = spread_scale(predictions, y, pretrained.val_index)
        model.spread_scale.fill_(scale)
    model.is_fitted.fill_(True)
    return model.eval()


def spread_scale(predictions: torch.Tensor, y: torch.Tensor, val_index: torch.Tensor) -> float:
    r"""The factor by which the members' spread around their mean must be scaled so that the
    ensemble's Gaussian predictive distribution is calibrated on average, estimated from every
    proxy's errors on its own held-out rows.

    For a held-out row ``n`` of proxy ``i``, ``y_n - f_i(x_n) = (y_n - fbar) + (fbar - f_i)``.
    If the members scatter exchangeably around their mean, the two terms are uncorrelated on
    average and the second has variance ``sigma^2 (M - 1) / M`` (``sigma^2``: the members'
    unbiased variance, as BoTorch's ``EnsemblePosterior`` reports it). So

        s^2 = mean[(y_n - f_i(x_n))^2] / mean[sigma_n^2] - (M - 1) / M

    makes the mean squared error of the ensemble mean equal ``s^2`` times the mean posterior
    variance. A ratio of means, not a mean of ratios: with 3 to 5 members ``1 / sigma^2`` has
    an infinite or large expectation, which would inflate the scale.

    Args:
        predictions: ``M x N`` latent predictions of the (final) proxies at every row.
        y: ``N`` latent scores.
        val_index: ``M x n_val`` held-out rows of each proxy.

    Returns:
        ``s`` (at least 1e-3).
    """
    M = predictions.shape[0]
    variance = predictions.var(dim=0)  # N, unbiased
    errors = y[val_index] - predictions.gather(1, val_index)  # each proxy on its own rows
    squared = float(errors.square().mean() / variance[val_index].mean()) - (M - 1) / M
    return max(squared, 1e-6) ** 0.5


def mentor_around_anchors(
    params: tuple[torch.Tensor, ...],
    Z: torch.Tensor,
    y: torch.Tensor,
    config: MentoringConfig,
    rounds: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, ...]:
    r"""``rounds`` shared mentoring steps on neighbourhoods of the top ``config.fit_anchors``
    training designs.

    Args:
        params: ``Params`` of the ``M`` proxies.
        Z: An ``N x d``-dim tensor of latent training designs (or ``LatentRows``: the
            anchors and outer batches are read from it by index).
        y: An ``N``-dim tensor of latent training scores.

    Returns:
        The mentored ``Params``.
    """
    n_anchors = min(config.fit_anchors, Z.shape[0])
    anchors = Z[y.topk(n_anchors).indices]  # A x d
    pairs = grouped_pair_indices(n_anchors, config.n_neighbours, device=Z.device)
    for _ in range(rounds):
        points = sample_neighbourhood(anchors, config.n_neighbours, config.noise_std, generator)
        data_X, data_y = select_rows(Z, y, config.outer_batch_size, generator)
        params, _ = mentoring_step(
            params, points.reshape(1, -1, Z.shape[-1]), pairs, config.n_proxies,
            data_X, data_y, config,
        )
    return params

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
from botorch_mentor.fitting.pretrain import pretrain_proxies
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
    **kwargs: object,
) -> MentoringEnsemble:
    r"""Pretrain every proxy of ``model`` and mentor them around the anchors.

    Args:
        model: The ``MentoringEnsemble`` to fit (in place).
        mentoring_rounds: Overrides ``model.config.fit_mentoring_rounds``.
        progress: Show progress bars.
        kwargs: Ignored (Ax's ``fit_botorch_model`` passes optimizer settings meant for GPs).

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
    generator = make_generator(config.seed, model.train_X.device)
    Z, y = model.latent_training_data()
    pretrained = pretrain_proxies(
        model.pretrained_params(), Z, y, config, generator=generator, progress=progress
    )
    params = pretrained.params
    model.set_pretrained_params(params)
    model.val_pearson.copy_(pretrained.val_pearson)
    if rounds > 0:
        params = mentor_around_anchors(params, Z, y, config, rounds, generator)
    model.set_proxy_params(params)
    model.is_fitted.fill_(True)
    return model.eval()


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
        Z: An ``N x d``-dim tensor of latent training designs.
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

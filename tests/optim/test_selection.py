"""Batch selection: the greedy rule against a loop written out here, and ``optimize_designs``
with a selection against the ensemble's own predictions of the visited designs."""

from __future__ import annotations

import math

import pytest
import torch

from botorch_mentor import MentoringEnsemble, fit_mentoring_ensemble, optimize_designs
from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.selection import (
    BatchSelection,
    data_resolution,
    greedy_select,
    in_training_data,
)
from tests.conftest import DTYPES, tiny_config


def _reference_greedy(scores, D, n, penalty, ell, first=None):
    """The rule of the module docstring, one Python loop per choice."""
    P = len(scores)
    chosen = []
    for _ in range(min(n, P)):
        best, best_value = None, -math.inf
        rest = [i for i in range(P) if i not in chosen]
        if first is not None and any(first[i] for i in rest):
            rest = [i for i in rest if first[i]]
        for i in rest:
            near = max((math.exp(-D[i][s] / ell) for s in chosen), default=0.0)
            value = scores[i] - penalty * near
            if value > best_value:
                best, best_value = i, value
        chosen.append(best)
    return chosen


@pytest.mark.parametrize("penalty", [0.0, 0.3, 2.0])
@pytest.mark.parametrize("with_first", [False, True])
def test_greedy_select_matches_the_written_out_rule(penalty, with_first):
    g = torch.Generator().manual_seed(3)
    points = torch.randn(25, 2, generator=g, dtype=torch.float64)
    D = torch.cdist(points, points)
    scores = torch.randn(25, generator=g, dtype=torch.float64)
    first = torch.rand(25, generator=g) < 0.6 if with_first else None
    chosen = greedy_select(scores, lambda i: D[i], 12, penalty, 0.7, eligible_first=first)
    expected = _reference_greedy(scores.tolist(), D.tolist(), 12, penalty, 0.7,
                                 None if first is None else first.tolist())
    assert chosen.tolist() == expected
    if penalty == 0.0 and not with_first:
        assert chosen.tolist() == scores.argsort(descending=True)[:12].tolist()
    assert greedy_select(scores, lambda i: D[i], 40, penalty, 0.7).numel() == 25


def test_data_resolution_and_training_membership_by_hand():
    tokens = torch.tensor([[0, 0], [0, 1], [3, 3], [3, 3]])
    assert data_resolution(tokens) == 1.0  # nearest: 1, 1, 2 (repeats count once)
    line = torch.tensor([[0.0], [1.0], [3.0]], dtype=torch.float64)
    assert data_resolution(line) == 1.0
    assert data_resolution(torch.zeros(3, 2)) == 1.0  # one distinct design
    assert in_training_data(torch.tensor([[0, 1], [1, 1]]), tokens).tolist() == [True, False]
    near = torch.tensor([[1.0 + 1e-6], [2.0]], dtype=torch.float64)
    assert in_training_data(near, line).tolist() == [True, False]


def test_bad_selection_settings_are_refused():
    with pytest.raises(ValueError, match="positive integer"):
        BatchSelection(n=0)
    with pytest.raises(ValueError, match="finite number >= 0"):
        BatchSelection(penalty=-1.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_plain_ascent_selection_is_the_best_new_visited_designs(fitted_model, dtype):
    """Without mentoring every visited design is predicted by the one ensemble: with no
    penalty the batch must be the n best distinct visited designs outside the data."""
    model = fitted_model if dtype == torch.float64 else _float32(fitted_model)
    start = model.train_X[model.train_Y.squeeze(-1).topk(6).indices]
    plain = optimize_designs(model, start, mentoring=False, steps=6, lr=0.05)
    chosen = optimize_designs(model, start, mentoring=False, steps=6, lr=0.05,
                              selection=BatchSelection(n=10, penalty=0.0))
    visited = plain.design_trajectory.reshape(-1, 4)
    visited = torch.unique(visited, dim=0)
    new = ~in_training_data(model.to_latent(visited), model.to_latent(model.train_X))
    visited = visited[new]
    with torch.no_grad():  # the ascent starts from the pretrained proxies
        latent = model.predict_latent(model.to_latent(visited), model.pretrained_params())
        means = model.to_original_units(latent.mean(0))
    expected = visited[means.argsort(descending=True)[:10]]
    torch.testing.assert_close(chosen.designs, expected)
    torch.testing.assert_close(chosen.predictions, means.sort(descending=True).values[:10])
    torch.testing.assert_close(chosen.member_predictions, chosen.unmentored_predictions)
    assert chosen.pool_size == torch.unique(plain.design_trajectory.reshape(-1, 4), dim=0).shape[0]
    assert chosen.trajectory.shape == plain.trajectory.shape  # the ascents are unchanged


def _float32(model):
    X, Y = model.train_X.float(), model.train_Y.float()
    return fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=model.config))


def test_per_candidate_designs_are_predicted_by_their_own_mentored_proxies(fitted_model):
    """One candidate: every visited design is predicted by that candidate's final proxies,
    so the final design's member predictions are the plain run's."""
    start = fitted_model.train_X[fitted_model.train_Y.squeeze(-1).argmax()].unsqueeze(0)
    kwargs = dict(steps=5, seed=4)
    plain = optimize_designs(fitted_model, start, **kwargs)
    chosen = optimize_designs(fitted_model, start, selection=BatchSelection(n=50, penalty=0.0),
                              **kwargs)
    # 6 visited designs; the start, a training design, comes after the new ones
    assert chosen.designs.shape[0] == 6 and chosen.pool_size == 6
    in_data = in_training_data(fitted_model.to_latent(chosen.designs),
                               fitted_model.to_latent(fitted_model.train_X))
    assert in_data.sum() == 1
    assert optimize_designs(fitted_model, start, selection=BatchSelection(n=5, penalty=0.0),
                            **kwargs).designs.shape[0] == 5
    assert not in_training_data(
        fitted_model.to_latent(optimize_designs(
            fitted_model, start, selection=BatchSelection(n=5, penalty=0.0), **kwargs).designs),
        fitted_model.to_latent(fitted_model.train_X)).any()
    final = (chosen.designs - plain.designs[0]).abs().amax(-1).argmin()
    torch.testing.assert_close(chosen.designs[final], plain.designs[0])
    torch.testing.assert_close(chosen.member_predictions[final], plain.member_predictions[0])
    torch.testing.assert_close(chosen.unmentored_predictions[final],
                               plain.unmentored_predictions[0])
    assert (chosen.predictions[:-1] >= chosen.predictions[1:]).all()  # best first


def _sequence_model(seed: int, letter: int, starts: int):
    """150 random 5-mers over 4 letters scored by their count of ``letter``: the tokens, a
    fitted tiny ensemble and the ``starts`` best designs as logits."""
    tokens = torch.randint(0, 4, (150, 5), generator=torch.Generator().manual_seed(seed))
    X = sequences_to_logits(tokens, 4)
    Y = (tokens == letter).sum(-1, keepdim=True).double()
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config(
        fit_mentoring_rounds=0)))
    return tokens, model, X[Y.squeeze(-1).topk(starts).indices]


def test_sequences_are_selected_as_distinct_decoded_designs():
    tokens, model, start = _sequence_model(5, letter=2, starts=4)
    result = optimize_designs(model, start, steps=8, lr=0.5, mentoring=False,
                              design_space=DesignSpace.sequences(5, 4),
                              selection=BatchSelection(n=12, penalty=0.5))
    chosen = logits_to_sequences(result.designs, 5, 4)
    torch.testing.assert_close(result.designs, sequences_to_logits(chosen, 4))  # canonical
    assert torch.unique(chosen, dim=0).shape[0] == chosen.shape[0]
    assert not in_training_data(chosen, tokens).any() or chosen.shape[0] == result.pool_size
    with torch.no_grad():
        latent = model.predict_latent(model.to_latent(result.designs), model.pretrained_params())
    torch.testing.assert_close(result.predictions, model.to_original_units(latent.mean(0)))


def test_the_plain_batch_is_predicted_at_its_decoded_designs():
    """With a design space the C final designs are the decoded sequences and are predicted as
    written; the relaxed points' objective is kept apart (the decoding's gap)."""
    _, model, start = _sequence_model(6, letter=1, starts=6)
    kwargs = dict(steps=6, lr=0.5, mentoring=False)
    relaxed = optimize_designs(model, start, **kwargs)
    decoded = optimize_designs(model, start, design_space=DesignSpace.sequences(5, 4), **kwargs)
    expected = sequences_to_logits(logits_to_sequences(relaxed.designs, 5, 4), 4)
    torch.testing.assert_close(decoded.designs, expected)
    torch.testing.assert_close(decoded.relaxed_predictions, relaxed.predictions)
    with torch.no_grad():
        latent = model.predict_latent(model.to_latent(expected), model.pretrained_params())
    torch.testing.assert_close(decoded.predictions, model.to_original_units(latent.mean(0)))
    assert not torch.allclose(decoded.predictions, decoded.relaxed_predictions)
    torch.testing.assert_close(relaxed.relaxed_predictions, relaxed.predictions)


def test_the_min_objective_reads_the_calibrated_spread():
    """With ``calibrate_variance`` the posterior scales the members' spread around their mean;
    the ascent's ``min`` is the minimum of those members, as the posterior gives them."""
    from tests.conftest import quadratic_data

    X, Y = quadratic_data(120)
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=tiny_config(
        fit_mentoring_rounds=0, calibrate_variance=True)))
    model.spread_scale.fill_(3.0)
    start = X[:5]
    result = optimize_designs(model, start, mentoring=False, objective="min", steps=0)
    with torch.no_grad():
        members = model.posterior(start.unsqueeze(-2)).values[..., 0, 0]  # 5 x M
    torch.testing.assert_close(result.predictions, members.min(-1).values)
    mean = optimize_designs(model, start, mentoring=False, objective="mean", steps=0)
    torch.testing.assert_close(mean.predictions, members.mean(-1))  # the mean is unchanged


def test_batch_selection_follows_the_config():
    from botorch_mentor import MentoringConfig
    from botorch_mentor.optim.selection import batch_selection

    assert batch_selection(MentoringConfig()) is None  # the paper's plain batch
    config = MentoringConfig(batch="distinct", diversity_penalty=0.7)
    assert batch_selection(config, n=9) == BatchSelection(n=9, penalty=0.7)
    assert batch_selection(config) == BatchSelection(penalty=0.7)

"""``mentoring_step`` against an independent, line-by-line autograd re-implementation.

The reference below is written from the paper's description (Chen et al., "Parallel-mentoring
for Offline Model-based Optimization", NeurIPS 2023, Algorithm 1, steps 2-6), one group and one
proxy at a time, with plain Python loops over the pairs and ``torch.autograd`` through an
unrolled, differentiable inner SGD step (``create_graph=True``). It shares no code with the
library: not its pair indices, voting, masks, losses, hypergradient or hand-written backward.
"""

from __future__ import annotations

import itertools
import warnings

import pytest
import torch

from botorch_mentor import MentoringConfig
from botorch_mentor.mentoring import grouped_pair_indices, mentoring_step, pair_indices
from botorch_mentor.nn import expand_members, init_params

ACTIVATION = {"relu": torch.relu, "tanh": torch.tanh}


def _proxy(weights: list[torch.Tensor], x: torch.Tensor, activation: str = "relu"):
    """One MLP given as ``[W0, b0, W1, b1, ...]`` with ``W: in x out``, ``b: 1 x out``."""
    h = x
    n_layers = len(weights) // 2
    for layer in range(n_layers):
        h = h @ weights[2 * layer] + weights[2 * layer + 1]
        if layer < n_layers - 1:
            h = ACTIVATION[activation](h)
    return h.squeeze(-1)


def _reference_group(
    members: list[list[torch.Tensor]],
    points: torch.Tensor,
    pairs: list[tuple[int, int]],
    data_X: torch.Tensor,
    data_y: torch.Tensor,
    alpha: float,
    gamma: float,
    voting: bool,
    soft_labels: bool,
    activation: str = "relu",
):
    """Steps 2-6 for the M proxies of one group. Returns new weights, outvoted fractions and
    mean |s - consensus| per proxy, and the number of evenly split votes."""
    M = len(members)
    with torch.no_grad():
        preds = [_proxy(w, points, activation) for w in members]
        mean_pred = sum(preds) / M
    # Steps 2-3: every proxy's label per pair, then the consensus.
    consensus, ties = [], 0
    labels = [[bool(p[a] > p[b]) for a, b in pairs] for p in preds]
    for m, (a, b) in enumerate(pairs):
        mean_label = bool(mean_pred[a] > mean_pred[b])
        if not voting:
            consensus.append(mean_label)
            continue
        ones = sum(labels[i][m] for i in range(M))
        if 2 * ones > M:
            consensus.append(True)
        elif 2 * ones < M:
            consensus.append(False)
        else:  # an even split: the ensemble mean's ranking
            consensus.append(mean_label)
            ties += 1

    new_members, outvoted, shifts = [], [], []
    for i, weights in enumerate(members):
        # Step 4: the mentoring set, the pairs where the proxy disagrees with the consensus.
        mine = [m for m in range(len(pairs)) if labels[i][m] != consensus[m]]
        outvoted.append(len(mine) / len(pairs))
        if not mine:
            new_members.append([w.clone() for w in weights])
            shifts.append(0.0)
            continue
        hard = torch.tensor([float(consensus[m]) for m in mine], dtype=points.dtype)
        idx_a = [pairs[m][0] for m in mine]
        idx_b = [pairs[m][1] for m in mine]

        def ce_loss(w, s, idx_a=idx_a, idx_b=idx_b):
            f = _proxy(w, points, activation)
            d = f[idx_a] - f[idx_b]
            # log p and log(1 - p) of p = sigmoid(d), in their accurate forms
            log_p = torch.nn.functional.logsigmoid(d)
            log_not_p = torch.nn.functional.logsigmoid(-d)
            return -(s * log_p + (1 - s) * log_not_p).mean()

        theta = [w.clone().requires_grad_(True) for w in weights]
        s = hard.clone()
        if soft_labels:
            # Step 5: one differentiable inner step, the outer MSE on the data, one step on s.
            s_var = hard.clone().requires_grad_(True)
            inner = torch.autograd.grad(ce_loss(theta, s_var), theta, create_graph=True)
            theta_prime = [w - alpha * g for w, g in zip(theta, inner)]
            outer = (_proxy(theta_prime, data_X, activation) - data_y).square().mean()
            (ds,) = torch.autograd.grad(outer, s_var)
            s = (hard - gamma * ds).clamp(0.0, 1.0).detach()
        # Step 6: one SGD step on the real weights with the (soft) labels.
        grads = torch.autograd.grad(ce_loss(theta, s), theta)
        new_members.append([(w - alpha * g).detach() for w, g in zip(theta, grads)])
        shifts.append(float((s - hard).abs().mean()))
    return new_members, outvoted, shifts, ties


def _split(params, e):
    """Network ``e`` of the library's stacked ``Params`` as a plain list of weights."""
    return [p[e].clone() for p in params]


def _problem(M, n_groups, K, d=3, width=10, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    # Distinct proxies per group, so groups really differ.
    params = init_params(n_groups * M, d, (width, width), generator=g, dtype=dtype)
    points = 0.8 * torch.randn(n_groups, K, d, generator=g, dtype=dtype)
    data_X = torch.randn(60, d, generator=g, dtype=dtype)
    data_y = torch.sin(data_X.sum(-1)) + 0.1 * torch.randn(60, generator=g, dtype=dtype)
    return params, points, data_X, data_y


ALPHA, GAMMA = 0.05, 40.0


def _config(M, K, voting, soft_labels, activation="relu"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # even M warns about ties
        return MentoringConfig.fast(
            n_proxies=M, hidden_sizes=(10, 10), n_neighbours=K, inner_lr=ALPHA,
            soft_label_lr=GAMMA, voting=voting, soft_labels=soft_labels, activation=activation,
        )


def _assert_close(actual, expected):
    torch.testing.assert_close(actual, expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("M", [3, 4, 5])
@pytest.mark.parametrize("voting", [True, False])
@pytest.mark.parametrize("soft_labels", [True, False])
def test_per_candidate_step_matches_reference(M, voting, soft_labels):
    K, n_groups = 7, 5
    params, points, data_X, data_y = _problem(M, n_groups, K, seed=M)
    config = _config(M, K, voting, soft_labels)
    mentored, stats = mentoring_step(params, points, pair_indices(K), M, data_X, data_y, config)

    pairs = list(itertools.combinations(range(K), 2))
    moved_labels = n_ties = 0
    for grp in range(n_groups):
        members = [_split(params, grp * M + i) for i in range(M)]
        expected, outvoted, shifts, ties = _reference_group(
            members, points[grp], pairs, data_X, data_y, ALPHA, GAMMA, voting, soft_labels
        )
        n_ties += ties
        for i in range(M):
            for got, want in zip(_split(mentored, grp * M + i), expected[i]):
                _assert_close(got, want)
        _assert_close(stats.disagreement[grp], torch.tensor(outvoted, dtype=torch.float64))
        _assert_close(stats.label_shift[grp], torch.tensor(shifts, dtype=torch.float64))
        moved_labels += sum(0.0 < s < 1.0 for s in shifts)
    # The problem is not degenerate: proxies are outvoted, and soft labels move but not all the
    # way to the clamp (so a flipped hypergradient sign cannot hide behind clamping).
    assert float(stats.disagreement.sum()) > 0
    if soft_labels:
        assert moved_labels > 0
    if voting and M % 2 == 0:
        assert n_ties > 0  # the tie-break was exercised


@pytest.mark.parametrize("voting", [True, False])
@pytest.mark.parametrize("soft_labels", [True, False])
def test_shared_step_matches_reference(voting, soft_labels):
    """Shared layout: one ensemble, the neighbourhoods of all candidates stacked, only pairs
    inside the same neighbourhood compared, one mentoring set per proxy over all of them."""
    M, K, n_candidates = 3, 5, 4
    params, points, data_X, data_y = _problem(M, 1, K * n_candidates, seed=7)
    config = _config(M, K, voting, soft_labels)
    a, b = grouped_pair_indices(n_candidates, K)
    mentored, stats = mentoring_step(params, points, (a, b), M, data_X, data_y, config)

    pairs = [(c * K + i, c * K + j) for c in range(n_candidates)
             for i, j in itertools.combinations(range(K), 2)]
    members = [_split(params, i) for i in range(M)]
    expected, outvoted, shifts, _ = _reference_group(
        members, points[0], pairs, data_X, data_y, ALPHA, GAMMA, voting, soft_labels
    )
    for i in range(M):
        for got, want in zip(_split(mentored, i), expected[i]):
            _assert_close(got, want)
    _assert_close(stats.disagreement[0], torch.tensor(outvoted, dtype=torch.float64))
    _assert_close(stats.label_shift[0], torch.tensor(shifts, dtype=torch.float64))
    assert float(stats.disagreement.sum()) > 0


def test_identical_copies_of_one_group_give_identical_results():
    """Per-candidate copies of the same proxies, mentored on the same points, stay equal: the
    batched layout leaks nothing between groups."""
    M, K = 3, 6
    g = torch.Generator().manual_seed(3)
    base = init_params(M, 3, (10, 10), generator=g, dtype=torch.float64)
    params = expand_members(base, 4)
    points = torch.randn(1, K, 3, generator=g, dtype=torch.float64).expand(4, K, 3)
    data_X = torch.randn(40, 3, generator=g, dtype=torch.float64)
    data_y = data_X[:, 0].clone()
    config = _config(M, K, True, True)
    mentored, _ = mentoring_step(params, points, pair_indices(K), M, data_X, data_y, config)
    for p in mentored:
        for grp in range(1, 4):
            _assert_close(p[grp * M : (grp + 1) * M], p[:M])


def test_smooth_activation_step_matches_reference():
    """A non-ReLU proxy (tanh): every pass of the step, including the outer-loss gradient that
    is not hand-written for it, must use the configured activation."""
    M, K, n_groups = 3, 6, 3
    params, points, data_X, data_y = _problem(M, n_groups, K, seed=11)
    config = _config(M, K, True, True, activation="tanh")
    mentored, stats = mentoring_step(params, points, pair_indices(K), M, data_X, data_y, config)
    pairs = list(itertools.combinations(range(K), 2))
    for grp in range(n_groups):
        members = [_split(params, grp * M + i) for i in range(M)]
        expected, _, shifts, _ = _reference_group(
            members, points[grp], pairs, data_X, data_y, ALPHA, GAMMA, True, True, "tanh"
        )
        for i in range(M):
            for got, want in zip(_split(mentored, grp * M + i), expected[i]):
                _assert_close(got, want)
        _assert_close(stats.label_shift[grp], torch.tensor(shifts, dtype=torch.float64))
    assert float(stats.disagreement.sum()) > 0


def _reference_kernel_scale(weights, points, pairs, activation="relu"):
    """Mean over the pairs of ||grad_theta (f(x_a) - f(x_b))||^2, one autograd call per pair."""
    theta = [w.clone().requires_grad_(True) for w in weights]
    total = 0.0
    for a, b in pairs:
        f = _proxy(theta, points, activation)
        grads = torch.autograd.grad(f[a] - f[b], theta)
        total += sum(float(g.square().sum()) for g in grads)
    return total / len(pairs)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("soft_labels", [True, False])
def test_scale_free_step_is_the_raw_step_with_alpha_over_kappa(activation, soft_labels):
    """``strength="scale_free"`` gives network e the raw step of size function_step / kappa_e,
    kappa_e computed here pair by pair with autograd (no tangent-kernel identity)."""
    M, K, n_groups, function_step = 3, 6, 3, 0.3
    params, points, data_X, data_y = _problem(M, n_groups, K, seed=11)
    config = _config(M, K, True, soft_labels, activation).replace(
        strength="scale_free", function_step=function_step
    )
    mentored, stats = mentoring_step(params, points, pair_indices(K), M, data_X, data_y, config)
    pairs = list(itertools.combinations(range(K), 2))
    kappas = [
        _reference_kernel_scale(_split(params, e), points[e // M], pairs, activation)
        for e in range(n_groups * M)
    ]
    floor = 0.1 * sorted(kappas)[(len(kappas) - 1) // 2]  # torch's median: the lower one
    moved = 0
    for grp in range(n_groups):
        members = [_split(params, grp * M + i) for i in range(M)]
        for i in range(M):
            kappa = max(kappas[grp * M + i], floor)
            expected, _, shifts, _ = _reference_group(
                members, points[grp], pairs, data_X, data_y, function_step / kappa, GAMMA,
                True, soft_labels, activation,
            )
            for got, want in zip(_split(mentored, grp * M + i), expected[i]):
                _assert_close(got, want)
            _assert_close(stats.label_shift[grp, i], torch.tensor(shifts[i], dtype=torch.float64))
            moved += any(not torch.equal(g, w) for g, w in zip(expected[i], members[i]))
    assert moved > 0  # some proxies were outvoted and mentored


def test_scale_free_floor_protects_flat_networks():
    """A network with a nearly flat neighbourhood (kappa ~ 0) gets kappa = 0.1 x the median
    of the positive kappas, not an unbounded alpha; a network with kappa exactly 0 gets an
    infinite kernel (alpha 0), also when most networks are flat (the median over all of them
    would be 0) or all are."""
    import math

    from botorch_mentor.mentoring.step import scale_free_kernel

    inf = math.inf
    kappa = torch.tensor([2.0, 4.0, 1e-12, 6.0, 0.0], dtype=torch.float64)
    torch.testing.assert_close(  # positive kappas 1e-12, 2, 4, 6: lower median 2
        scale_free_kernel(kappa), torch.tensor([2.0, 4.0, 0.2, 6.0, inf], dtype=torch.float64)
    )
    mostly_flat = torch.tensor([0.0, 0.0, 0.0, 3.0, 1e-9], dtype=torch.float64)
    torch.testing.assert_close(  # positive kappas 1e-9, 3: lower median 1e-9
        scale_free_kernel(mostly_flat),
        torch.tensor([inf, inf, inf, 3.0, 1e-9], dtype=torch.float64))
    assert torch.isinf(scale_free_kernel(torch.zeros(4))).all()


def test_scale_free_alpha_is_bounded_and_zero_for_flat_networks():
    """function_step / kernel, at most MAX_SCALE_FREE_ALPHA (a lone nearly flat live network
    would otherwise get function_step / 1e-9), 0 where kappa = 0."""
    from botorch_mentor.mentoring.step import MAX_SCALE_FREE_ALPHA, scale_free_alpha

    kappa = torch.tensor([0.0, 0.0, 0.0, 3.0, 1e-9, 0.5], dtype=torch.float64)
    alpha = scale_free_alpha(kappa, function_step=0.06)
    # positive kappas 1e-9, 0.5, 3: lower median 0.5, floor 0.05
    expected = torch.tensor([0.0, 0.0, 0.0, 0.02, 0.06 / 0.05, 0.12], dtype=torch.float64)
    torch.testing.assert_close(alpha, expected)
    lone = scale_free_alpha(torch.tensor([0.0, 0.0, 1e-9], dtype=torch.float64), 0.06)
    assert lone[2] == MAX_SCALE_FREE_ALPHA
    assert torch.equal(lone[:2], torch.zeros(2, dtype=torch.float64))


def test_scale_free_step_leaves_dead_networks_unchanged_and_finite():
    """Networks whose pair differences have gradients too small to square (kappa underflows
    to 0: constant hidden units, output weights of 1e-170) beside live ones: they keep their
    weights (before: alpha ~ 1e306 moved them by ~1e136) and the step stays finite."""
    from botorch_mentor.config import MentoringConfig
    from botorch_mentor.mentoring.step import mentoring_step
    from botorch_mentor.nn import init_params

    M, G, K, d = 3, 2, 6, 4
    g = torch.Generator().manual_seed(0)
    params = init_params(G * M, d, (8,), generator=g, dtype=torch.float64)
    W1, b1, W2, b2 = (p.clone() for p in params)
    flat = [0, 3, 4]  # half the networks (the median kappa is 0), one outvoted in group 0
    W1[flat] = 0.0  # every hidden unit constant, the output nearly flat
    b1[flat] = 1.0
    W2[flat] = 1e-170
    for weights in (W1, b1, W2, b2):  # group 0's live proxies agree: they outvote the flat one
        weights[2] = weights[1]
    params = (W1, b1, W2, b2)
    points = torch.randn(G, K, d, generator=g, dtype=torch.float64)
    a, b = torch.triu_indices(K, K, offset=1)
    data_X = torch.randn(30, d, generator=g, dtype=torch.float64)
    data_y = torch.randn(30, generator=g, dtype=torch.float64)
    config = MentoringConfig.fast(n_proxies=M, hidden_sizes=(8,), strength="scale_free")
    mentored, stats = mentoring_step(params, points, (a, b), M, data_X, data_y, config)
    assert stats.disagreement[0, 0] > 0  # the flat proxy of group 0 is outvoted
    for before, after in zip(params, mentored):
        assert torch.isfinite(after).all()
        assert torch.equal(after[flat], before[flat])

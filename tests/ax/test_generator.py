import numpy as np
import pytest
import torch
from ax.exceptions.core import UnsupportedError

from botorch_mentor.ax import attach_dataset, mentoring_generation_strategy
from tests.ax.conftest import (
    SMALL,
    hartmann_client,
    hartmann_value,
    tfbind_client,
    tfbind_value,
    uniform_hartmann_quantile,
    uniform_tfbind_mean_quantile,
)


@pytest.mark.slow
def test_continuous_proposals_beat_random_sampling(hartmann_full_frame):
    """Every proposal above the 90th percentile of uniformly random designs: a bar that six
    random proposals clear with probability 1e-6."""
    client = hartmann_client()
    attach_dataset(client, hartmann_full_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    values = [hartmann_value(p) for p in client.get_next_trials(max_trials=6).values()]
    assert min(values) > uniform_hartmann_quantile(0.9)


def test_continuous_proposals_are_distinct_in_bounds_and_not_pending(hartmann_frame):
    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=6)
    assert len(trials) == 6
    designs = [tuple(p.values()) for p in trials.values()]
    assert len(set(designs)) == 6  # distinct within the call
    for parameters in trials.values():
        assert all(0.0 <= parameters[f"x{i}"] <= 1.0 for i in range(6))
    # pending points are honoured: a second call proposes nothing already proposed
    again = client.get_next_trials(max_trials=3)
    assert not {tuple(p.values()) for p in again.values()} & set(designs)


def test_minimization(hartmann_frame):
    """The table holds the lower half of 400 random designs, so its minimum is the lowest of
    400: a random proposal goes below it with probability about 1/400."""
    client = hartmann_client(objective="-f")
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    values = [hartmann_value(p) for p in client.get_next_trials(max_trials=4).values()]
    assert min(values) < hartmann_frame["f"].min()


@pytest.mark.slow
def test_choice_parameters_through_one_hot(tfbind_frame):
    client = tfbind_client()
    attach_dataset(client, tfbind_frame, "binding")
    # The default (fast) preset: 6 to 8 of 8 above the bar across seeds and thread counts;
    # the tiny test proxies manage only 10-15 of 16.
    client.set_generation_strategy(mentoring_generation_strategy())
    trials = client.get_next_trials(max_trials=8)
    for parameters in trials.values():
        assert all(parameters[f"p{i}"] in "ACGT" for i in range(8))
    values = [tfbind_value(p) for p in trials.values()]
    # Half of all 8-mers beat the best attached row: 6 of 8 random proposals do so with
    # probability 0.14, and their mean beats the median mean of 8 random 8-mers half the time.
    assert sum(v > tfbind_frame["binding"].max() for v in values) >= 6
    assert np.mean(values) > uniform_tfbind_mean_quantile(8, 0.9)


def test_json_round_trip_keeps_the_generator(hartmann_frame, tmp_path):
    from ax.api.client import Client

    client = hartmann_client()
    frame = hartmann_frame.head(40)  # Ax's JSON costs ~40 ms per trial
    attach_dataset(client, frame, "f")
    tiny = {"hidden_sizes": [8, 8], "pretrain_epochs": 2, "ascent_steps": 5}  # any values do
    options = dict(preset="fast", mode="shared", seed=7, n_proxies=5, n_neighbours=6, **tiny)
    client.set_generation_strategy(mentoring_generation_strategy(**options))
    client.get_next_trials(max_trials=1)
    path = tmp_path / "experiment.json"
    client.save_to_json_file(str(path))
    loaded = Client.load_from_json_file(str(path))
    assert len(loaded._experiment.trials) == len(frame) + 1
    assert loaded._generation_strategy.name == client._generation_strategy.name
    (node,) = loaded._generation_strategy._nodes
    (spec,) = node.generator_specs
    assert spec.generator_enum.value == "TriMentoring"
    assert spec.generator_kwargs == {
        "preset": "fast", "mode": "shared", "seed": 7,
        "config": {"n_proxies": 5, "n_neighbours": 6, **tiny},
    }
    assert len(loaded.get_next_trials(max_trials=1)) == 1


def test_multi_objective_is_refused(hartmann_frame):
    client = hartmann_client()
    client.configure_optimization(objective="f, g")
    with pytest.raises(ValueError, match="multi-objective"):
        attach_dataset(client, hartmann_frame.assign(g=0.0), "f")


def test_outcome_constraints_are_refused(hartmann_frame):
    client = hartmann_client()
    client.configure_optimization(objective="f", outcome_constraints=["g >= 0"])
    with pytest.raises(ValueError, match="outcome constraints"):
        attach_dataset(client, hartmann_frame, "f")


def test_bad_generator_options():
    with pytest.raises(ValueError, match="preset"):
        mentoring_generation_strategy(preset="huge")
    with pytest.raises(ValueError, match="n_proxies"):
        mentoring_generation_strategy(n_proxies=1)


def test_objective_sign_rejects_constraints():
    import torch
    from ax.generators.torch_base import TorchOptConfig

    from botorch_mentor.ax.generator import _objective_sign

    weights = torch.tensor([[1.0, 0.0]])
    assert _objective_sign(TorchOptConfig(objective_weights=-weights)) == -1.0
    with pytest.raises(UnsupportedError, match="outcome constraints"):
        _objective_sign(TorchOptConfig(
            objective_weights=weights,
            outcome_constraints=(torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0]])),
        ))
    with pytest.raises(UnsupportedError, match="exactly one"):
        _objective_sign(TorchOptConfig(objective_weights=torch.tensor([[1.0, 1.0]])))


def test_integer_and_float_ranges_are_honoured():
    import numpy as np
    import pandas as pd
    from ax.api.client import Client
    from ax.api.configs import RangeParameterConfig

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.uniform(-2, 2, 300), "k": rng.integers(0, 11, 300)})
    frame["y"] = -(frame.a - 1.0) ** 2 - 0.1 * (frame.k - 7) ** 2
    frame = frame[frame.y < frame.y.quantile(0.6)]
    client = Client()
    client.configure_experiment(parameters=[
        RangeParameterConfig(name="a", parameter_type="float", bounds=(-2.0, 2.0)),
        RangeParameterConfig(name="k", parameter_type="int", bounds=(0, 10)),
    ])
    client.configure_optimization(objective="y")
    attach_dataset(client, frame, "y")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=5)
    for parameters in trials.values():
        assert isinstance(parameters["k"], int) and 0 <= parameters["k"] <= 10
        assert -2.0 <= parameters["a"] <= 2.0


def test_small_spaces_are_searched_until_every_design_is_proposed():
    """Eight possible designs, five attached: the ascents land on attached designs, so the
    generator widens its search by perturbation and still finds the three new ones; with all
    eight observed it says the space is exhausted."""
    import itertools

    import pandas as pd
    from ax.api.client import Client
    from ax.api.configs import ChoiceParameterConfig

    designs = list(itertools.product("ab", repeat=3))
    frame = pd.DataFrame(designs, columns=["u", "v", "w"]).assign(
        y=[sum(c == "b" for c in d) + 0.1 * i for i, d in enumerate(designs)])
    attached = frame.iloc[[0, 1, 2, 4, 7]]
    client = Client()
    client.configure_experiment(parameters=[
        ChoiceParameterConfig(name=c, parameter_type="str", values=["a", "b"], is_ordered=False)
        for c in "uvw"])
    client.configure_optimization(objective="y")
    attach_dataset(client, pd.concat([attached] * 10, ignore_index=True), "y")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=3)
    proposed = {tuple(p[c] for c in "uvw") for p in trials.values()}
    assert proposed == {designs[i] for i in (3, 5, 6)}
    with pytest.raises(UnsupportedError, match="exhausted"):
        client.get_next_trials(max_trials=1)


def test_ascents_start_from_the_best_distinct_arms(monkeypatch):
    """A table with replicates: the ascent starts from the best distinct designs ranked by
    their mean score (pandas groupby as the reference), each once; a replicated mediocre
    design does not crowd out better ones."""
    import pandas as pd
    from ax.api.client import Client
    from ax.api.configs import RangeParameterConfig

    import botorch_mentor.ax.generator as generator_module

    rng = np.random.default_rng(3)
    X = rng.uniform(size=(40, 2)).round(3)
    y = X.sum(1)
    frame = pd.DataFrame(X, columns=["a", "b"]).assign(y=y)
    # the 20th best design, measured 12 times with a high and a low value: mean unchanged
    twentieth = frame.sort_values("y").iloc[-20]
    replicates = pd.DataFrame([twentieth] * 12).assign(
        y=twentieth.y + np.tile([0.5, -0.5], 6))
    frame = pd.concat([frame, replicates], ignore_index=True)
    client = Client()
    client.configure_experiment(parameters=[
        RangeParameterConfig(name=c, parameter_type="float", bounds=(0.0, 1.0)) for c in "ab"])
    client.configure_optimization(objective="y")
    attach_dataset(client, frame, "y")
    starts = []
    real = generator_module.optimize_designs

    def spy(model, start, **kwargs):
        starts.append(start.clone())
        return real(model, start, **kwargs)

    monkeypatch.setattr(generator_module, "optimize_designs", spy)
    client.set_generation_strategy(mentoring_generation_strategy(
        hidden_sizes=[8, 8], pretrain_epochs=2, ascent_steps=2))
    client.get_next_trials(max_trials=1)
    means = frame.groupby(["a", "b"]).y.mean().sort_values(ascending=False)
    expected = {tuple(round(v, 3) for v in key) for key in means.index[:16]}
    got = [tuple(round(float(v), 3) for v in row) for row in starts[0]]
    assert len(got) == len(set(got)) == 16
    assert set(got) == expected


def test_proposals_depend_on_the_seed_not_on_global_random_state(tfbind_frame):
    """The same generator seed gives the same trials whatever NumPy's and torch's global
    states are (Ax breaks one-hot ties with NumPy's global state; the generator rounds on a
    state seeded from its own seed)."""
    import torch

    proposals = []
    for global_seed in (0, 1):
        np.random.seed(global_seed)
        torch.manual_seed(global_seed)
        client = tfbind_client()
        attach_dataset(client, tfbind_frame, "binding")
        client.set_generation_strategy(mentoring_generation_strategy(
            seed=3, hidden_sizes=[16, 16], pretrain_epochs=3, ascent_steps=40))
        trials = client.get_next_trials(max_trials=6)
        proposals.append([tuple(p.values()) for p in trials.values()])
    assert proposals[0] == proposals[1]


def test_float32_proxies_as_on_a_gpu(hartmann_frame, monkeypatch):
    """On a GPU the generator fits float32 proxies on Ax's float64 data (as ``propose``
    does); the path is run here on the CPU with the GPU's precision forced, and returns
    Ax's dtype."""
    from botorch_mentor.ax import generator as module

    monkeypatch.setattr(module, "precision", lambda device: torch.float32)
    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=2)
    assert len({tuple(p.values()) for p in trials.values()}) == 2
    adapter = client._generation_strategy._curr.generator_specs[0].fitted_adapter
    model = next(iter(adapter.generator._models.values()))
    assert model.train_X.dtype == torch.float32


def test_fixed_float_parameter_is_honoured(hartmann_frame):
    """``get_next_trials(fixed_parameters=...)``: every arm holds the fixed value exactly, the
    other parameters still vary."""
    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=3, fixed_parameters={"x1": 0.25})
    assert len(trials) == 3
    assert all(p["x1"] == 0.25 for p in trials.values())
    for name in ("x0", "x2", "x3", "x4", "x5"):
        assert all(0.0 <= p[name] <= 1.0 for p in trials.values())
    assert len({tuple(p.values()) for p in trials.values()}) == 3
    assert len({p["x0"] for p in trials.values()}) > 1


def _record_gen(monkeypatch) -> list:
    """Record ``(generator, TorchGenResults)`` of every ``MentoringGenerator.gen`` call."""
    from botorch_mentor.ax import generator as module

    runs = []
    real = module.MentoringGenerator.gen

    def gen(self, *args, **kwargs):
        runs.append((self, real(self, *args, **kwargs)))
        return runs[-1][1]

    monkeypatch.setattr(module.MentoringGenerator, "gen", gen)
    return runs


def _assert_predicted_at_the_arms(runs) -> None:
    """Each arm's ``gen_metadata["predicted"]`` is the generator's prediction at that arm."""
    for generator, result in runs:
        mean, variance = generator.predict(result.points)
        predicted = torch.tensor(result.gen_metadata["predicted"], dtype=mean.dtype)
        assert torch.allclose(mean.reshape(-1), predicted, rtol=1e-5, atol=1e-6)
        assert (variance >= 0).all()


def test_different_fixed_values_do_not_share_proposals(hartmann_frame, monkeypatch):
    """Two calls with different fixed values on one fitted generator (its ascents are cached
    between calls): each call's arms were ascended with its own value (their predicted
    scores are the predictions at the arms returned), and hold it."""
    from botorch_mentor.ax import generator as module

    fits = []
    real = module.MentoringGenerator.fit

    def fit(self, *args, **kwargs):
        fits.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(module.MentoringGenerator, "fit", fit)
    runs = _record_gen(monkeypatch)
    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    first = client.get_next_trials(max_trials=2, fixed_parameters={"x1": 0.25})
    second = client.get_next_trials(max_trials=2, fixed_parameters={"x1": 0.75})
    assert len(fits) == 1  # one fitted generator: the second call could reuse cached ascents
    assert [p["x1"] for p in first.values()] == [0.25, 0.25]
    assert [p["x1"] for p in second.values()] == [0.75, 0.75]
    assert len(runs) == 4
    _assert_predicted_at_the_arms(runs)


def test_fixed_integer_and_choice_parameters_are_honoured():
    """A fixed integer range, and a fixed unordered choice (its one-hot columns) in a space of
    eight designs where the fixed letter leaves one new design: it is the one proposed."""
    import itertools

    import pandas as pd
    from ax.api.client import Client
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.uniform(-2, 2, 200), "k": rng.integers(0, 11, 200)})
    frame["y"] = -(frame.a - 1.0) ** 2 - 0.1 * (frame.k - 7) ** 2
    client = Client()
    client.configure_experiment(parameters=[
        RangeParameterConfig(name="a", parameter_type="float", bounds=(-2.0, 2.0)),
        RangeParameterConfig(name="k", parameter_type="int", bounds=(0, 10)),
    ])
    client.configure_optimization(objective="y")
    attach_dataset(client, frame, "y")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=3, fixed_parameters={"k": 2})
    assert [p["k"] for p in trials.values()] == [2, 2, 2]
    assert len({p["a"] for p in trials.values()}) == 3

    designs = list(itertools.product("ab", repeat=3))
    frame = pd.DataFrame(designs, columns=["u", "v", "w"]).assign(
        y=[sum(c == "b" for c in d) + 0.1 * i for i, d in enumerate(designs)])
    client = Client()
    client.configure_experiment(parameters=[
        ChoiceParameterConfig(name=c, parameter_type="str", values=["a", "b"], is_ordered=False)
        for c in "uvw"])
    client.configure_optimization(objective="y")
    attach_dataset(client, pd.concat([frame.iloc[[0, 1, 2, 4, 7]]] * 10, ignore_index=True), "y")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    (parameters,) = client.get_next_trials(max_trials=1, fixed_parameters={"u": "a"}).values()
    assert tuple(parameters[c] for c in "uvw") == ("a", "b", "b")  # the one new "a.." design
    trials = client.get_next_trials(max_trials=2, fixed_parameters={"u": "b"})
    assert {tuple(p[c] for c in "uvw") for p in trials.values()} == {designs[5], designs[6]}


def test_minimization_predictions_come_from_the_generating_model(hartmann_frame, monkeypatch):
    """For a minimization the arms come from the ensemble fitted on ``-Y``; ``predict`` answers
    with that ensemble in the units of ``Y`` (what ``gen_metadata["predicted"]`` says), and
    no ensemble is fitted on ``+Y`` for Ax's predictions of the new arms."""
    runs = _record_gen(monkeypatch)
    client = hartmann_client(objective="-f")
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=2)
    assert len(runs) == 2
    _assert_predicted_at_the_arms(runs)
    assert all(set(generator._models) == {-1.0} for generator, _ in runs)
    # Ax's predictions of the arms (from predict, in the units of f): low, as the arms were
    # chosen for
    for index in trials:
        means, _ = client._experiment.trials[index].generator_run.model_predictions
        assert means["f"][0] < hartmann_frame["f"].median()


def test_strategy_name_says_whether_the_ascent_mentors(monkeypatch, hartmann_frame):
    """The default design preset ascends without mentoring; mentoring=True and the paper
    preset mentor; the generator receives the setting and its ascent follows it."""
    import botorch_mentor.ax.generator as generator

    assert mentoring_generation_strategy().name == "mean-ensemble ascent (fast)"
    assert mentoring_generation_strategy(mentoring=True).name == (
        "tri-mentoring (per_candidate, fast)")
    assert mentoring_generation_strategy(preset="paper").name == (
        "tri-mentoring (per_candidate, paper)")
    seen = []
    real = generator.optimize_designs

    def spy(model, start, **kwargs):
        result = real(model, start, **kwargs)
        seen.append(result.disagreement.numel() > 0)
        return result

    monkeypatch.setattr(generator, "optimize_designs", spy)
    for mentoring in (False, True):
        client = hartmann_client()
        attach_dataset(client, hartmann_frame, "f")
        client.set_generation_strategy(
            mentoring_generation_strategy(**{**SMALL, "mentoring": mentoring}))
        client.get_next_trials(max_trials=2)
        assert seen[-1] is mentoring

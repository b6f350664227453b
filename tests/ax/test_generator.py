import pytest
from ax.exceptions.core import UnsupportedError

from botorch_mentor.ax import attach_dataset, mentoring_generation_strategy
from tests.ax.conftest import (
    SMALL,
    hartmann_client,
    hartmann_value,
    tfbind_client,
    tfbind_value,
)


def test_continuous_proposals_beat_the_best_attached(hartmann_frame):
    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=6)
    assert len(trials) == 6
    designs = [tuple(p.values()) for p in trials.values()]
    assert len(set(designs)) == 6  # distinct within the call
    for parameters in trials.values():
        assert all(0.0 <= parameters[f"x{i}"] <= 1.0 for i in range(6))
    values = [hartmann_value(p) for p in trials.values()]
    assert max(values) > hartmann_frame["f"].max()
    # pending points are honoured: a second call proposes nothing already proposed
    again = client.get_next_trials(max_trials=3)
    assert not {tuple(p.values()) for p in again.values()} & set(designs)


def test_minimization(hartmann_frame):
    client = hartmann_client(objective="-f")
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    values = [hartmann_value(p) for p in client.get_next_trials(max_trials=4).values()]
    assert min(values) < hartmann_frame["f"].min()


def test_choice_parameters_through_one_hot(tfbind_frame):
    client = tfbind_client()
    attach_dataset(client, tfbind_frame, "binding")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    trials = client.get_next_trials(max_trials=8)
    for parameters in trials.values():
        assert all(parameters[f"p{i}"] in "ACGT" for i in range(8))
    values = [tfbind_value(p) for p in trials.values()]
    assert max(values) > tfbind_frame["binding"].max()


def test_json_round_trip_keeps_the_generator(hartmann_frame, tmp_path):
    from ax.api.client import Client

    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(mentoring_generation_strategy(**SMALL))
    client.get_next_trials(max_trials=1)
    path = tmp_path / "experiment.json"
    client.save_to_json_file(str(path))
    loaded = Client.load_from_json_file(str(path))
    assert len(loaded._experiment.trials) == len(hartmann_frame) + 1
    assert "tri-mentoring" in loaded._generation_strategy.name
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

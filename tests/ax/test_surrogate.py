import numpy as np
import pytest
import torch

from botorch_mentor.ax import attach_dataset, surrogate_generation_strategy
from tests.ax.conftest import SMALL, hartmann_client, tfbind_client, tfbind_value


@pytest.mark.parametrize("acquisition", ["qLogNEI", "qSimpleRegret"])
def test_drop_in_surrogate_continuous(hartmann_frame, acquisition):
    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    # the fast preset's proxies (width 64, 20 epochs); smaller ones extrapolate to the corners
    client.set_generation_strategy(surrogate_generation_strategy(acquisition, activation="silu"))
    torch.manual_seed(0)
    trials = client.get_next_trials(max_trials=3)
    assert len(trials) == 3
    for parameters in trials.values():
        assert all(0.0 <= parameters[f"x{i}"] <= 1.0 for i in range(6))
    # Ax's predictions come from the fitted ensemble: they track the attached values and
    # carry a strictly positive standard error (the members' spread).
    rows = hartmann_frame.iloc[:60]
    points = [{f"x{i}": float(r[f"x{i}"]) for i in range(6)} for _, r in rows.iterrows()]
    predictions = client.predict(points)
    means = np.array([p["f"][0] for p in predictions])
    sems = np.array([p["f"][1] for p in predictions])
    assert np.corrcoef(means, rows["f"].to_numpy())[0, 1] > 0.5
    assert (sems > 0).all()
    best = client.get_best_parameterization(use_model_predictions=True)
    assert best is not None and set(best[0]) == {f"x{i}" for i in range(6)}


def test_drop_in_surrogate_choices(tfbind_frame):
    client = tfbind_client()
    attach_dataset(client, tfbind_frame, "binding")
    client.set_generation_strategy(surrogate_generation_strategy("qLogNEI", activation="silu"))
    torch.manual_seed(0)
    trials = client.get_next_trials(max_trials=4)
    for parameters in trials.values():
        assert all(parameters[f"p{i}"] in "ACGT" for i in range(8))
    values = [tfbind_value(p) for p in trials.values()]
    # Half of all 8-mers beat the best attached row: 4 random proposals all do so with
    # probability 1/16.
    assert min(values) > tfbind_frame["binding"].max()


def test_model_options_are_json_and_round_trip(hartmann_frame, tmp_path):
    from ax.api.client import Client

    client = hartmann_client()
    attach_dataset(client, hartmann_frame, "f")
    client.set_generation_strategy(surrogate_generation_strategy("qSimpleRegret", **SMALL))
    client.get_next_trials(max_trials=1)
    client.save_to_json_file(str(tmp_path / "e.json"))
    loaded = Client.load_from_json_file(str(tmp_path / "e.json"))
    assert len(loaded.get_next_trials(max_trials=1)) == 1


def test_bad_acquisition_name():
    with pytest.raises(ValueError, match="acquisition"):
        surrogate_generation_strategy("EI")

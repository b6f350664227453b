import time

import numpy as np
import pandas as pd
import pytest

from botorch_mentor.ax import attach_dataset
from tests.ax.conftest import hartmann_client, tfbind_client


def test_thousands_of_rows_in_seconds():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.uniform(size=(3000, 6)), columns=[f"x{i}" for i in range(6)])
    frame["f"] = rng.normal(size=3000)
    client = hartmann_client()
    started = time.perf_counter()
    indices = attach_dataset(client, frame, "f")
    elapsed = time.perf_counter() - started
    assert indices == list(range(3000))
    experiment = client._experiment
    assert all(t.status.is_completed for t in experiment.trials.values())
    assert len(experiment.lookup_data().df) == 3000
    assert elapsed < 30  # generous; README reports the measured time


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.assign(f=f["f"].where(f.index != 7, np.nan)), "row 7, column 'f'"),
        (lambda f: f.assign(x2=f["x2"].where(f.index != 3, np.inf)), "row 3, column 'x2'"),
        (lambda f: f.assign(x0=f["x0"].where(f.index != 5, 1.5)), "row 5, column 'x0'.*bounds"),
        (lambda f: f.drop(columns=["x4"]), "missing column"),
        (lambda f: f.assign(f=f["f"].astype(object).where(f.index != 2, "high")), "row 2"),
    ],
)
def test_bad_rows_are_named(hartmann_frame, change, message):
    frame = change(hartmann_frame.reset_index(drop=True))
    client = hartmann_client()
    with pytest.raises(ValueError, match=message):
        attach_dataset(client, frame, "f")
    assert len(client._experiment.trials) == 0  # nothing attached from a bad table


def test_bad_choice_value(tfbind_frame):
    frame = tfbind_frame.reset_index(drop=True).copy()
    frame.loc[4, "p3"] = "N"
    with pytest.raises(ValueError, match="row 4, column 'p3'.*choice"):
        attach_dataset(tfbind_client(), frame, "binding")


def test_unknown_objective(hartmann_frame):
    with pytest.raises(ValueError, match="missing column|not a metric"):
        attach_dataset(hartmann_client(), hartmann_frame.rename(columns={"f": "g"}), "g")

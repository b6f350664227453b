"""The Superconductor task against independent references: the csv read with pandas, a forest
fitted here with scikit-learn and the recipe written out, Spearman computed by pandas."""

import gzip
import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import botorch_mentor
from botorch_mentor.tasks import get_task, list_tasks, superconductor_oracle, superconductor_task
from botorch_mentor.tasks.registry import TASKS

pytest.importorskip("sklearn")

CSV = Path(botorch_mentor.__file__).parent / "data" / "superconductor_unique_m.csv.gz"
CSV_SHA256 = "0b65422da1a14170caf74b581c0ace565fb7d5ab817f74226c68ac48e2fffeec"  # shared README


@pytest.fixture(scope="module")
def frame():
    return pd.read_csv(CSV)


@pytest.fixture(scope="module")
def task():
    return superconductor_task()


def test_embedded_table_checksum_and_shape(frame):
    assert hashlib.sha256(gzip.decompress(CSV.read_bytes())).hexdigest() == CSV_SHA256
    assert frame.shape == (21263, 88)
    assert list(frame.columns[[0, 85, 86, 87]]) == ["H", "Rn", "critical_temp", "material"]
    assert frame["material"].iloc[0] == "Ba0.2La1.8Cu1O4" and frame["Ba"].iloc[0] == 0.2


def test_visible_rows_best_and_normalization(task, frame):
    temperatures = frame["critical_temp"]
    visible = frame[temperatures <= temperatures.quantile(0.8)]
    assert task.x.shape == (len(visible), 86) == (17014, 86) and task.x.dtype == torch.float64
    assert float(task.y.max()) == visible["critical_temp"].max() == 74.0
    np.testing.assert_array_equal(task.x.numpy(), visible.iloc[:, :86].to_numpy(np.float64))
    np.testing.assert_array_equal(task.y[:, 0].numpy(), visible["critical_temp"].to_numpy())
    assert (task.y_min, task.y_max) == (0.00021, 185.0) == (temperatures.min(), temperatures.max())
    assert float(task.normalize(task.y.max())) == pytest.approx(0.400, abs=5e-4)
    assert task.summary()["designs"] == "continuous d=86" and "REBUILT" in task.source


def _reference_forest(frame, seed=0):
    """The recipe written out: 2,000 rows of the table drawn with default_rng(seed), the first
    1,000 z-scored (zero spread -> scale 1) and fitted, the other 1,000 held out."""
    from sklearn.ensemble import RandomForestRegressor

    x = frame.iloc[:, :86].to_numpy(np.float64)
    y = frame["critical_temp"].to_numpy(np.float64)
    rows = np.random.default_rng(seed).choice(len(frame), 2000, replace=False)
    train, held_out = rows[:1000], rows[1000:]
    mean, std = x[train].mean(0), x[train].std(0)
    std[std == 0] = 1.0
    forest = RandomForestRegressor(n_estimators=100, max_depth=100, max_features=1.0,
                                   random_state=seed)
    forest.fit((x[train] - mean) / std, (y[train] - y[train].mean()) / y[train].std())

    def predict(designs):
        return forest.predict((designs - mean) / std) * y[train].std() + y[train].mean()

    return predict, x, y, held_out


def test_oracle_equals_an_independently_fitted_forest(task, frame):
    predict, x, _, held_out = _reference_forest(frame)
    designs = np.concatenate([x[held_out[:4]], x[:3], np.full((1, 86), 0.5)])
    np.testing.assert_allclose(task.score(torch.as_tensor(designs)).numpy(), predict(designs),
                               rtol=1e-12, atol=1e-12)
    assert np.array_equal(task.oracle.validation_rows, held_out)


def test_oracle_is_deterministic_and_pickles_as_its_recipe(task):
    designs = task.x[::997]
    first = task.score(designs)
    assert torch.equal(first, task.score(designs)) and first.dtype == torch.float64
    assert superconductor_oracle() is task.oracle  # fitted once per process
    restored = pickle.loads(pickle.dumps(task))
    assert torch.equal(restored.score(designs), first)
    assert len(pickle.dumps(task.oracle)) < 1000  # the recipe, not the forest


def test_held_out_spearman(task, frame):
    oracle = task.oracle
    held_out = frame.iloc[oracle.validation_rows]
    predicted = task.score(torch.as_tensor(held_out.iloc[:, :86].to_numpy(np.float64)))
    spearman = pd.Series(predicted.numpy()).corr(
        pd.Series(held_out["critical_temp"].to_numpy()), method="spearman")
    assert oracle.validation_spearman == pytest.approx(spearman, abs=1e-12)
    assert spearman >= 0.9
    assert f"{spearman:.3f}" in task.source
    assert not set(oracle.train_rows) & set(oracle.validation_rows)


@pytest.mark.parametrize(
    "designs, match",
    [
        (torch.zeros(2, 85, dtype=torch.float64), "n x 86"),
        (torch.zeros(86, dtype=torch.float64), "n x 86"),
        (torch.zeros(2, 86, dtype=torch.float64).index_fill_(1, torch.tensor([7]), float("nan")),
         r"finite; found nan at row 0, column 7 \(O\)"),
        (torch.full((1, 86), float("inf")), "finite"),
    ],
)
def test_bad_designs_raise(task, designs, match):
    with pytest.raises(ValueError, match=match):
        task.score(designs)


def test_decode_clips_into_the_box(task, frame):
    bounds = task.bounds
    assert bounds.shape == (2, 86) and bool((bounds[0] == 0).all())
    np.testing.assert_array_equal(bounds[1].numpy(), frame.iloc[:, :86].max().to_numpy())
    assert bool(((task.x >= bounds[0]) & (task.x <= bounds[1])).all())
    for dtype in (torch.float32, torch.float64):
        proposal = task.x[:2].to(dtype).clone()
        proposal[0, :] = -2.8e-17  # what a proposal wrote before
        proposal[1, :] = bounds[1].to(dtype) + 1.0
        decoded = task.decode(proposal)
        assert torch.equal(decoded[0], torch.zeros(86, dtype=dtype))
        assert not bool(torch.signbit(decoded[0]).any())
        assert torch.equal(decoded[1], bounds[1].to(dtype))
    inside = task.x[:5]
    assert torch.equal(task.decode(task.features(inside)), inside)


def test_registry_lists_without_building(monkeypatch):
    entry = TASKS["superconductor"]
    assert entry.designs == "continuous d=86"
    assert "rebuilt" in entry.source and "extra: superconductor" in entry.source
    monkeypatch.setattr("botorch_mentor.tasks.superconductor._fitted_oracle",
                        lambda seed: pytest.fail("listing built the oracle"))
    assert "superconductor" in list_tasks()


def test_get_task_builds_it(task):
    assert get_task("superconductor").oracle is task.oracle


def test_missing_sklearn_names_the_extra(monkeypatch, task):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"botorch-mentor\[superconductor\]"):
        superconductor_task()  # even though this process already fitted the oracle

import hashlib
import io

import numpy as np
import pytest
import torch

from botorch_mentor.tasks import (
    OfflineTask,
    decode_dna,
    encode_dna,
    from_design_bench_folder,
    from_design_bench_task,
    get_task,
    list_tasks,
    synthetic_task,
    tfbind8,
    tfbind8_table,
)

# sha256 of design-bench 2.0.20's tf_bind_8-x-0.npy and tf_bind_8-y-0.npy (TFBind8-Exact-v0)
X_SHA = "8957a728704d2e6c5dbba921dd9e16cbd76797489b081c5dc7f39ca23582d95d"
Y_SHA = "a61dd97796a4173d3a2a3d016db44e5d42e1f1d6a39d9f1ad2465d2c6b94fcb7"


def _npy_sha(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def test_embedded_table_rebuilds_design_bench_files_byte_for_byte():
    x, y = tfbind8_table()
    assert x.shape == (65792, 8) and x.dtype == np.int32
    assert y.shape == (65792, 1) and y.dtype == np.float32
    assert _npy_sha(x) == X_SHA and _npy_sha(y) == Y_SHA


def test_tfbind8_has_design_bench_semantics():
    task = tfbind8()
    assert task.x.shape == (32898, 8) and task.discrete and task.num_classes == 4
    assert abs(float(task.y.max()) - 0.4393) < 1e-4
    assert (task.y_min, task.y_max) == (0.0, 1.0)
    assert task.score(torch.tensor(encode_dna(["AGGTATCA"])))[0] == 1.0
    assert torch.equal(task.score(task.x[:50]), task.y[:50, 0])
    assert task.n_features == 24
    torch.testing.assert_close(task.normalize(torch.tensor(0.5, dtype=torch.float64)),
                               torch.tensor(0.5, dtype=torch.float64))


def test_decode_inverts_features():
    task = tfbind8()
    assert torch.equal(task.decode(task.features(task.x[:20])), task.x[:20])
    assert decode_dna(encode_dna(["ACGT", "TTGA"])) == ["ACGT", "TTGA"]
    with pytest.raises(ValueError, match="A, C, G, T"):
        encode_dna(["ACGN"])


def test_from_lookup_table_small():
    x = np.array([[a, b] for a in range(3) for b in range(3)])
    y = np.arange(9, dtype=float)
    task = OfflineTask.from_lookup_table(x, y, num_classes=3, visible_quantile=0.5, name="toy")
    assert task.x.shape[0] == 5 and float(task.y.max()) == 4.0
    assert (task.y_min, task.y_max) == (0.0, 8.0)
    assert task.score(torch.tensor([[2, 2], [0, 1]])).tolist() == [8.0, 1.0]
    with pytest.raises(ValueError, match="not in the look-up table"):
        OfflineTask.from_lookup_table(x[:4], y[:4], 3).score(torch.tensor([[2, 2]]))


@pytest.mark.parametrize(
    "x, y, classes, match",
    [
        (np.array([[0, 1], [0, 1]]), np.array([1.0, 2.0]), 2, "different scores"),
        (np.array([[0, 5]]), np.array([1.0]), 4, "0..3"),
        (np.array([[0, 1]]), np.array([1.0, 2.0]), 4, "rows"),
        (np.array([[0, 1], [1, 1]]), np.array([np.nan, 1.0]), 4, "NaN"),
    ],
)
def test_from_lookup_table_errors(x, y, classes, match):
    with pytest.raises(ValueError, match=match):
        OfflineTask.from_lookup_table(x, y, classes)


def test_design_bench_folder_reader(tmp_path, monkeypatch):
    x, y = tfbind8_table()
    folder = tmp_path / "tf_bind_8-SIX6_REF_R1"
    folder.mkdir()
    np.save(folder / "tf_bind_8-x-0.npy", x)
    np.save(folder / "tf_bind_8-y-0.npy", y)
    task = from_design_bench_folder("tfbind8", tmp_path)
    assert task.x.shape == (32898, 8)
    monkeypatch.setenv("DESIGN_BENCH_DATA", str(tmp_path))
    assert from_design_bench_folder("tfbind8").x.shape == (32898, 8)
    with pytest.raises(FileNotFoundError, match="tf_bind_10-x-0.npy"):
        from_design_bench_folder("tfbind10")
    monkeypatch.delenv("DESIGN_BENCH_DATA")
    with pytest.raises(FileNotFoundError, match="DESIGN_BENCH_DATA"):
        from_design_bench_folder("tfbind8")


def test_pickled_npy_is_refused(tmp_path):
    folder = tmp_path / "tf_bind_8-SIX6_REF_R1"
    folder.mkdir()
    np.save(folder / "tf_bind_8-x-0.npy", np.array([{"evil": 1}], dtype=object))
    np.save(folder / "tf_bind_8-y-0.npy", np.zeros((1, 1)))
    with pytest.raises(ValueError, match="pickled"):
        from_design_bench_folder("tfbind8", tmp_path)


class StandInDesignBenchTask:
    """An object with the attributes of a design_bench.make(...) task."""

    is_discrete = True
    num_classes = 4
    dataset_name = "tf_bind_8-SIX6_REF_R1"

    def __init__(self):
        full = tfbind8()
        self.x, self.y = full.x[:100].numpy(), full.y[:100].numpy().astype(np.float32)
        self._oracle = full.oracle

    def predict(self, x):
        return self._oracle(torch.as_tensor(x)).numpy()[:, None]


def test_live_task_wrapper():
    task = from_design_bench_task(StandInDesignBenchTask(), y_min=0.0, y_max=1.0)
    assert task.discrete and task.x.shape == (100, 8)
    assert task.score(torch.tensor(encode_dna(["AGGTATCA"])))[0] == pytest.approx(1.0)
    with pytest.raises(TypeError, match="design_bench.make"):
        from_design_bench_task(object(), 0.0, 1.0)


@pytest.mark.parametrize("name", ["ackley", "rosenbrock", "levy", "hartmann6", "ackley60"])
def test_synthetic_tasks(name):
    task = synthetic_task(name, n_samples=512)
    assert not task.discrete and task.bounds.shape == (2, task.length)
    assert task.x.shape[0] == 256
    assert float(task.normalize(task.y).max()) < 1.0 and float(task.normalize(task.y).min()) >= 0
    torch.testing.assert_close(task.score(task.x[:5]), task.y[:5, 0])
    outside = task.bounds[1] + 10.0
    assert torch.equal(task.decode(outside.unsqueeze(0))[0], task.bounds[1])


def test_registry():
    assert {"tfbind8", "ackley", "hartmann6", "ackley60"} <= set(list_tasks())
    assert get_task("tfbind8").name == "tfbind8"
    with pytest.raises(ValueError, match="unknown task"):
        get_task("nope")

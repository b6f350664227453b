"""design-bench data folders: every shard, design-bench's semantics, the sample, the cache.

A small folder in TFBind10's layout (5-mers over 4 letters in 12 shards, some designs listed
several times with different scores) is checked against references computed here with plain
Python. The real-data section runs when ``DESIGN_BENCH_DATA`` names a folder holding
``tf_bind_10-pho4`` (and ``tf_bind_8-SIX6_REF_R1`` for the TFBind8 check).
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import numpy as np
import pytest
import torch

from botorch_mentor.tasks import design_bench as db
from botorch_mentor.tasks import get_task, tfbind8, tfbind8_table
from botorch_mentor.tasks.design_bench import (
    from_design_bench_folder,
    read_design_bench_table,
    sample_rows,
)

LENGTH = 5
SHARD_SIZES = [100, 1, 250, 37, 120, 90, 0, 200, 150, 111, 60, 114]
"""12 shards (numeric order differs from name order: 10 and 11 sort before 2), one empty."""
TWICE = [3, 2, 1, 0, 3]
"""Listed first in shard 0 with the largest score of all rows, last in shard 11 lower."""
UNLISTED = [0, 0, 0, 0, 1]
"""The one 5-mer the folder never lists."""


def _all_designs(length: int) -> np.ndarray:
    return np.array(np.meshgrid(*[range(4)] * length, indexing="ij")).reshape(length, -1).T


def _rows(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Every 5-mer but ``UNLISTED`` once, 200 of them again (8 of those three times) with new
    scores, and ``TWICE`` first and last; ``N x 5`` int32 and ``N x 1`` float32, as design-bench
    stores them."""
    rng = np.random.default_rng(seed)
    designs = [row for row in _all_designs(LENGTH).tolist() if row != UNLISTED]
    again = [designs[i] for i in rng.choice(len(designs), 200, replace=False)]
    x = np.array(designs + again + again[:8])[rng.permutation(len(designs) + 208)]
    x = np.concatenate([[TWICE], x, [TWICE]])
    y = np.concatenate([[9.0], rng.normal(size=len(x) - 2), [-0.25]])
    assert len(x) == sum(SHARD_SIZES)
    return x.astype(np.int32), y.astype(np.float32).reshape(-1, 1)


def _write(folder: Path, x: np.ndarray, y: np.ndarray, prefix: str = "tf_bind_10") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.cumsum([0, *SHARD_SIZES]) if len(x) == sum(SHARD_SIZES) else [0, len(x)]
    for i, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        np.save(folder / f"{prefix}-x-{i}.npy", x[start:stop])
        np.save(folder / f"{prefix}-y-{i}.npy", y[start:stop])


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A data root holding a small ``tf_bind_10-pho4``; the cache in ``tmp_path``."""
    monkeypatch.setenv("BOTORCH_MENTOR_CACHE", str(tmp_path / "cache"))
    x, y = _rows()
    _write(tmp_path / "data" / "tf_bind_10-pho4", x, y)
    return tmp_path / "data"


def _reference(x: np.ndarray, y: np.ndarray):
    """design-bench's semantics in plain Python: a dict filled in row order (last listed score
    wins), the rows at or below the median, bounds over every row."""
    table = {}
    for row, score in zip(x.tolist(), y[:, 0].tolist()):
        table[tuple(row)] = score
    median = statistics.median(y[:, 0].tolist())
    visible = [i for i, score in enumerate(y[:, 0].tolist()) if score <= median]
    return table, visible, float(min(y[:, 0].tolist())), float(max(y[:, 0].tolist()))


def _splitmix64(value: int) -> int:
    mask = 2**64 - 1
    z = (value + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def test_every_shard_is_read_in_shard_order(folder):
    x, y = _rows()
    read_x, read_y = read_design_bench_table("tfbind10", folder)
    assert read_x.dtype == np.int32 and read_y.dtype == np.float32
    np.testing.assert_array_equal(read_x, x)
    np.testing.assert_array_equal(read_y, y)


def test_folder_task_has_design_bench_semantics(folder):
    x, y = _rows()
    table, visible, y_min, y_max = _reference(x, y)
    task = from_design_bench_folder("tfbind10", folder)
    assert task.name == "tfbind10" and task.num_classes == 4 and task.length == LENGTH
    assert (task.y_min, task.y_max) == (y_min, y_max) == (y_min, 9.0)  # a row's, no design's
    assert task.x.dtype == torch.long and task.y.dtype == torch.float64
    assert torch.equal(task.x, torch.as_tensor(x[visible]).long())
    assert task.y[:, 0].tolist() == [float(y[i, 0]) for i in visible]
    assert len(visible) == 617 and task.x.shape == (617, LENGTH)
    listed = torch.tensor(sorted(table))
    assert task.score(listed).tolist() == [table[tuple(row)] for row in listed.tolist()]
    assert float(task.score(torch.tensor([TWICE]))[0]) == np.float32(-0.25)
    assert len(table) == 1023 and "12 shard(s), 1,233 rows, 1,023 of 1,024 designs" in task.source
    with pytest.raises(ValueError, match="1 design.*not in the look-up table"):
        task.score(torch.tensor([TWICE, UNLISTED]))


def test_oracle_refuses_malformed_designs(folder):
    task = from_design_bench_folder("tfbind10", folder)
    for designs, match in [(torch.zeros(2, 4, dtype=torch.long), "n x 5 integer"),
                           (torch.zeros(2, 5), "n x 5 integer"),
                           (torch.full((1, 5), 4), "0..3"), (torch.full((1, 5), -1), "0..3")]:
        with pytest.raises(ValueError, match=match):
            task.score(designs)
    assert task.score(torch.zeros(0, 5, dtype=torch.long)).shape == (0,)


def test_tfbind8_through_the_same_loader_is_bit_identical(tmp_path):
    x, y = tfbind8_table()
    _write(tmp_path / "tf_bind_8-SIX6_REF_R1", x, y, prefix="tf_bind_8")
    read_x, read_y = read_design_bench_table("tfbind8", tmp_path)
    assert read_x.dtype == x.dtype and read_y.dtype == y.dtype
    assert read_x.tobytes() == x.tobytes() and read_y.tobytes() == y.tobytes()
    _assert_same_task(from_design_bench_folder("tfbind8", tmp_path, cache=False), tfbind8())
    assert not (tmp_path / "cache").exists()


def _assert_same_task(task, shipped):
    assert task.name == shipped.name == "tfbind8"
    assert torch.equal(task.x, shipped.x) and torch.equal(task.y, shipped.y)
    assert (task.y_min, task.y_max) == (shipped.y_min, shipped.y_max)
    every = torch.as_tensor(_all_designs(8))
    assert torch.equal(task.score(every), shipped.score(every))


def test_sample_rows_is_splitmix64_ranked():
    assert _splitmix64(0) == 0xE220A8397B1DCDAF  # splitmix64's published first output, seed 0
    for count, size, seed in [(50, 7, 0), (1000, 30, 3), (5, 5, 1), (5, 9, 0)]:
        ranked = sorted(range(count), key=lambda row: _splitmix64((seed << 32) + row))
        expected = sorted(ranked[:size])
        kept = sample_rows(count, size, seed)
        assert kept.dtype == np.int64 and kept.tolist() == expected
    assert set(sample_rows(1000, 10, 2).tolist()) <= set(sample_rows(1000, 30, 2).tolist())
    with pytest.raises(ValueError, match="max_samples"):
        sample_rows(10, 0)
    with pytest.raises(ValueError, match="seed"):
        sample_rows(10, 3, seed=-1)


def test_max_samples_keeps_a_fixed_seeded_sample_of_the_visible_rows(folder):
    x, y = _rows()
    _, visible, _, _ = _reference(x, y)
    full = from_design_bench_folder("tfbind10", folder)
    task = from_design_bench_folder("tfbind10", folder, max_samples=100)
    kept = sorted(sorted(range(len(visible)), key=_splitmix64)[:100])
    assert task.name == "tfbind10-100" and task.x.shape == (100, LENGTH)
    assert torch.equal(task.x, full.x[kept]) and torch.equal(task.y, full.y[kept])
    assert (task.y_min, task.y_max) == (full.y_min, full.y_max)
    assert "a fixed sample of 100 (max_samples=100, seed=0)" in task.source
    again = from_design_bench_folder("tfbind10", folder, max_samples=100)
    assert torch.equal(again.x, task.x) and torch.equal(again.y, task.y)
    other = from_design_bench_folder("tfbind10", folder, max_samples=100, seed=4)
    assert other.name == "tfbind10-100-seed4" and not torch.equal(other.x, task.x)
    everything = from_design_bench_folder("tfbind10", folder, max_samples=30_000)
    assert everything.name == "tfbind10-30k" and torch.equal(everything.x, full.x)
    for bad in (0, -3, True, 2.5):
        with pytest.raises(ValueError, match="max_samples"):
            from_design_bench_folder("tfbind10", folder, max_samples=bad)


def test_cache_is_written_once_keyed_on_the_shards_and_checked(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    from_design_bench_folder("tfbind10", folder)  # a small folder: not cached by default
    assert not cache.exists()
    built = from_design_bench_folder("tfbind10", folder, cache=True)
    (file,) = cache.glob("design-bench-tf_bind_10-pho4-*.npz")

    def refuse(*args):
        raise AssertionError("the shards were read again")

    with monkeypatch.context() as patch:
        patch.setattr(db, "_build_arrays", refuse)
        cached = from_design_bench_folder("tfbind10", folder, cache=True)
    assert torch.equal(cached.x, built.x) and torch.equal(cached.y, built.y)
    assert (cached.y_min, cached.y_max, cached.source) == (built.y_min, built.y_max, built.source)
    torch.testing.assert_close(cached.oracle.table, built.oracle.table, rtol=0, atol=0,
                               equal_nan=True)

    x, y = _rows(seed=1)  # new data in the same files: another key, another build
    _write(folder / "tf_bind_10-pho4", x, y)
    table, visible, _, _ = _reference(x, y)
    rebuilt = from_design_bench_folder("tfbind10", folder, cache=True)
    assert torch.equal(rebuilt.x, torch.as_tensor(x[visible]).long())
    assert len(list(cache.glob("*.npz"))) == 2

    newest = max(cache.glob("*.npz"), key=lambda path: path.stat().st_mtime_ns)
    newest.write_bytes(newest.read_bytes()[:1000])  # a truncated cache file
    with pytest.warns(UserWarning, match="incomplete, corrupted or stale"):
        again = from_design_bench_folder("tfbind10", folder, cache=True)
    assert torch.equal(again.x, rebuilt.x)
    assert from_design_bench_folder("tfbind10", folder, cache=True).x.shape == rebuilt.x.shape


def test_missing_data_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DESIGN_BENCH_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="DESIGN_BENCH_DATA=.*") as error:
        from_design_bench_folder("tfbind10")
    assert "zhuyiyi-123/SOO-Bench" in str(error.value)
    with pytest.raises(FileNotFoundError, match="zhuyiyi-123/SOO-Bench"):
        get_task("tfbind10-30k")
    with pytest.raises(FileNotFoundError, match="tf_bind_10-x-0.npy.*SOO-Bench"):
        from_design_bench_folder("tfbind10", tmp_path)
    (tmp_path / "tf_bind_8-SIX6_REF_R1").mkdir()  # an empty folder
    with pytest.raises(FileNotFoundError, match="tf_bind_8-x-0.npy.*kaist-silab/bootgen"):
        from_design_bench_folder("tfbind8", tmp_path)


@pytest.mark.parametrize("gone", ["tf_bind_10-y-4.npy", "tf_bind_10-x-7.npy"])
def test_a_missing_shard_is_named(folder, gone):
    (folder / "tf_bind_10-pho4" / gone).unlink()
    with pytest.raises(FileNotFoundError, match=rf"lacks {gone}: its shards run from 0 to 11"):
        from_design_bench_folder("tfbind10", folder)


@pytest.mark.parametrize(
    "shard, change, match",
    [
        ("y-3", lambda a: a[:-1], "tf_bind_10-x-3.npy has 37 rows but tf_bind_10-y-3.npy has 36"),
        ("x-5", lambda a: a[:, :4], "tf_bind_10-x-5.npy holds sequences of length 4 but"),
        ("x-2", lambda a: a + 1, "tf_bind_10-x-2.npy holds tokens 1..4"),
        ("x-9", lambda a: a.astype(np.float32), "x-9.npy must hold an N x L integer array"),
        ("y-8", lambda a: np.where(a > 1, np.nan, a), "y-8.npy holds NaN"),
        ("y-1", lambda a: np.zeros((1, 2)), "y-1.npy must hold N x 1"),
    ],
)
def test_bad_shards_are_refused_by_name(folder, shard, change, match):
    path = folder / "tf_bind_10-pho4" / f"tf_bind_10-{shard}.npy"
    np.save(path, change(np.load(path)))
    with pytest.raises(ValueError, match=match):
        from_design_bench_folder("tfbind10", folder)


def test_registered_tfbind10_builds_from_the_variable(folder, monkeypatch):
    monkeypatch.setenv("DESIGN_BENCH_DATA", str(folder))
    full = get_task("tfbind10")
    sampled = get_task("tfbind10-30k")
    assert full.name == "tfbind10" and sampled.name == "tfbind10-30k"
    assert torch.equal(sampled.x, full.x)  # fewer than 30,000 visible rows: all of them
    assert "max_samples=30000, seed=0" in sampled.source


# --- the real data: set DESIGN_BENCH_DATA to a folder holding design-bench's folders ---------

REAL = Path(os.environ.get("DESIGN_BENCH_DATA", "/nonexistent"))
needs_tfbind10 = pytest.mark.skipif(
    not (REAL / "tf_bind_10-pho4").is_dir(),
    reason="DESIGN_BENCH_DATA does not hold design-bench's tf_bind_10-pho4 folder")


@pytest.fixture(scope="module")
def real_tfbind10(tmp_path_factory):
    """TFBind10 from the real folder, built into a fresh cache, then loaded from it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOTORCH_MENTOR_CACHE", str(tmp_path_factory.mktemp("cache")))
        from_design_bench_folder("tfbind10", REAL)
        yield from_design_bench_folder("tfbind10", REAL), from_design_bench_folder(
            "tfbind10", REAL, max_samples=30_000)


@needs_tfbind10
def test_real_tfbind10_has_design_bench_figures(real_tfbind10):
    task, _ = real_tfbind10
    assert task.x.shape == (4_161_482, 10)
    assert "84 shard(s), 8,321,066 rows, 1,048,576 of 1,048,576 designs" in task.source
    assert task.y_min == pytest.approx(-1.8585, abs=1e-4)
    assert task.y_max == pytest.approx(2.1287, abs=1e-4)
    assert float(task.y.max()) == pytest.approx(0.0053, abs=1e-4)
    assert float(task.normalize(task.y.max())) == pytest.approx(0.467, abs=1e-3)
    every = db._decode(np.arange(4**10), 10, 4)
    scores = torch.cat([task.score(chunk) for chunk in every.split(2**18)])
    assert bool(torch.isfinite(scores).all()) and task.oracle.known() == 4**10
    assert float(scores.min()) >= task.y_min and float(scores.max()) <= task.y_max


@needs_tfbind10
def test_real_tfbind10_sample(real_tfbind10):
    task, sampled = real_tfbind10
    assert sampled.name == "tfbind10-30k" and sampled.x.shape == (30_000, 10)
    kept = torch.as_tensor(sample_rows(task.x.shape[0], 30_000, 0))
    assert torch.equal(sampled.x, task.x[kept]) and torch.equal(sampled.y, task.y[kept])


@needs_tfbind10
def test_real_tfbind10_complement_symmetry():
    """design-bench's TFBind10 rows come in complement pairs: row ``i + N/2`` is row ``i`` with
    every token complemented (A<->T, C<->G, token ``3 - t``, same order) and the same score.
    So a 10-mer and its complement are listed with the same scores; the *last* listed of them
    differ, and the reverse complement is no symmetry of these rows (docs/guides/tasks.md)."""
    x, y = read_design_bench_table("tfbind10", REAL)
    half = x.shape[0] // 2
    assert x.shape[0] == 2 * half == 8_321_066
    np.testing.assert_array_equal(x[half:], 3 - x[:half])
    np.testing.assert_array_equal(y[half:], y[:half])


@pytest.mark.skipif(not (REAL / "tf_bind_8-SIX6_REF_R1").is_dir(),
                    reason="DESIGN_BENCH_DATA does not hold tf_bind_8-SIX6_REF_R1")
def test_real_tfbind8_folder_is_bit_identical_to_the_shipped_table():
    x, y = read_design_bench_table("tfbind8", REAL)
    shipped_x, shipped_y = tfbind8_table()
    assert x.dtype == shipped_x.dtype and y.dtype == shipped_y.dtype
    assert x.tobytes() == shipped_x.tobytes() and y.tobytes() == shipped_y.tobytes()
    _assert_same_task(from_design_bench_folder("tfbind8", REAL), tfbind8())

"""The task-data cache: keyed and checksummed files, atomic writes, and writes that fail
without losing the caller's data."""

from __future__ import annotations

import os

import numpy as np
import pytest

from botorch_mentor.tasks import cache


def test_round_trip_and_a_stale_or_damaged_file_reads_as_absent(tmp_path):
    data = {"a": np.arange(5.0), "b": np.eye(2, dtype=np.int64)}
    path = tmp_path / "x.npz"
    assert cache.save_arrays(path, "k1", data, ["a", "b"])
    loaded = cache.load_arrays(path, "k1", ["a", "b"])
    assert all(np.array_equal(loaded[k], data[k]) for k in data)
    with pytest.warns(UserWarning, match="stale"):
        assert cache.load_arrays(path, "k2", ["a", "b"]) is None
    path.write_bytes(path.read_bytes()[:-40] + bytes(40))
    with pytest.warns(UserWarning, match="corrupted"):
        assert cache.load_arrays(path, "k1", ["a", "b"]) is None
    assert cache.load_arrays(tmp_path / "none.npz", "k1", ["a"]) is None


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "settings.json"
    path.write_text('{"old": 1}')

    def crash(*args):
        raise KeyboardInterrupt  # killed between writing and renaming

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        cache.write_atomic(path, lambda stream: stream.write(b'{"new": 2'))
    assert path.read_text() == '{"old": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_a_failed_write_warns_and_returns_false(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.warns(UserWarning, match="kept in memory"):
        assert not cache.save_arrays(blocked / "x.npz", "k", {"a": np.ones(2)}, ["a"])


def test_settings_key_ignores_key_order():
    assert cache.settings_key({"a": 1, "b": [1, 2]}) == cache.settings_key({"b": [1, 2], "a": 1})
    assert cache.settings_key({"a": 1}) != cache.settings_key({"a": 2})

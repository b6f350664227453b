"""A benchmark killed mid-way (SIGKILL) resumes to the same records as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import pytest

from botorch_mentor.benchmark import read_records

SCRIPT = """
from botorch_mentor.benchmark import run_benchmark
from botorch_mentor.tasks import synthetic_task
task = synthetic_task("hartmann6", n_samples=400)
run_benchmark(task, methods=["grad-mean", "grad", "tri-mentoring-shared"], seeds=[0, 1, 2],
              output=OUTPUT,
              config_changes=dict(hidden_sizes=(16, 16), pretrain_epochs=2, n_candidates=8,
                                  ascent_steps=60, outer_batch_size=64))
"""
TIMINGS = {"fit_seconds", "method_seconds"}


def _run_here(output):
    """The same script in this process (same single thread): saves a Python start."""
    exec(compile(SCRIPT, "<benchmark script>", "exec"), {"OUTPUT": str(output)})


def _run(output, kill_after_records=None):
    process = subprocess.Popen([sys.executable, "-c", f"OUTPUT = {str(output)!r}\n{SCRIPT}"],
                               env={**os.environ, "OMP_NUM_THREADS": "1"})
    if kill_after_records is None:
        assert process.wait(timeout=600) == 0
        return
    deadline = time.time() + 600
    while len(read_records(output)) < kill_after_records:
        assert process.poll() is None, "finished before it could be killed"
        assert time.time() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def _without_timings(records):
    return sorted(
        ({k: v for k, v in r.items() if k not in TIMINGS} for r in records),
        key=lambda r: (r["seed"], r["method"]),
    )


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    interrupted, clean = tmp_path / "interrupted", tmp_path / "clean"
    _run(interrupted, kill_after_records=2)
    survivors = read_records(interrupted)
    assert 2 <= len(survivors) < 9  # finished records survived the kill, readable
    _run(interrupted)
    _run_here(clean)
    resumed = read_records(interrupted)
    assert len(resumed) == 9
    assert _without_timings(resumed) == _without_timings(read_records(clean))
    # the records that survived the kill were kept, not recomputed
    kept = {(r["method"], r["seed"]): r for r in resumed}
    for record in survivors:
        assert kept[(record["method"], record["seed"])] == record

"""The local executor's worker processes: the same records as one process, each seed's
proxies fitted once, records written as they finish, failures reported in place."""

from __future__ import annotations

import pytest
import torch

from botorch_mentor.benchmark import BenchmarkFailures, read_records, run_benchmark
from botorch_mentor.benchmark.runner import local_workers
from botorch_mentor.tasks import OfflineTask, synthetic_task

TINY = dict(hidden_sizes=(16, 16), pretrain_epochs=2, n_candidates=8, ascent_steps=4,
            outer_batch_size=64)
TIMINGS = {"fit_seconds", "method_seconds"}
METHODS = ["grad-mean", "tri-mentoring"]


@pytest.fixture(scope="module")
def small_task():
    return synthetic_task("hartmann6", n_samples=300)


def _strip(records):
    return [{k: v for k, v in r.items() if k not in TIMINGS} for r in records]


@pytest.mark.slow
def test_workers_give_the_records_of_one_process(small_task, tmp_path):
    serial = run_benchmark(small_task, methods=METHODS, seeds=[0, 1, 2], config_changes=TINY,
                           output=tmp_path / "serial", workers=1)
    pooled = run_benchmark(small_task, methods=METHODS, seeds=[0, 1, 2], config_changes=TINY,
                           output=tmp_path / "pooled", workers=2)
    assert _strip(pooled) == _strip(serial)
    written = read_records(tmp_path / "pooled")
    assert sorted((r["seed"], r["method"]) for r in written) == sorted(
        (s, m) for s in range(3) for m in METHODS)
    for seed in range(3):  # one fit per seed, shared by its methods
        fits = {r["fit_seconds"] for r in written if r["seed"] == seed}
        assert len(fits) == 1
    # resume: nothing left to run, nothing rerun
    again = run_benchmark(small_task, methods=METHODS, seeds=[0, 1, 2], config_changes=TINY,
                          output=tmp_path / "pooled", workers=2)
    assert again == [next(r for r in written if (r["seed"], r["method"]) == (s, m))
                     for s in range(3) for m in METHODS]


class SeedOneOracle:
    """Hartmann-6's oracle, down for the runs of seed 1 (``run_seed`` seeds torch first)."""

    def __init__(self, oracle):
        self.oracle = oracle

    def __call__(self, designs):
        if torch.initial_seed() == 1:
            raise RuntimeError("oracle down for seed 1")
        return self.oracle(designs)


@pytest.mark.slow
def test_a_failing_seed_is_reported_and_the_others_finish(small_task, tmp_path):
    task = OfflineTask(name="flaky", x=small_task.x, y=small_task.y,
                       oracle=SeedOneOracle(small_task.oracle), y_min=small_task.y_min,
                       y_max=small_task.y_max, bounds=small_task.bounds)
    with pytest.raises(BenchmarkFailures) as caught:
        run_benchmark(task, methods=["grad-mean"], seeds=[0, 1, 2], config_changes=TINY,
                      output=tmp_path, workers=2)
    assert caught.value.failures == [
        ("flaky", "grad-mean", 1, "RuntimeError: oracle down for seed 1")]
    assert sorted(r["seed"] for r in read_records(tmp_path)) == [0, 2]


def test_a_task_that_cannot_travel_says_what_to_do(small_task):
    task = OfflineTask(name="local", x=small_task.x, y=small_task.y,
                       oracle=lambda designs: small_task.oracle(designs),
                       y_min=small_task.y_min, y_max=small_task.y_max)
    with pytest.raises(ValueError, match=r"cannot be sent to worker processes.*workers=1"):
        run_benchmark(task, methods=["grad-mean"], seeds=[0, 1], config_changes=TINY,
                      workers=2)


def test_worker_count():
    assert local_workers(None, 1, 8) >= 1
    assert local_workers(4, 1, 3) == 3  # never more processes than seeds
    assert local_workers(2, 1, 0) == 1
    with pytest.raises(ValueError, match="positive integer"):
        local_workers(0, 1, 4)


@pytest.mark.slow
def test_the_command_line_runs_seeds_in_workers(tmp_path):
    """``botorch-mentor benchmark --workers 2`` as a user runs it, in a subprocess."""
    import json
    import subprocess
    import sys

    settings = [f"--set={k}={','.join(map(str, v)) if isinstance(v, tuple) else v}"
                for k, v in TINY.items()]
    run = subprocess.run(
        [sys.executable, "-m", "botorch_mentor.cli", "benchmark", "--task", "hartmann6",
         "--methods", "grad-mean", "--seeds", "2", "--workers", "2", "--output",
         str(tmp_path), *settings], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert sorted(r["seed"] for r in records) == [0, 1]

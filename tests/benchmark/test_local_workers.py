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


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_seed_raises_the_same_whatever_the_worker_count(small_task, tmp_path,
                                                                  workers):
    task = OfflineTask(name="flaky", x=small_task.x, y=small_task.y,
                       oracle=SeedOneOracle(small_task.oracle), y_min=small_task.y_min,
                       y_max=small_task.y_max, bounds=small_task.bounds)
    with pytest.raises(BenchmarkFailures) as caught:
        run_benchmark(task, methods=["grad-mean"], seeds=[0, 1], config_changes=TINY,
                      output=tmp_path, workers=workers)
    assert caught.value.failures == [
        ("flaky", "grad-mean", 1, "RuntimeError: oracle down for seed 1")]
    assert [r["seed"] for r in caught.value.records] == [0]


def test_a_task_that_cannot_travel_runs_here_and_says_why(small_task, monkeypatch):
    monkeypatch.setenv("BOTORCH_MENTOR_CPUS", "2")
    task = OfflineTask(name="local", x=small_task.x, y=small_task.y,
                       oracle=lambda designs: small_task.oracle(designs),
                       y_min=small_task.y_min, y_max=small_task.y_max, bounds=small_task.bounds)
    with pytest.warns(UserWarning, match=r"runs in this process.*cannot be pickled.*module"):
        records = run_benchmark(task, methods=["grad-mean"], seeds=[0, 1],
                                config_changes=TINY, workers=2)
    assert [r["seed"] for r in records] == [0, 1]


MAIN_SCRIPT = """
import warnings
import torch
from botorch_mentor.benchmark import run_benchmark
from botorch_mentor.tasks import OfflineTask, synthetic_task

class MyOracle:  # defined in the script: worker processes cannot import it
    def __init__(self, oracle):
        self.oracle = oracle
    def __call__(self, designs):
        return self.oracle(designs)

base = synthetic_task("hartmann6", n_samples=300)
task = OfflineTask(name="mine", x=base.x, y=base.y, oracle=MyOracle(base.oracle),
                   y_min=base.y_min, y_max=base.y_max, bounds=base.bounds)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    records = run_benchmark(task, methods=["grad-mean"], seeds=[0, 1], workers=2,
                            config_changes=dict(hidden_sizes=(16, 16), pretrain_epochs=2,
                                                n_candidates=8, ascent_steps=4,
                                                outer_batch_size=64))
print("seeds", [r["seed"] for r in records])
print("warned", any("MyOracle" in str(w.message) for w in caught))
"""


@pytest.mark.slow
def test_an_oracle_defined_in_the_users_script_runs_in_the_parent(tmp_path):
    """Before: the workers could not unpickle ``__main__.MyOracle``, died, and the whole
    benchmark aborted."""
    import subprocess
    import sys

    script = tmp_path / "my_benchmark.py"
    script.write_text(MAIN_SCRIPT)
    env = {**__import__("os").environ, "BOTORCH_MENTOR_CPUS": "2"}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=600, env=env)
    assert run.returncode == 0, run.stderr
    assert "seeds [0, 1]" in run.stdout and "warned True" in run.stdout


@pytest.mark.slow
def test_processes_never_multiply_under_a_benchmark_with_workers(small_task, tmp_path,
                                                                 monkeypatch):
    """Each benchmark worker gets ``threads`` CPUs of the budget; an oracle inside it sizes its
    own processes from that share (before: every worker's oracle took ``os.cpu_count()``)."""
    from tests.workers.functions import BudgetRecordingOracle

    monkeypatch.setenv("BOTORCH_MENTOR_CPUS", "2")
    log = tmp_path / "budgets.txt"
    task = OfflineTask(name="recorded", x=small_task.x, y=small_task.y,
                       oracle=BudgetRecordingOracle(small_task.oracle, str(log)),
                       y_min=small_task.y_min, y_max=small_task.y_max,
                       bounds=small_task.bounds)
    run_benchmark(task, methods=["grad-mean"], seeds=[0, 1], config_changes=TINY, workers=2)
    seen = {tuple(line.split()) for line in log.read_text().splitlines()}
    assert len({pid for pid, _, _ in seen}) == 2  # both seeds ran in workers
    assert {(budget, count) for _, budget, count in seen} == {("1", "1")}


def test_worker_count(monkeypatch):
    monkeypatch.setenv("BOTORCH_MENTOR_CPUS", "8")
    assert local_workers(None, 1, 8) == 8
    assert local_workers(None, 2, 8) == 4  # workers x threads within the budget
    assert local_workers(4, 1, 3) == 3  # never more processes than seeds
    assert local_workers(2, 1, 0) == 1
    with pytest.warns(UserWarning, match="exceed the 8 CPU"):
        assert local_workers(6, 2, 8) == 4
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


@pytest.mark.slow
def test_a_distinct_record_carries_the_plain_batch_of_the_same_ascents(tmp_path):
    """The plain batch a distinct run reports is the one a plain run writes: one fit, one
    ascent, both batches."""
    from botorch_mentor.tasks import get_task

    task = get_task("tfbind8")
    small = dict(hidden_sizes=(16, 16), pretrain_epochs=1, n_candidates=16, ascent_steps=5)
    plain, = run_benchmark(task, methods=["grad-mean"], seeds=[0], workers=1,
                           config_changes={**small, "batch": "plain"})
    distinct, = run_benchmark(task, methods=["grad-mean"], seeds=[0], workers=1,
                              config_changes={**small, "batch": "distinct"})
    assert distinct["batch"] == "distinct" and "plain_score_100th" not in plain
    assert distinct["plain_score_100th"] == plain["score_100th"]
    assert distinct["plain_score_50th"] == plain["score_50th"]
    assert distinct["plain_distinct"] == plain["distinct"] <= distinct["distinct"]


@pytest.mark.slow
def test_a_worker_that_dies_is_reported_as_a_failure_not_a_crash(small_task, tmp_path,
                                                                   monkeypatch):
    from tests.workers.functions import ExitOnSeedOne

    monkeypatch.setenv("BOTORCH_MENTOR_CPUS", "2")
    task = OfflineTask(name="crashy", x=small_task.x, y=small_task.y,
                       oracle=ExitOnSeedOne(small_task.oracle), y_min=small_task.y_min,
                       y_max=small_task.y_max, bounds=small_task.bounds)
    with pytest.raises(BenchmarkFailures) as caught:
        run_benchmark(task, methods=["grad-mean"], seeds=[0, 1], config_changes=TINY,
                      output=tmp_path, workers=2)
    failed = {seed for _, _, seed, message in caught.value.failures
              if message.startswith("WorkerDied")}
    assert 1 in failed
    finished = {r["seed"] for r in read_records(tmp_path)}
    assert finished | failed == {0, 1} and not finished & failed

"""The Ray executor on a local 2-CPU Ray instance started by the test."""

import pytest
import torch

ray = pytest.importorskip("ray")

from botorch_mentor.benchmark import BenchmarkFailures, read_records, run_benchmark  # noqa: E402
from botorch_mentor.tasks import synthetic_task  # noqa: E402

TINY = dict(hidden_sizes=(16, 16), pretrain_epochs=2, n_candidates=8, ascent_steps=5,
            outer_batch_size=64)
TIMINGS = {"fit_seconds", "method_seconds"}


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def small_task():
    return synthetic_task("hartmann6", n_samples=400)


def _strip(records):
    return [{k: v for k, v in r.items() if k not in TIMINGS} for r in records]


@pytest.fixture
def two_threads():
    """This process at 2 torch threads for one test, then back (the suite pins 1 per
    process; leaving 2 would oversubscribe the cores for every later test here)."""
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(old)


def test_same_records_as_the_local_executor(local_ray, small_task, tmp_path, two_threads):
    # Defaults only: both executors run every run with the same torch thread count, whatever
    # this process uses, so the arithmetic and the records are the same.
    local = run_benchmark(small_task, methods=["grad-mean", "tri-mentoring-shared"],
                          seeds=[0, 1], config_changes=TINY, output=tmp_path / "local")
    assert torch.get_num_threads() == 2  # restored after the runs
    remote = run_benchmark(small_task, methods=["grad-mean", "tri-mentoring-shared"],
                           seeds=[0, 1], config_changes=TINY, output=tmp_path / "ray",
                           executor="ray")
    assert _strip(remote) == _strip(local)
    assert len(read_records(tmp_path / "ray")) == 4  # written as they finished


def test_a_failing_run_is_reported_and_the_others_finish(local_ray, small_task, tmp_path):
    # an absurd ascent step makes gradient ascent diverge; CMA-ES does not use it
    with pytest.raises(BenchmarkFailures) as caught:
        run_benchmark(small_task, methods=["grad-mean", "cma-es"], seeds=[0, 1],
                      config_changes={**TINY, "ascent_lr": 1e308}, output=tmp_path,
                      executor="ray")
    failures = caught.value.failures
    assert sorted((m, s) for _, m, s, _ in failures) == [("grad-mean", 0), ("grad-mean", 1)]
    assert all("FloatingPointError" in message for *_, message in failures)
    assert [r["method"] for r in caught.value.records] == ["cma-es", "cma-es"]
    assert len(read_records(tmp_path)) == 2


def test_resume_skips_finished_runs(local_ray, small_task, tmp_path):
    first = run_benchmark(small_task, methods=["grad"], seeds=[0], config_changes=TINY,
                          output=tmp_path, executor="ray")
    again = run_benchmark(small_task, methods=["grad", "grad-mean"], seeds=[0],
                          config_changes=TINY, output=tmp_path, executor="ray")
    assert again[0] == first[0]  # the finished record was read back, not recomputed
    assert len(read_records(tmp_path)) == 2

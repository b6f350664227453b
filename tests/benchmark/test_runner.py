import json

import pytest

from botorch_mentor.benchmark import METHODS, read_records, run_benchmark
from botorch_mentor.benchmark.report import aggregate, markdown_table, write_results
from botorch_mentor.tasks import synthetic_task

TINY = dict(hidden_sizes=(16, 16), pretrain_epochs=2, n_candidates=8, ascent_steps=3,
            outer_batch_size=64)


@pytest.fixture(scope="module")
def small_task():
    return synthetic_task("hartmann6", n_samples=400)


def test_every_method_runs_end_to_end(small_task, tmp_path):
    records = run_benchmark(small_task, methods=list(METHODS), seeds=1, config_changes=TINY,
                            output=tmp_path)
    assert [r["method"] for r in records] == list(METHODS)
    for r in records:
        assert 0.0 <= r["score_50th"] <= r["score_100th"] <= 1.0
        assert len(r["normalized_scores"]) == 8
        assert r["fit_seconds"] > 0 and r["method_seconds"] >= 0
    mentored = [r for r in records if r["method"].startswith("tri-mentoring")]
    assert all("disagreement" in r and "mentoring_change" in r for r in mentored)
    paths = write_results(records, tmp_path)
    assert {"json", "csv", "md"} <= set(paths)
    assert "best visible design" in paths["md"].read_text()
    assert len(json.loads(paths["json"].read_text())["records"]) == len(METHODS)


def test_resume_skips_finished_records(small_task, tmp_path):
    first = run_benchmark(small_task, methods=["grad-mean"], seeds=[0, 1], config_changes=TINY,
                          output=tmp_path)
    (tmp_path / "records.jsonl").open("a").write('{"torn": ')  # a killed writer's last line
    again = run_benchmark(small_task, methods=["grad-mean", "grad"], seeds=[0, 1],
                          config_changes=TINY, output=tmp_path)
    assert len(read_records(tmp_path)) == 4
    by_key = {(r["method"], r["seed"]): r for r in again}
    for r in first:
        assert by_key[(r["method"], r["seed"])] == r


def test_aggregate_mean_and_std():
    records = [
        {"task": "t", "method": "m", "seed": s, "score_100th": v, "score_50th": v,
         "method_seconds": 1.0, "best_visible": 0.1}
        for s, v in enumerate([0.5, 0.7])
    ]
    (row,) = aggregate(records)
    assert row["score_100th_mean"] == pytest.approx(0.6)
    assert row["score_100th_std"] == pytest.approx(0.1414, abs=1e-3)
    assert "0.600 ± 0.141" in markdown_table([row])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(methods=["nope"]), "unknown method"),
        (dict(methods=["grad"], preset="huge"), "unknown preset"),
        (dict(methods=["grad"], seeds=[]), "seeds"),
        (dict(methods=["grad"], device="cuda"), "CUDA"),
    ],
)
def test_bad_arguments(small_task, kwargs, match):
    import torch

    if "device" in kwargs and torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ValueError, match=match):
        run_benchmark(small_task, config_changes=TINY, **kwargs)

import json
import math

import pytest

from botorch_mentor.benchmark import METHODS, read_records, run_benchmark
from botorch_mentor.benchmark.report import aggregate, markdown_table, write_results
from botorch_mentor.tasks import synthetic_task

TINY = dict(hidden_sizes=(16, 16), pretrain_epochs=2, n_candidates=8, ascent_steps=3,
            outer_batch_size=64)


@pytest.fixture(scope="module")
def small_task():
    return synthetic_task("hartmann6", n_samples=400)


@pytest.mark.slow
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
    for r in records:
        # Predicted minus true normalized score of the written designs, and their ranks.
        assert math.isfinite(r["overestimation"]) and -1.0 <= r["spearman"] <= 1.0
        if "trajectory_predicted" in r:  # gradient methods: the objective's own prediction
            true_mean = sum(r["normalized_scores"]) / len(r["normalized_scores"])
            assert r["overestimation"] == pytest.approx(
                r["trajectory_predicted"][-1] - true_mean, abs=2e-6)  # scores kept to 6 digits
    paths = write_results(records, tmp_path)
    assert "overestimation" in paths["md"].read_text()
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


def test_rerun_with_other_settings_is_refused_and_never_mixed(small_task, tmp_path):
    run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                  output=tmp_path)
    settings = json.loads((tmp_path / "settings.json").read_text())["hartmann6"]
    assert settings["preset"] == "fast" and settings["config"]["hidden_sizes"] == [16, 16]
    with pytest.raises(ValueError, match=r"n_proxies: 3 there, 5 now"):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1,
                      config_changes={**TINY, "n_proxies": 5}, output=tmp_path)
    with pytest.raises(ValueError, match=r"preset: 'fast' there, 'paper' now"):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1, preset="paper",
                      config_changes=TINY, output=tmp_path)
    with pytest.raises(ValueError, match=r"threads: 1 there, 2 now"):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                      output=tmp_path, threads=2)
    assert len(read_records(tmp_path)) == 1  # nothing was added by the refused runs
    # the same settings resume
    again = run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                          output=tmp_path)
    assert len(again) == 1 and len(read_records(tmp_path)) == 1


def test_records_without_settings_are_not_extended(small_task, tmp_path):
    run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                  output=tmp_path)
    (tmp_path / "settings.json").unlink()  # a folder from an older version
    with pytest.raises(ValueError, match="no settings.json"):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                      output=tmp_path)


def test_runs_use_the_requested_threads(small_task, monkeypatch):
    import torch

    import botorch_mentor.benchmark.runner as runner

    seen = []
    real_fit = runner.fit_mentoring_ensemble

    def spy(model, **kwargs):
        seen.append(torch.get_num_threads())
        return real_fit(model, **kwargs)

    monkeypatch.setattr(runner, "fit_mentoring_ensemble", spy)
    before = torch.get_num_threads()
    run_benchmark(small_task, methods=["grad"], seeds=1, config_changes=TINY, threads=2)
    run_benchmark(small_task, methods=["grad"], seeds=1, config_changes=TINY)
    assert seen == [2, runner.DEFAULT_RUN_THREADS]
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        run_benchmark(small_task, methods=["grad"], seeds=1, config_changes=TINY, threads=0)


def test_every_method_has_its_own_plot_style():
    from botorch_mentor.benchmark.report import method_style

    styles = [method_style(i) for i in range(40)]
    assert len(set(styles)) == 40
    assert len(set(styles[:11])) == 11 and len({s[0] for s in styles[:10]}) == 10


def test_a_new_config_field_at_its_default_does_not_invalidate_old_records(small_task, tmp_path):
    run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                  output=tmp_path)
    path = tmp_path / "settings.json"
    saved = json.loads(path.read_text())
    del saved["hartmann6"]["config"]["bootstrap"]  # as written before the field existed
    path.write_text(json.dumps(saved))
    assert len(run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                             output=tmp_path)) == 1
    with pytest.raises(ValueError, match="bootstrap: 'not recorded' there, True now"):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1,
                      config_changes={**TINY, "bootstrap": True}, output=tmp_path)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spearman_matches_scipy_with_ties(seed):
    import torch
    from scipy.stats import spearmanr

    from botorch_mentor.benchmark.runner import spearman

    g = torch.Generator().manual_seed(seed)
    a = torch.randint(0, 6, (40,), generator=g).double()  # many ties
    b = a + torch.randn(40, generator=g, dtype=torch.float64) * 2
    assert spearman(a, b) == pytest.approx(spearmanr(a.numpy(), b.numpy()).statistic, abs=1e-12)
    assert math.isnan(spearman(torch.ones(5), b[:5]))


def test_settings_file_records_what_the_runs_used(small_task, tmp_path):
    """settings.json names the precision and device as a reader expects them, and a run in
    another precision is refused with the fix in the message."""
    import torch

    from botorch_mentor.benchmark.runner import RunSettings, run_identity
    from botorch_mentor.tasks import tfbind8

    run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                  output=tmp_path, dtype=torch.float64)
    saved = json.loads((tmp_path / "settings.json").read_text())["hartmann6"]
    assert (saved["dtype"], saved["device"], saved["threads"]) == ("float64", "cpu", 1)
    with pytest.raises(ValueError, match=r"dtype: 'float64' there, 'float32' now\); use "
                       r"another output folder \(--output\) or delete that one\. Records of "
                       r"different settings are never mixed\."):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                      output=tmp_path)
    # the sequence tasks' ascent (the paper: lr 0.1, 100 steps) against the continuous one
    settings = RunSettings(preset="paper", device="cpu", dtype=torch.float32)
    discrete = run_identity(tfbind8(), settings)["config"]
    continuous = run_identity(small_task, settings)["config"]
    assert (discrete["ascent_lr"], discrete["ascent_steps"]) == (0.1, 100)
    assert (continuous["ascent_lr"], continuous["ascent_steps"]) == (0.001, 200)
    assert "seed" not in discrete


def test_records_are_written_with_sorted_keys_one_per_line(small_task, tmp_path):
    """Record lines are stable text (sorted keys), so two runs of one seed diff cleanly."""
    run_benchmark(small_task, methods=["grad-mean", "grad"], seeds=1, config_changes=TINY,
                  output=tmp_path)
    lines = (tmp_path / "records.jsonl").read_text().splitlines()
    assert len(lines) == 2
    for line in lines:
        keys = list(json.loads(line))
        assert keys == sorted(keys)


def test_records_without_settings_message_says_how_to_fix(small_task, tmp_path):
    run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                  output=tmp_path)
    (tmp_path / "settings.json").unlink()
    with pytest.raises(ValueError, match=r"but no settings\.json saying how they were made; "
                       r"use a new output folder\."):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1, config_changes=TINY,
                      output=tmp_path)


def test_differences_against_a_written_out_list():
    from botorch_mentor.benchmark.runner import _differences
    from botorch_mentor.config import MentoringConfig

    default_bootstrap = MentoringConfig().bootstrap
    old = {"preset": "fast", "threads": 1, "gone": 3,
           "config": {"n_proxies": 3, "hidden_sizes": [64, 64]}}
    new = {"preset": "fast", "threads": 2,
           "config": {"n_proxies": 5, "hidden_sizes": [64, 64], "bootstrap": default_bootstrap,
                      "strength": "scale_free"}}
    assert _differences(old, new) == [
        ("n_proxies", 3, 5),  # config fields lose their prefix
        ("strength", "not recorded", "scale_free"),  # a new field away from its default
        ("gone", 3, "not set"),
        ("threads", 1, 2),
    ]  # bootstrap: not recorded, at its default, so the same


def test_identity_records_a_step_budget_only_where_it_binds():
    """200 visible rows (180 training rows: one batch of 256 per epoch) under a budget of 1
    update: 1 of the 2 epochs, so the budget is recorded; a budget of 2 binds nowhere and is
    recorded as None, the value folders made before the budget existed are compared with."""
    import torch

    from botorch_mentor.benchmark.runner import RunSettings, run_identity

    task = synthetic_task("hartmann6", n_samples=400)
    settings = RunSettings("fast", "cpu", torch.float64,
                           changes={"pretrain_epochs": 2, "pretrain_max_steps": 1})
    assert task.y.shape[0] == 200
    assert run_identity(task, settings)["config"]["pretrain_max_steps"] == 1
    loose = RunSettings("fast", "cpu", torch.float64,
                        changes={"pretrain_epochs": 2, "pretrain_max_steps": 2})
    assert run_identity(task, loose)["config"]["pretrain_max_steps"] is None
    assert run_identity(task, RunSettings("fast", "cpu", torch.float64))["config"][
        "pretrain_max_steps"] is None  # the fast preset's budget: 20 x 2 updates is far below


def test_mentoring_in_the_changes_is_refused(small_task, tmp_path):
    with pytest.raises(ValueError, match="methods decide themselves"):
        run_benchmark(small_task, methods=["grad-mean"], seeds=1,
                      config_changes={**TINY, "mentoring": False}, output=tmp_path)

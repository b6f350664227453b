"""What the benchmark writes, field by field, against computations written out here.

Fast tests: a hand-made task whose oracle is a formula, ``_score_record`` fed known designs,
and ``run_benchmark`` with its per-seed runner replaced where only the wiring is judged.
"""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist, pdist
from scipy.stats import spearmanr

from botorch_mentor.benchmark import runner
from botorch_mentor.benchmark.methods import METHODS, MethodOutput
from botorch_mentor.benchmark.runner import BenchmarkFailures, run_benchmark
from botorch_mentor.tasks.base import OfflineTask

Y_MIN, Y_MAX = -0.5, 2.5


def _oracle(designs: torch.Tensor) -> torch.Tensor:
    """Computed in the designs' own precision, so that scoring float32 designs shows."""
    return (designs ** 2).sum(-1) / 3 + designs[..., 0]


def _oracle_np(designs: np.ndarray) -> np.ndarray:
    return (designs ** 2).sum(-1) / 3 + designs[..., 0]


def _normalized_np(designs: np.ndarray) -> np.ndarray:
    return (_oracle_np(designs) - Y_MIN) / (Y_MAX - Y_MIN)


def _continuous_task(n: int = 60, d: int = 3) -> OfflineTask:
    x = torch.rand(n, d, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    box = torch.stack([torch.zeros(d), torch.ones(d)]).double()
    return OfflineTask(name="quad", x=x, y=_oracle(x).unsqueeze(-1), oracle=_oracle,
                       y_min=Y_MIN, y_max=Y_MAX, bounds=box)


def _lookup_task() -> OfflineTask:
    """Every 4-mer over 4 letters, scored by a fixed formula (a discrete task)."""
    x_all = torch.cartesian_prod(*[torch.arange(4)] * 4)
    y_all = (x_all * torch.tensor([1.0, -0.5, 0.25, 2.0])).sum(-1).double()
    return OfflineTask.from_lookup_table(x_all, y_all, num_classes=4, name="lookup4")


RECORD_KEYS = {"task", "method", "seed", "preset", "score_100th", "score_50th", "raw_100th",
               "raw_50th", "best_visible", "normalized_scores", "batch", "distinct",
               "distinct_hits", "diversity", "novelty", "strength"}
PREDICTION_KEYS = {"overestimation", "spearman"}
TRAJECTORY_KEYS = {"trajectory_steps", "trajectory_designs", "trajectory_true",
                   "trajectory_predicted"}


@pytest.mark.parametrize("steps, picks", [
    (7, [0, 1, 2, 3, 4, 5, 6]),  # fewer than 10 steps: every step
    (30, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 29]),  # every 30 // 10 = 3rd, and the last
])
def test_score_record_against_a_hand_computation(steps, picks):
    task = _continuous_task()
    g = torch.Generator().manual_seed(1)
    designs = torch.rand(10, 3, generator=g).float()  # float32, as proxies produce them
    predictions = torch.randn(10, generator=g).float()
    trajectory = torch.rand(steps, 10, 3, generator=g).float()
    predicted_trajectory = torch.randn(steps, 10, generator=g).float()
    output = MethodOutput(designs=designs, design_trajectory=trajectory,
                          predicted_trajectory=predicted_trajectory,
                          diagnostics={"disagreement": 0.25}, predictions=predictions)
    record = runner._score_record(task, "grad", 4, "fast", output, 0.123)

    assert set(record) == RECORD_KEYS | PREDICTION_KEYS | TRAJECTORY_KEYS | {"disagreement"}
    assert (record["task"], record["method"], record["seed"], record["preset"]) == (
        "quad", "grad", 4, "fast")
    assert record["best_visible"] == 0.123 and record["disagreement"] == 0.25
    x = designs.double().numpy()  # scored in float64
    raw, true = _oracle_np(x), _normalized_np(x)
    lower_middle = (len(true) - 1) // 2  # torch.median: the lower of the two middle scores
    np.testing.assert_allclose(record["score_100th"], true.max(), rtol=1e-14)
    np.testing.assert_allclose(record["score_50th"], np.sort(true)[lower_middle], rtol=1e-14)
    np.testing.assert_allclose(record["raw_100th"], raw.max(), rtol=1e-14)
    np.testing.assert_allclose(record["raw_50th"], np.sort(raw)[lower_middle], rtol=1e-14)
    assert record["normalized_scores"] == [round(float(v), 6) for v in true]
    predicted = (predictions.double().numpy() - Y_MIN) / (Y_MAX - Y_MIN)
    np.testing.assert_allclose(record["overestimation"], (predicted - true).mean(), rtol=1e-13)
    np.testing.assert_allclose(record["spearman"], spearmanr(predicted, true).statistic,
                               rtol=1e-12)
    assert record["batch"] == "plain"
    # batch metrics: z-scored with the visible data's mean and (sample) std, by scipy
    visible = task.x.numpy()
    z = (x - visible.mean(0)) / visible.std(0, ddof=1)
    z_visible = (visible - visible.mean(0)) / visible.std(0, ddof=1)
    assert record["distinct"] == 10
    assert record["distinct_hits"] == int((raw > float(task.y.max())).sum())
    np.testing.assert_allclose(record["diversity"], pdist(z).mean(), rtol=1e-12)
    np.testing.assert_allclose(record["novelty"], cdist(z, z_visible).min(1).mean(), rtol=1e-12)
    assert record["trajectory_steps"] == picks
    path = trajectory.double().numpy()
    np.testing.assert_allclose(record["trajectory_true"],
                               [_normalized_np(path[t]).mean() for t in picks], rtol=1e-13)
    np.testing.assert_allclose(
        record["trajectory_predicted"],
        [(float(predicted_trajectory[t].double().mean()) - Y_MIN) / (Y_MAX - Y_MIN)
         for t in picks], rtol=1e-13)
    assert record["trajectory_designs"] == 10


def test_score_record_without_predictions_or_trajectory():
    task = _continuous_task()
    designs = torch.rand(5, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    record = runner._score_record(task, "cma-es", 0, "paper", MethodOutput(designs=designs),
                                  0.5)
    assert set(record) == RECORD_KEYS
    np.testing.assert_allclose(record["score_50th"], np.median(_normalized_np(designs.numpy())),
                               rtol=1e-14)  # odd count: the middle score


def test_score_record_reads_overestimation_at_the_designs_and_before_decoding():
    task = _lookup_task()
    tokens = torch.tensor([[3, 0, 3, 3], [0, 0, 0, 0], [3, 0, 0, 3]])
    predictions = torch.tensor([9.0, 1.0, 4.0])
    relaxed = torch.tensor([12.0, 2.0, 5.0])
    record = runner._score_record(task, "grad", 0, "fast", MethodOutput(
        designs=task.features(tokens), predictions=predictions, relaxed_predictions=relaxed),
        0.0)
    true = (_lookup_scores(tokens.numpy()) - task.y_min) / (task.y_max - task.y_min)
    scale = task.y_max - task.y_min
    assert record["overestimation"] == pytest.approx(
        np.mean((predictions.double().numpy() - task.y_min) / scale - true))
    assert record["overestimation_relaxed"] == pytest.approx(
        np.mean((relaxed.double().numpy() - task.y_min) / scale - true))


def test_score_record_counts_repeats_and_hits_of_sequences():
    """A discrete batch with a repeated design, a design of the data and designs that beat
    the best visible one: the metrics against the Hamming distances written out here."""
    task = _lookup_task()
    tokens = torch.tensor([[3, 0, 3, 3], [3, 0, 3, 3], [0, 0, 0, 0], [3, 0, 0, 3]])
    record = runner._score_record(task, "grad", 0, "fast",
                                  MethodOutput(designs=task.features(tokens)), 0.0)
    raw = _lookup_scores(tokens.numpy())
    assert record["distinct"] == 3
    assert record["distinct_hits"] == len({tuple(t) for t, y in zip(tokens.tolist(), raw)
                                           if y > float(task.y.max())})
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    hamming = [(tokens[i] != tokens[j]).sum().item() for i, j in pairs]
    assert record["diversity"] == pytest.approx(np.mean(hamming))
    nearest = [min((row != v).sum().item() for v in task.x) for row in tokens]
    assert record["novelty"] == pytest.approx(np.mean(nearest))


def _lookup_scores(tokens: np.ndarray) -> np.ndarray:
    return (tokens * np.array([1.0, -0.5, 0.25, 2.0])).sum(-1)


def test_spearman_of_two_points():
    """Two points: rank norms 1/sqrt(2) each, so the denominator is below 1 and must still
    count."""
    two = torch.tensor([1.0, 2.0])
    assert runner.spearman(two, torch.tensor([3.0, 5.0])) == pytest.approx(1.0)
    assert runner.spearman(two, torch.tensor([5.0, 3.0])) == pytest.approx(-1.0)


def test_preset_config_turns_fit_time_mentoring_off():
    for preset in ("fast", "paper"):
        for discrete in (False, True):
            assert runner.preset_config(preset, discrete).fit_mentoring_rounds == 0


def test_a_seed_fits_once_with_its_seed_precision_and_the_discrete_preset(monkeypatch):
    """The real per-seed runner on a discrete task: the fitted model is the seed's (config
    seed, float32, the discrete preset's ascent step), the record's best visible score, preset
    and timings are what they say, and a method without its own predictions is judged by the
    fitted ensemble's mean at its designs."""
    task = _lookup_task()
    fitted = []
    real_fit = runner.fit_mentoring_ensemble

    def spy_fit(model, **kwargs):
        fitted.append(real_fit(model, **kwargs))
        return fitted[-1]

    def first_designs(model, X_start, config, progress=False, **batch):
        return MethodOutput(designs=X_start[:4])  # predictions None

    monkeypatch.setattr(runner, "fit_mentoring_ensemble", spy_fit)
    monkeypatch.setitem(METHODS, "first-designs", first_designs)
    started = time.perf_counter()
    [record] = run_benchmark(task, methods=["first-designs"], seeds=[3], dtype=torch.float32,
                             config_changes=dict(hidden_sizes=(8, 8), pretrain_epochs=2,
                                                 n_candidates=8))
    elapsed = time.perf_counter() - started
    [model] = fitted
    assert model.config.seed == 3 and model.train_X.dtype == torch.float32
    assert model.config.ascent_lr == 0.1  # the discrete preset (continuous: 1e-3)
    y = task.y.numpy()
    assert record["best_visible"] == pytest.approx((y.max() - task.y_min) /
                                                   (task.y_max - task.y_min), rel=1e-14)
    assert record["preset"] == "fast" and record["seed"] == 3
    assert 0 < record["fit_seconds"] < elapsed and 0 <= record["method_seconds"] < elapsed
    start = task.features(task.top_designs(8)).float()[:4]
    with torch.no_grad():
        mean = model.posterior(start).mean.squeeze(-1).double().numpy()
    true = task.normalize(task.score(task.top_designs(8)[:4])).numpy()
    predicted = (mean - task.y_min) / (task.y_max - task.y_min)
    np.testing.assert_allclose(record["overestimation"], (predicted - true).mean(), rtol=1e-6)


@pytest.fixture
def fake_runs(monkeypatch):
    """``run_seed`` replaced by ``_fake_run_seed`` (returns its call list), and the runs kept
    in this process, where the replacement lives (worker processes import the real one)."""
    calls = []
    monkeypatch.setattr(runner, "run_seed", _fake_run_seed(calls))
    monkeypatch.setattr(runner, "local_workers", lambda workers, threads, seeds: 1)
    return calls


def _fake_run_seed(calls):
    def run_seed(task, methods, seed, settings):
        calls.append((task.name, tuple(methods), seed, settings))
        for method in methods:
            yield {"task": task.name, "method": method, "seed": seed,
                   "score_100th": 0.5 + seed / 100}
    return run_seed


def test_run_benchmark_wiring(fake_runs, capsys, tmp_path):
    calls = fake_runs
    records = run_benchmark(_continuous_task(), methods=["grad"])
    assert [seed for _, _, seed, _ in calls] == list(range(8))  # default: 8 seeds
    assert [r["seed"] for r in records] == list(range(8))
    assert capsys.readouterr().err == ""  # no progress bar unless asked
    calls.clear()
    run_benchmark("hartmann6", methods=["grad"], seeds=1)  # a task name
    assert calls[0][0] == "hartmann6"
    nested = tmp_path / "a" / "b"
    run_benchmark(_continuous_task(), methods=["grad"], seeds=1, output=nested)
    assert len(runner.read_records(nested)) == 1


def test_progress_bar_counts_resumed_and_new_runs(fake_runs, capsys, tmp_path):
    task = _continuous_task()
    run_benchmark(task, methods=["grad", "grad-mean"], seeds=[0], output=tmp_path)
    capsys.readouterr()
    run_benchmark(task, methods=["grad", "grad-mean"], seeds=[0, 1], output=tmp_path,
                  progress=True)
    err = capsys.readouterr().err
    assert "quad:  50%" in err and " 2/4 " in err  # resumed: starts at 2 of 4
    assert "quad: 100%" in err and set(re.findall(r" (\d+)/4 ", err)) == {"2", "3", "4"}
    assert "grad-mean s1: 0.510" in err


def test_settings_file_is_sorted_and_indented(fake_runs, tmp_path):
    run_benchmark(_continuous_task(), methods=["grad"], seeds=1, output=tmp_path)
    text = (tmp_path / "settings.json").read_text()
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True)


def test_refusal_shows_six_differences_separated_by_semicolons(fake_runs, tmp_path):
    task = _continuous_task()
    run_benchmark(task, methods=["grad"], seeds=1, output=tmp_path)
    changes = dict(hidden_sizes=(8, 8), pretrain_epochs=3, batch_size=32, n_candidates=4,
                   ascent_steps=5, n_neighbours=6, outer_batch_size=16)
    with pytest.raises(ValueError) as error:
        run_benchmark(task, methods=["grad"], seeds=1, output=tmp_path, config_changes=changes)
    shown = str(error.value).split("other settings (")[1].split("); use")[0]
    parts = shown.split("; ")
    assert len(parts) == 6  # of the 7 differences, in field order
    names = ["ascent_steps", "batch_size", "hidden_sizes", "n_candidates", "n_neighbours",
             "outer_batch_size"]
    for name, part in zip(names, parts):
        assert re.fullmatch(rf"{name}: \S.* there, \S.* now", part), part


def test_bad_configuration_is_refused_before_anything_is_written(tmp_path):
    output = tmp_path / "out"
    with pytest.raises(ValueError, match="n_proxies"):
        run_benchmark(_continuous_task(), methods=["grad"], seeds=1, output=output,
                      config_changes={"n_proxies": 0})
    assert not output.exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"seeds": []}, "seeds must name at least one seed."),
    ({"executor": "dask"}, "executor must be 'local' or 'ray', got 'dask'."),
    ({"threads": True}, "threads must be a positive integer, got True."),
    ({"threads": 1.5}, "threads must be a positive integer, got 1.5."),
    ({"threads": 0}, "threads must be a positive integer, got 0."),
])
def test_bad_run_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError) as error:
        run_benchmark(_continuous_task(), methods=["grad"], **{"seeds": 1, **kwargs})
    assert str(error.value) == message


def test_ray_executor_gets_the_runs_and_its_failures_are_raised(monkeypatch):
    from botorch_mentor.benchmark import ray_executor

    seen = {}

    def fake_run_on_ray(task, runs, settings, keep, address):
        seen.update(task=task, runs=runs, settings=settings, address=address)
        keep({"task": task.name, "method": "grad", "seed": 0, "score_100th": 0.5})
        return [("quad", "grad", 1, "worker lost"), ("quad", "grad", 2, "out of memory")]

    monkeypatch.setattr(ray_executor, "run_on_ray", fake_run_on_ray)
    task = _continuous_task()
    with pytest.raises(BenchmarkFailures) as error:
        run_benchmark(task, methods=["grad"], seeds=3, executor="ray",
                      ray_address="ray://head:10001", threads=2)
    assert seen["task"] is task and seen["runs"] == [("grad", 0), ("grad", 1), ("grad", 2)]
    assert seen["address"] == "ray://head:10001" and seen["settings"].threads == 2
    assert error.value.failures == [("quad", "grad", 1, "worker lost"),
                                    ("quad", "grad", 2, "out of memory")]
    assert str(error.value) == ("2 run(s) failed:\nquad / grad / seed 1: worker lost\n"
                                "quad / grad / seed 2: out of memory")
    assert [(r["method"], r["seed"]) for r in error.value.records] == [("grad", 0)]


def test_differences_keep_earlier_fields_and_report_new_fields_without_defaults():
    old = {"cache": 1, "config": {"n_proxies": 3}, "nested": {"a": 1}}
    new = {"cache": 2, "config": {"n_proxies": 3, "not_a_config_field": None}, "nested": 4}
    assert runner._differences(old, new) == [
        ("cache", 1, 2),  # before a nested dict in key order: kept
        ("not_a_config_field", "not recorded", None),  # no default to compare with
        ("nested", {"a": 1}, 4),  # a dict against a value: one difference
    ]

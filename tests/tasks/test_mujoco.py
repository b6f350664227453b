"""MuJoCo policy tasks: the oracle against a rollout loop written here with gymnasium alone,
determinism, the data procedure, the cache and bad inputs. Episodes are short (the physics is
the same at any length)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

pytest.importorskip("gymnasium")
pytest.importorskip("mujoco")

import gymnasium as gym  # noqa: E402

from botorch_mentor.tasks import mujoco as mujoco_tasks  # noqa: E402
from botorch_mentor.tasks.mujoco import (  # noqa: E402
    MUJOCO_TASKS,
    ARSSettings,
    PolicyOracle,
    mujoco_policy,
)

STEPS = 40
TINY_ARS = ARSSettings(iterations=3, directions=3, top=2, step_size=0.05, noise=0.1)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv(mujoco_tasks.CACHE_VARIABLE, str(tmp_path / "cache"))


def _reference_return(env_id, layers, obs_mean, obs_std, seed, steps, **env_kwargs):
    """One episode written out with gymnasium: scale, the layers (tanh between), clip."""
    env = gym.make(env_id, **env_kwargs)
    observation, _ = env.reset(seed=seed)
    total = 0.0
    for _ in range(steps):
        h = (observation - obs_mean) / obs_std
        for i, (weight, bias) in enumerate(layers):
            h = weight @ h + bias
            if i < len(layers) - 1:
                h = np.tanh(h)
        action = np.clip(h, env.action_space.low, env.action_space.high)
        observation, reward, terminated, truncated, _ = env.step(action)
        total += reward
        if terminated or truncated:
            break
    env.close()
    return total


@pytest.mark.parametrize("hidden", [(), (5,)])
def test_oracle_matches_a_gymnasium_rollout_written_here(hidden):
    rng = np.random.default_rng(0)
    layout = (11, *hidden, 3)
    obs_mean, obs_std = rng.normal(size=11), rng.uniform(0.5, 2.0, size=11)
    oracle = PolicyOracle("Hopper-v5", {}, layout, obs_mean, obs_std, STEPS, rollouts=2,
                          workers=1)
    params = rng.normal(scale=0.3, size=(3, oracle.dim))
    scores = oracle(torch.as_tensor(params))
    assert scores.dtype == torch.float64 and scores.shape == (3,)
    shapes = [(layout[i + 1], layout[i]) for i in range(len(layout) - 1)]
    for row, score in zip(params, scores):
        layers, start = [], 0
        for out, inp in shapes:  # W (out x in, row-major) then b, layer by layer
            weight = row[start:start + out * inp].reshape(out, inp)
            bias = row[start + out * inp:start + out * inp + out]
            layers.append((weight, bias))
            start += out * inp + out
        assert start == oracle.dim
        expected = np.mean([_reference_return("Hopper-v5", layers, obs_mean, obs_std, s, STEPS)
                            for s in (0, 1)])
        assert float(score) == pytest.approx(expected, rel=1e-12)


def test_oracle_is_deterministic_across_calls_and_worker_counts():
    rng = np.random.default_rng(1)
    layout = (17, 6)
    args = ("HalfCheetah-v5", {}, layout, np.zeros(17), np.ones(17), STEPS)
    serial = PolicyOracle(*args, rollouts=2, workers=1)
    pooled = PolicyOracle(*args, rollouts=2, workers=2)
    designs = torch.as_tensor(rng.normal(scale=0.5, size=(7, serial.dim)))
    first = serial(designs)
    assert torch.equal(first, serial(designs))
    assert torch.equal(first, pooled(designs))
    assert torch.equal(first[2:3], serial(designs[2:3]))  # alone or in a batch


def test_rescaling_keeps_the_policy_exactly():
    """A recorded policy rewritten for the task's final observation scaling acts the same."""
    from botorch_mentor.workers.mujoco import act, unflatten

    rng = np.random.default_rng(2)
    for layout in [(11, 3), (11, 4, 3)]:
        d = mujoco_tasks.parameter_count(layout)
        params = rng.normal(size=d)
        old_mean, old_std = rng.normal(size=11), rng.uniform(0.5, 2, size=11)
        new_mean, new_std = rng.normal(size=11), rng.uniform(0.5, 2, size=11)
        rescaled = mujoco_tasks._rescale(params, old_mean, old_std, new_mean, new_std, layout)
        low, high = -np.inf * np.ones(3), np.inf * np.ones(3)
        for _ in range(5):
            observation = rng.normal(size=11) * 3
            np.testing.assert_allclose(
                act(unflatten(rescaled, layout), observation, new_mean, new_std, low, high),
                act(unflatten(params, layout), observation, old_mean, old_std, low, high),
                rtol=1e-10, atol=1e-12)


def _tiny_task(**kwargs):
    return mujoco_policy("Hopper-v5", episode_steps=STEPS, ars=TINY_ARS, workers=1,
                         progress=False, **kwargs)


def test_generated_data_is_scored_by_the_task_oracle_and_split_at_the_quantile():
    task = _tiny_task(rollouts=2)
    rows = TINY_ARS.recorded
    assert task.length == 36 and not task.discrete
    assert torch.equal(task.score(task.x), task.y.squeeze(-1))  # the data's scores are exact
    data = mujoco_tasks.generate_policy_data("Hopper-v5", {}, (11, 3), STEPS, 2, 0, TINY_ARS,
                                             workers=1, progress=False)
    assert data["params"].shape == (rows, 36)
    np.testing.assert_array_equal(data["iteration"], np.repeat(np.arange(3), 7))
    np.testing.assert_array_equal(data["perturbed"], np.tile([0, 1, 1, 1, 1, 1, 1], 3))
    assert data["params"][0].tolist() == [0.0] * 36  # ARS starts from the zero policy
    scores = data["scores"]
    assert task.y_min == scores.min() and task.y_max == scores.max()
    assert task.x.shape[0] == int((scores <= np.quantile(scores, 0.5)).sum())
    assert float(task.y.max()) <= np.quantile(scores, 0.5)
    np.testing.assert_array_equal(task.obs_mean, data["obs_mean"])
    assert (task.obs_std >= mujoco_tasks.STD_FLOOR).all()


def test_ars_update_follows_the_rule(monkeypatch):
    """One iteration of the search against the ARS update written out here, with returns
    replaced by a known function of the parameters (and a healthy reward to be ignored)."""
    target = np.linspace(-1, 1, 36)

    def fake_episodes(self, params, reset_seeds=None, observation_stats=False):
        n = len(params)
        returns = -((params - target) ** 2).sum(1, keepdims=True) + 100.0
        out = {"returns": returns, "survive": np.full((n, 1), 100.0),
               "steps": np.ones((n, 1), dtype=np.int64)}
        if observation_stats:
            out.update(count=np.asarray(n), sum=np.ones(11) * n, sumsq=np.ones(11) * 2 * n)
        return out

    monkeypatch.setattr(PolicyOracle, "episodes", fake_episodes)
    settings = ARSSettings(iterations=2, directions=4, top=2, step_size=0.1, noise=0.2)
    data = mujoco_tasks.generate_policy_data("Hopper-v5", {}, (11, 3), STEPS, 1, 5, settings,
                                             workers=1, progress=False)
    rng = np.random.default_rng(5)
    deltas = rng.standard_normal((4, 36))
    rng.integers(0, 2**31 - 1, size=4)
    reward = lambda p: -((p - target) ** 2).sum()  # noqa: E731 (the signal, survive removed)
    plus = np.array([reward(0.2 * d) for d in deltas])
    minus = np.array([reward(-0.2 * d) for d in deltas])
    keep = np.argsort(-np.maximum(plus, minus))[:2]
    sigma = np.concatenate([plus[keep], minus[keep]]).std()
    theta = 0.1 / (2 * sigma) * ((plus[keep] - minus[keep]) @ deltas[keep])
    # the iteration-1 policy, rewritten for the final scaling (mean 1, std 1 from the fake
    # statistics) from the scaling it was recorded with (mean 1, std 1 after iteration 0)
    assert data["obs_mean"] == pytest.approx(np.ones(11))
    np.testing.assert_allclose(data["params"][9], theta, rtol=1e-12)


def test_cache_round_trip_and_rebuild_of_a_corrupted_file(monkeypatch, tmp_path):
    task = _tiny_task()
    files = list((tmp_path / "cache").glob("hopper-*.npz"))
    assert len(files) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("generated again instead of reading the cache")

    with monkeypatch.context() as patch:
        patch.setattr(mujoco_tasks, "generate_policy_data", refuse)
        cached = _tiny_task()
    assert torch.equal(cached.x, task.x) and torch.equal(cached.y, task.y)
    # another setting is another key: generated, not read
    with pytest.raises(AssertionError, match="generated again"):
        with monkeypatch.context() as patch:
            patch.setattr(mujoco_tasks, "generate_policy_data", refuse)
            _tiny_task(rollouts=2)
    # a truncated file (a writer killed mid-way) and a file with altered bytes are rebuilt
    data = files[0].read_bytes()
    for damaged in (data[: len(data) // 2], data[:-200] + bytes(200)):
        files[0].write_bytes(damaged)
        with pytest.warns(UserWarning, match="incomplete, corrupted"):
            rebuilt = _tiny_task()
        assert torch.equal(rebuilt.x, task.x) and torch.equal(rebuilt.y, task.y)
    assert not list((tmp_path / "cache").glob("*.partial"))


def test_bad_inputs_say_what_is_wrong():
    oracle = PolicyOracle("Hopper-v5", {}, (11, 3), np.zeros(11), np.ones(11), STEPS, 1, 1)
    with pytest.raises(ValueError, match=r"n x 36 float tensor"):
        oracle(torch.zeros(2, 35, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"n x 36 float tensor"):
        oracle(torch.zeros(2, 36, dtype=torch.long))
    bad = torch.zeros(3, 36, dtype=torch.float64)
    bad[1, 4] = float("nan")
    with pytest.raises(ValueError, match="design 1 holds NaN"):
        oracle(bad)
    with pytest.raises(ValueError, match="unknown environment 'Hoper-v5'.*Hopper-v5"):
        mujoco_policy("Hoper-v5")
    with pytest.raises(ValueError, match="not a gymnasium v5 MuJoCo environment"):
        mujoco_policy("CartPole-v1")
    with pytest.raises(ValueError, match="not a gymnasium v5 MuJoCo environment"):
        mujoco_policy("Hopper-v4")
    with pytest.raises(ValueError, match="top .* cannot exceed"):
        mujoco_policy("Hopper-v5", ars=ARSSettings(directions=2, top=3))
    with pytest.raises(ValueError, match="episode_steps must be an integer"):
        mujoco_policy("Hopper-v5", episode_steps=0)


def test_missing_extra_names_it(hide_module):
    hide_module("mujoco")
    with pytest.raises(ImportError, match=r"botorch-mentor\[mujoco\]"):
        mujoco_policy("Hopper-v5")


def test_registered_definitions_match_the_environments():
    """The static dimensions the listing shows are the environments' own."""
    for spec in MUJOCO_TASKS.values():
        env = gym.make(spec.env, **dict(spec.env_kwargs))
        assert (spec.obs_dim, spec.act_dim) == (env.observation_space.shape[0],
                                                env.action_space.shape[0])
        env.close()
    assert MUJOCO_TASKS["ant"].dim >= 200  # the high-dimensional one


@pytest.mark.slow
@pytest.mark.parametrize("context", ["script", "stdin", "notebook"])
def test_pooled_rollouts_from_every_calling_context(tmp_path, context):
    """Worker processes never import the caller's main module: a script without a main
    guard, code piped to ``python -`` and a notebook all roll out in workers."""
    code = textwrap.dedent("""
        import numpy, torch
        from botorch_mentor.tasks.mujoco import PolicyOracle
        oracle = PolicyOracle("Hopper-v5", {}, (11, 3), numpy.zeros(11), numpy.ones(11), 20,
                              rollouts=2, workers=2)
        print("scores", oracle(torch.zeros(4, 36, dtype=torch.float64)).tolist())
    """)
    if context == "script":
        path = tmp_path / "no_guard.py"
        path.write_text(code)
        result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                                timeout=300)
    elif context == "stdin":
        result = subprocess.run([sys.executable, "-"], input=code, capture_output=True,
                                text=True, timeout=300)
    else:
        import nbformat
        from nbclient import NotebookClient

        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
        text = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
        result = subprocess.CompletedProcess([], 0, stdout=text, stderr="")
    assert result.returncode == 0, result.stderr
    line = [x for x in result.stdout.splitlines() if x.startswith("scores")][0]
    assert len(eval(line.removeprefix("scores "))) == 4


def test_generated_data_reads_back_every_policy():
    task = _tiny_task()
    data = task.generated_data()
    assert data["params"].shape == (TINY_ARS.recorded, 36)
    assert float(data["scores"].max()) == task.y_max
    uncached = _tiny_task(cache=False)
    with pytest.raises(ValueError, match="cache=False"):
        uncached.generated_data()


def test_data_is_bitwise_the_same_for_one_two_and_three_workers(monkeypatch):
    """The search's observation statistics are summed per episode and added in candidate
    order: the data cannot depend on how many processes rolled the episodes out."""
    monkeypatch.setenv("BOTORCH_MENTOR_CPUS", "3")  # a budget that admits three workers
    settings = ARSSettings(iterations=3, directions=4, top=2, step_size=0.05, noise=0.1)
    runs = [mujoco_tasks.generate_policy_data("Hopper-v5", {}, (11, 3), STEPS, 1, 0, settings,
                                              workers=workers, progress=False)
            for workers in (1, 2, 3)]
    for other in runs[1:]:
        for key, array in runs[0].items():
            assert np.array_equal(array, other[key]), key


def test_a_pickled_oracle_sizes_itself_from_its_new_process_budget(monkeypatch):
    """The parent's CPU count never travels with the oracle: inside a one-CPU worker it rolls
    out in that worker, whatever the parent had."""
    import pickle

    from botorch_mentor.workers import WorkerPool

    oracle = PolicyOracle("Hopper-v5", {}, (11, 3), np.zeros(11), np.ones(11), STEPS, 1)
    assert oracle.workers is None
    monkeypatch.setenv("BOTORCH_MENTOR_CPUS", "8")
    with WorkerPool(1, cpus_per_worker=1) as pool:
        (seen,) = pool.map("tests.workers.functions:budget", [()])
        (count,) = pool.map("tests.workers.functions:oracle_workers", [(oracle,)])
    travelled = pickle.loads(pickle.dumps(oracle))
    assert travelled.workers is None and seen == (1, 1, "1") and count == 1
    from botorch_mentor.workers import worker_count

    assert worker_count(travelled.workers) == 8  # the same oracle here, with 8 CPUs
    with pytest.raises(ValueError, match="positive integer"):
        PolicyOracle("Hopper-v5", {}, (11, 3), np.zeros(11), np.ones(11), STEPS, 1, 0)


def test_building_a_task_writes_nothing_to_the_working_directory(tmp_path, monkeypatch):
    """Making an environment warns ('settotalmass' is deprecated in mujoco 4): the warning is a
    Python warning, never a MUJOCO_LOG.TXT where the user works."""
    monkeypatch.chdir(tmp_path)
    _tiny_task(cache=False)
    assert list(tmp_path.iterdir()) == []


def test_mujoco_warnings_go_to_python_not_to_the_working_directory(tmp_path, monkeypatch):
    import mujoco

    from botorch_mentor.workers.mujoco import make_env

    monkeypatch.chdir(tmp_path)
    env = make_env("Hopper-v5", {}, STEPS)
    env.reset(seed=0)
    data = env.unwrapped.data
    data.qvel[:] = 1e30  # an unstable simulation: MuJoCo warns
    with pytest.warns(RuntimeWarning, match="MuJoCo: Nan, Inf or huge value"):
        mujoco.mj_step(env.unwrapped.model, data)
    env.reset(seed=0)
    assert not (tmp_path / "MUJOCO_LOG.TXT").exists()


def test_a_cache_that_cannot_be_written_warns_and_keeps_the_data(monkeypatch, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv(mujoco_tasks.CACHE_VARIABLE, str(blocked))
    with pytest.warns(UserWarning, match="could not write the task data cache"):
        task = _tiny_task()
    assert task.x.shape[0] > 0 and task.cache_file == ""


@pytest.mark.parametrize("name", list(MUJOCO_TASKS))
def test_registered_tasks_load_the_data_shipped_in_the_package(name, monkeypatch):
    """Every registered task is built from the package's data (never generated), whose
    settings are the task's definition and whose digest holds."""
    shipped = mujoco_tasks.load_shipped_data(name)
    if shipped is None:
        pytest.skip(f"no data shipped for {name}")
    data, generation = shipped
    spec = MUJOCO_TASKS[name]
    assert mujoco_tasks._definition(generation) == spec.settings()

    def refuse(*args, **kwargs):
        raise AssertionError("generated instead of loading the shipped data")

    monkeypatch.setattr(mujoco_tasks, "generate_policy_data", refuse)
    task = spec.build(name)
    scores = data["scores"]
    assert task.x.shape == (int((scores <= np.quantile(scores, 0.5)).sum()), spec.dim)
    assert task.y_max == scores.max() and task.generation == generation
    np.testing.assert_array_equal(task.obs_std, data["obs_std"])
    assert np.array_equal(task.generated_data()["params"], data["params"])

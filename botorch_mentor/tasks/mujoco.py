r"""Continuous design on MuJoCo: the parameters of a locomotion policy.

A design is the flat parameter vector of a deterministic policy for a gymnasium v5 MuJoCo
environment (``Hopper-v5``, ``HalfCheetah-v5``, ``Ant-v5``, ...): linear by default
(observation to action, plus a bias), a small ``tanh`` MLP with ``hidden=(h, ...)``. The
policy sees the observation scaled by a mean and standard deviation fixed per task and stored
with it (``MujocoPolicyTask.obs_mean``/``obs_std``), and its action is clipped to the action
box. The oracle is the mean return over a fixed set of reset seeds (``0 .. rollouts - 1``),
each episode at most ``episode_steps`` steps: the same design scores the same on every call
and every worker count (and on every machine with the same mujoco version).

The offline data comes from one run of augmented random search (ARS V2-t: Mania, Guy and
Recht, "Simple random search of static linear policies is competitive for reinforcement
learning", NeurIPS 2018), the way design-bench's Hopper controller data came from the
checkpoints of a policy optimizer (Trabucco et al., ICML 2022):

1. Start from the zero policy and the identity observation scaling. Each iteration draws
   ``directions`` Gaussian perturbations ``delta_k``, rolls out ``theta +- noise * delta_k``
   once each from a fresh reset seed (shared by the pair), keeps the ``top`` directions by
   ``max(r+, r-)`` and steps ``theta += step_size / (top * sigma_R) sum_k (r+_k - r-_k)
   delta_k``. As in the ARS paper, the update reads the return minus the healthy reward
   (``reward_survive``), so the search is not trapped by policies that stand still to collect
   it; the recorded scores keep the environment's own return. Observations met update a
   running mean and standard deviation that the next iteration's policies use (V2).
2. Every iteration records its policy ``theta`` and all ``2 x directions`` perturbations
   around it: data whose quality spans the run, from falling over to running.
3. The task's scaling is the final running mean and standard deviation; every recorded policy
   is rewritten exactly for it (the first layer absorbs the change of scaling), optionally
   subsampled to ``rows``, and scored by the task's oracle.
4. Visible: the designs at or below the ``visible_quantile`` of the scores; normalization by
   the min and max over all generated designs (design-bench's convention: 1.0 is the best
   generated policy).

The registered tasks (``hopper``, ``halfcheetah``, ``ant``) ship their data in the package
(``botorch_mentor/data/mujoco/<name>.npz``: policies, observation scaling, scores and the
settings and versions that generated them), as design-bench shipped its datasets: every user
gets the same task, whatever the machine (MuJoCo's floating-point paths differ between CPUs,
and over a search of 100+ iterations such differences change which policies are recorded).
The oracle still runs here; its agreement with the shipped scores is measured by
``benchmarks/mujoco_shipped_agreement.py``.

For new settings, generation runs once per setting: the data is cached in the user cache
directory (``$BOTORCH_MENTOR_CACHE``, else ``$XDG_CACHE_HOME/botorch_mentor``, else
``~/.cache/botorch_mentor``) under a key of every setting plus the package, gymnasium and
mujoco versions; a partial or corrupted file is detected (its checksum) and rebuilt.

Requires the extra: ``pip install "botorch-mentor[mujoco]"`` (gymnasium with mujoco).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from botorch_mentor.tasks.base import OfflineTask
from botorch_mentor.tasks.cache import (
    CACHE_VARIABLE,  # noqa: F401 - where the cache lives (``cache_directory``)
    cache_directory,
    digest,
    load_arrays,
    save_arrays,
    settings_key,
    write_atomic,
)
from botorch_mentor.workers import shared_pool, worker_count
from botorch_mentor.workers.mujoco import parameter_count, rollouts, route_mujoco_warnings

GENERATOR_VERSION = 2
"""Version of the data procedure; part of every cache key. 2: the observation statistics are
summed per episode and added in candidate order (1 summed them per chunk of worker requests,
so the data depended on the number of CPUs)."""
STD_FLOOR = 1e-2
"""Smallest standard deviation of the observation scaling (constant observations)."""
PARALLEL_MIN_EPISODES = 4
"""Batches of at least this many episodes are rolled out in worker processes."""
TRAJECTORY_POINTS, TRAJECTORY_DESIGNS = 3, 16
"""A benchmark record of a MuJoCo task scores 16 designs at 3 ascent steps (start, middle,
end) for its trajectory: 48 episodes instead of 11 x 128."""
SCORING_CHUNK = 128
"""Policies scored per progress-bar step when generating data."""


def _require_mujoco():
    try:
        import gymnasium
        import mujoco
        from gymnasium.envs.mujoco import MujocoEnv
    except ImportError as error:
        raise ImportError(
            "MuJoCo tasks need gymnasium with mujoco; install the extra with "
            'pip install "botorch-mentor[mujoco]".'
        ) from error
    route_mujoco_warnings()  # never a MUJOCO_LOG.TXT in the user's working directory
    return gymnasium, mujoco, MujocoEnv


def mujoco_environments() -> list[str]:
    r"""Names of the registered gymnasium v5 MuJoCo environments."""
    gymnasium, _, _ = _require_mujoco()
    return sorted(name for name, spec in gymnasium.registry.items()
                  if name.endswith("-v5") and "mujoco" in str(spec.entry_point))


@dataclass(frozen=True)
class ARSSettings:
    r"""One augmented-random-search run (ARS V2-t) that generates a task's data."""

    iterations: int = 100
    directions: int = 8
    """Perturbation directions per iteration (N); ``2 N`` episodes per iteration."""
    top: int = 4
    """Directions kept for the update (b <= N)."""
    step_size: float = 0.02
    """alpha."""
    noise: float = 0.03
    """nu: the perturbations' scale."""
    rows: int | None = None
    """Recorded policies kept (a seeded subsample); None keeps all
    ``iterations x (2 N + 1)``."""
    drop_healthy_reward: bool = True
    """The search's update reads the return minus the healthy reward (``reward_survive``), as
    in the ARS paper, so that it does not settle on policies that stand still to collect it
    (Hopper's trap). False keeps it: for a statically stable robot (Ant) standing is no trap,
    and without it the search first learns to fall forward."""

    def check(self) -> None:
        for name in ("iterations", "directions", "top"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ARSSettings.{name} must be a positive integer, got {value!r}.")
        if self.top > self.directions:
            raise ValueError(f"ARSSettings.top ({self.top}) cannot exceed directions "
                             f"({self.directions}).")
        for name in ("step_size", "noise"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
                raise ValueError(f"ARSSettings.{name} must be a positive number, got {value!r}.")
        if not isinstance(self.drop_healthy_reward, bool):
            raise ValueError("ARSSettings.drop_healthy_reward must be True or False.")
        if self.rows is not None and (not isinstance(self.rows, int) or self.rows < 20):
            raise ValueError(f"ARSSettings.rows must be None or an integer >= 20, got "
                             f"{self.rows!r}.")

    @property
    def recorded(self) -> int:
        return self.iterations * (2 * self.directions + 1)


class PolicyOracle:
    r"""Mean return of policies over the reset seeds ``0 .. rollouts - 1``.

    Calling it with an ``n x d`` float tensor of flat parameters returns an ``n``-dim float64
    tensor. Batches of ``PARALLEL_MIN_EPISODES`` episodes or more are rolled out by
    ``workers`` processes (default: the CPU budget of the calling process,
    ``botorch_mentor.workers.cpu_budget``, resolved at each call, so a pickled oracle sizes
    itself in its new process and never above its budget), each design whole in one process
    and every quantity per episode, so scores do not depend on the worker count.
    """

    def __init__(self, env_id: str, env_kwargs: dict, layout: Sequence[int],
                 obs_mean: np.ndarray, obs_std: np.ndarray, episode_steps: int,
                 rollouts: int, workers: int | None = None) -> None:
        self.env_id, self.env_kwargs = env_id, dict(env_kwargs)
        self.layout = tuple(int(v) for v in layout)
        self.obs_mean = np.asarray(obs_mean, dtype=np.float64)
        self.obs_std = np.asarray(obs_std, dtype=np.float64)
        self.episode_steps, self.rollouts = int(episode_steps), int(rollouts)
        worker_count(workers)  # a clear error now for a bad count
        self.workers = workers

    @property
    def dim(self) -> int:
        return parameter_count(self.layout)

    @property
    def reset_seeds(self) -> np.ndarray:
        return np.arange(self.rollouts)

    def episodes(self, params: np.ndarray, reset_seeds: np.ndarray | None = None,
                 observation_stats: bool = False) -> dict[str, np.ndarray]:
        r"""``workers.mujoco.rollouts`` of ``n x d`` ``params`` (default seeds: the
        oracle's), split over the workers for large batches; with ``observation_stats``,
        ``count`` (an int), ``sum`` and ``sumsq`` (``obs_dim``) of the raw observations,
        added episode by episode in candidate order (the same bits for any worker count)."""
        params = np.ascontiguousarray(params, dtype=np.float64)
        if reset_seeds is None:
            reset_seeds = np.broadcast_to(self.reset_seeds, (len(params), self.rollouts))
        reset_seeds = np.asarray(reset_seeds, dtype=np.int64)
        arguments = (self.env_id, self.env_kwargs, self.layout, self.obs_mean, self.obs_std)
        workers = worker_count(self.workers)
        if workers == 1 or reset_seeds.size < PARALLEL_MIN_EPISODES:
            merged = rollouts(*arguments, params, reset_seeds, self.episode_steps,
                              observation_stats)
        else:
            chunks = min(len(params), 4 * workers)
            parts = [(*arguments, params[i::chunks], reset_seeds[i::chunks],
                      self.episode_steps, observation_stats) for i in range(chunks)]
            results = shared_pool(workers).map("botorch_mentor.workers.mujoco:rollouts", parts)
            merged = {}
            for key, value in results[0].items():
                merged[key] = np.empty((*reset_seeds.shape, *value.shape[2:]), dtype=value.dtype)
                for i, result in enumerate(results):
                    merged[key][i::chunks] = result[key]
        if observation_stats:  # per-episode sums, added in candidate order
            width = len(self.obs_mean)
            total, squares = np.zeros(width), np.zeros(width)
            for episode_sum, episode_squares in zip(merged["sum"].reshape(-1, width),
                                                    merged["sumsq"].reshape(-1, width)):
                total = total + episode_sum
                squares = squares + episode_squares
            merged.update(count=int(merged["steps"].sum()), sum=total, sumsq=squares)
        return merged

    def __call__(self, designs: Tensor) -> Tensor:
        if (not isinstance(designs, Tensor) or designs.dim() != 2
                or designs.shape[-1] != self.dim or not designs.is_floating_point()):
            shape = tuple(designs.shape) if isinstance(designs, Tensor) else type(designs)
            raise ValueError(
                f"designs must be an n x {self.dim} float tensor of policy parameters "
                f"({self.env_id}, layout {self.layout}), got {shape}.")
        params = designs.detach().cpu().to(torch.float64).numpy()
        bad = ~np.isfinite(params).all(axis=1)
        if bad.any():
            raise ValueError(
                f"design {int(np.flatnonzero(bad)[0])} holds NaN or infinite parameters; "
                f"{int(bad.sum())} of {len(params)} designs cannot be rolled out.")
        returns = self.episodes(params)["returns"].mean(axis=1)
        return torch.as_tensor(returns, dtype=torch.float64)


@dataclass
class MujocoPolicyTask(OfflineTask):
    r"""An ``OfflineTask`` whose designs are policy parameters for ``env_id``."""

    env_id: str = ""
    env_kwargs: dict = field(default_factory=dict)
    layout: tuple[int, ...] = ()
    """``(obs_dim, hidden..., act_dim)``."""
    obs_mean: np.ndarray | None = field(default=None, repr=False)
    obs_std: np.ndarray | None = field(default=None, repr=False)
    episode_steps: int = 1000
    rollouts: int = 1
    generation: dict = field(default_factory=dict)
    """Every setting of the data procedure (``ARSSettings``, seed, versions)."""
    cache_file: str = ""
    """The file of the data behind the task: the cache, or for a registered task the data
    shipped in the package ("" when built with ``cache=False``)."""

    def generated_data(self) -> dict[str, np.ndarray]:
        r"""Every generated policy, hidden ones included (for analysis, never for a method):
        ``generate_policy_data``'s arrays, read back from the cache."""
        if not self.cache_file:
            raise ValueError(f"task {self.name!r} was built with cache=False; its hidden data "
                             "was not kept.")
        path = Path(self.cache_file)
        data = _load_cache(path, settings_key(self.generation))
        if data is None:
            raise FileNotFoundError(f"the cached data {path} is gone; build the task again.")
        return data


def _check_env(env: str, env_kwargs: dict) -> tuple[int, int]:
    gymnasium, _, mujoco_env = _require_mujoco()
    available = mujoco_environments()
    if not isinstance(env, str) or env not in gymnasium.registry:
        raise ValueError(f"unknown environment {env!r}; MuJoCo v5 environments: "
                         f"{', '.join(available)}.")
    if env not in available:
        raise ValueError(f"{env!r} is not a gymnasium v5 MuJoCo environment; choose one of "
                         f"{', '.join(available)}.")
    instance = gymnasium.make(env, disable_env_checker=True, **env_kwargs)
    try:
        if not isinstance(instance.unwrapped, mujoco_env):
            raise ValueError(f"{env!r} is not a MuJoCo environment.")
        observation, action = instance.observation_space, instance.action_space
        if len(observation.shape) != 1 or len(action.shape) != 1:
            raise ValueError(f"{env!r} needs flat observation and action boxes.")
        return int(observation.shape[0]), int(action.shape[0])
    finally:
        instance.close()


def mujoco_policy(
    env: str,
    hidden: Sequence[int] = (),
    episode_steps: int = 1000,
    rollouts: int = 1,
    seed: int = 0,
    ars: ARSSettings | None = None,
    visible_quantile: float = 0.5,
    env_kwargs: dict | None = None,
    name: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    cache: bool = True,
) -> MujocoPolicyTask:
    r"""An offline task whose designs are the parameters of a policy for ``env``.

    The data is generated by augmented random search and cached (module docstring); the
    first call with new settings takes minutes, later ones load the cache.

    Args:
        env: A gymnasium v5 MuJoCo environment (``mujoco_environments()``), e.g. ``Hopper-v5``.
        hidden: Hidden widths of a ``tanh`` MLP policy; ``()`` (default) is linear.
        episode_steps: Steps per episode (fewer when the environment terminates).
        rollouts: Reset seeds the oracle averages over (``0 .. rollouts - 1``).
        seed: Seed of the data procedure.
        ars: The search's settings (default ``ARSSettings()``).
        visible_quantile: The visible data: designs at or below this quantile of the scores.
        env_kwargs: Keyword arguments of ``gymnasium.make`` (e.g.
            ``{"include_cfrc_ext_in_observation": False}`` for ``Ant-v5``).
        name: Task name (default: the environment's lower-case name).
        workers: Processes for rollouts (default: the CPU budget; the data does not depend
            on it).
        progress: Show a progress bar while generating.
        cache: Read and write the cache (``False``: always generate, keep nothing).

    Returns:
        A ``MujocoPolicyTask`` with ``d = parameter_count(layout)`` continuous designs.
    """
    env_kwargs = dict(env_kwargs or {})
    obs_dim, act_dim = _check_env(env, env_kwargs)
    hidden = tuple(hidden)
    if any(not isinstance(h, int) or isinstance(h, bool) or h < 1 for h in hidden):
        raise ValueError(f"hidden must hold positive integers, got {hidden!r}.")
    for label, value, minimum in (("episode_steps", episode_steps, 1), ("rollouts", rollouts, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValueError(f"{label} must be an integer >= {minimum}, got {value!r}.")
    if not 0.0 < visible_quantile <= 1.0:
        raise ValueError(f"visible_quantile must lie in (0, 1], got {visible_quantile!r}.")
    ars = ars or ARSSettings()
    ars.check()
    layout = (obs_dim, *hidden, act_dim)
    generation, key, path = _cache_entry(env, env_kwargs, layout, episode_steps, rollouts, seed,
                                         ars)
    data = _load_cache(path, key) if cache else None
    if data is None:
        data = generate_policy_data(env, env_kwargs, layout, episode_steps, rollouts, seed, ars,
                                    workers, progress)
        if cache and not save_arrays(path, key, data, _ARRAYS):
            cache = False  # the write failed (warned): the data lives in this task only
    return _policy_task(data, generation, visible_quantile, name, workers,
                        str(path) if cache else "")


def _policy_task(data: dict[str, np.ndarray], generation: dict, visible_quantile: float,
                 name: str | None, workers: int | None, data_file: str) -> MujocoPolicyTask:
    r"""The task of generated (or shipped) ``data`` made with the settings ``generation``."""
    env, env_kwargs = generation["env"], dict(generation["env_kwargs"])
    layout = tuple(generation["layout"])
    episode_steps, rollouts = generation["episode_steps"], generation["rollouts"]
    scores = data["scores"]
    visible = scores <= np.quantile(scores, visible_quantile)
    oracle = PolicyOracle(env, env_kwargs, layout, data["obs_mean"], data["obs_std"],
                          episode_steps, rollouts, workers)
    kind = "linear" if len(layout) == 2 else f"MLP {'-'.join(map(str, layout))}"
    return MujocoPolicyTask(
        name=name or env.split("-")[0].lower(),
        x=torch.as_tensor(data["params"][visible], dtype=torch.float64),
        y=torch.as_tensor(scores[visible], dtype=torch.float64).unsqueeze(-1),
        oracle=oracle,
        y_min=float(scores.min()),
        y_max=float(scores.max()),
        source=(f"{env} {kind} policy, {episode_steps} steps x {rollouts} reset seed(s); "
                f"{len(scores)} policies of an ARS run (seed {generation['seed']}), visible "
                f"below the {visible_quantile:.0%} quantile"),
        env_id=env, env_kwargs=env_kwargs, layout=layout,
        obs_mean=data["obs_mean"], obs_std=data["obs_std"],
        episode_steps=episode_steps, rollouts=rollouts, generation=generation,
        trajectory_points=TRAJECTORY_POINTS, trajectory_designs=TRAJECTORY_DESIGNS,
        cache_file=data_file,
    )


def _cache_entry(env: str, env_kwargs: dict, layout: tuple[int, ...], episode_steps: int,
                 rollouts: int, seed: int, ars: ARSSettings) -> tuple[dict, str, Path]:
    r"""Every setting of a task's data (with the versions that produce it), its cache key and
    its cache file."""
    gymnasium, mujoco, _ = _require_mujoco()
    from botorch_mentor import __version__

    generation = {
        "env": env, "env_kwargs": env_kwargs, "layout": list(layout),
        "episode_steps": episode_steps, "rollouts": rollouts, "seed": seed, "ars": asdict(ars),
        "procedure": GENERATOR_VERSION, "botorch_mentor": __version__,
        "gymnasium": gymnasium.__version__, "mujoco": mujoco.__version__,
    }
    key = settings_key(generation)
    return generation, key, cache_directory() / f"{env.lower()}-{key}.npz"


def generate_policy_data(
    env: str, env_kwargs: dict, layout: tuple[int, ...], episode_steps: int, rollouts: int,
    seed: int, ars: ARSSettings, workers: int | None = None, progress: bool = True,
) -> dict[str, np.ndarray]:
    r"""Run the data procedure (module docstring) and return its arrays.

    Returns:
        ``params`` (``rows x d``, for the final scaling), ``scores`` (``rows``: the oracle's
        mean returns), ``obs_mean``/``obs_std`` (``obs_dim``: the task's scaling),
        ``iteration`` (``rows``: the ARS iteration that recorded each policy) and
        ``perturbed`` (``rows``: 0 for the iteration's policy, 1 for a perturbation).
    """
    rng = np.random.default_rng(seed)
    obs_dim, d = layout[0], parameter_count(layout)
    count, total, squares = 0, np.zeros(obs_dim), np.zeros(obs_dim)
    mean, std = np.zeros(obs_dim), np.ones(obs_dim)
    theta = np.zeros(d)
    recorded, scalings, iterations, perturbed = [], [], [], []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=ars.iterations, desc=f"{env} data (ARS)")
    n = ars.directions
    for iteration in range(ars.iterations):
        deltas = rng.standard_normal((n, d))
        pair_seeds = rng.integers(0, 2**31 - 1, size=n)
        candidates = np.concatenate([theta + ars.noise * deltas, theta - ars.noise * deltas])
        oracle = PolicyOracle(env, env_kwargs, layout, mean, std, episode_steps, 1, workers)
        out = oracle.episodes(candidates, np.concatenate([pair_seeds, pair_seeds])[:, None],
                              observation_stats=True)
        signal = out["returns"][:, 0]
        if ars.drop_healthy_reward:
            signal = signal - out["survive"][:, 0]
        plus, minus = signal[:n], signal[n:]
        keep = np.argsort(-np.maximum(plus, minus), kind="stable")[:ars.top]
        sigma = np.concatenate([plus[keep], minus[keep]]).std()
        recorded += [theta.copy(), *candidates]
        scalings += [(mean, std)] * (2 * n + 1)
        iterations += [iteration] * (2 * n + 1)
        perturbed += [0] + [1] * (2 * n)
        if sigma > 1e-8:
            theta = theta + ars.step_size / (ars.top * sigma) * (
                (plus[keep] - minus[keep]) @ deltas[keep])
        count, total, squares = (count + out["count"], total + out["sum"],
                                 squares + out["sumsq"])
        mean = total / count
        std = np.sqrt(np.maximum(squares / count - mean**2, STD_FLOOR**2))
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"best return {out['returns'].max():.0f}")
    params = np.stack([_rescale(p, m, s, mean, std, layout)
                       for p, (m, s) in zip(recorded, scalings)])
    iterations, perturbed = np.asarray(iterations), np.asarray(perturbed)
    if ars.rows is not None and ars.rows < len(params):
        kept = np.sort(rng.choice(len(params), size=ars.rows, replace=False))
        params, iterations, perturbed = params[kept], iterations[kept], perturbed[kept]
    oracle = PolicyOracle(env, env_kwargs, layout, mean, std, episode_steps, rollouts, workers)
    if bar is not None:
        bar.close()
        bar = tqdm(total=len(params), desc=f"{env} data (scoring)", unit="policy")
    scores = []
    for start in range(0, len(params), SCORING_CHUNK):
        chunk = params[start:start + SCORING_CHUNK]
        scores.append(oracle.episodes(chunk)["returns"].mean(1))
        if bar is not None:
            bar.update(len(chunk))
    scores = np.concatenate(scores)
    if bar is not None:
        bar.close()
    return {"params": params, "scores": scores, "obs_mean": mean, "obs_std": std,
            "iteration": iterations, "perturbed": perturbed}


def _rescale(params: np.ndarray, old_mean: np.ndarray, old_std: np.ndarray,
             new_mean: np.ndarray, new_std: np.ndarray, layout: Sequence[int]) -> np.ndarray:
    r"""The same policy for another observation scaling: the first layer ``W z_old + b``,
    ``z_old = (o - old_mean) / old_std``, rewritten as ``W' z_new + b'``."""
    out_dim, obs_dim = layout[1], layout[0]
    params = params.copy()
    weight = params[:out_dim * obs_dim].reshape(out_dim, obs_dim)
    bias = params[out_dim * obs_dim:out_dim * obs_dim + out_dim]
    new_bias = bias + weight @ ((new_mean - old_mean) / old_std)
    params[:out_dim * obs_dim] = (weight * (new_std / old_std)).reshape(-1)
    params[out_dim * obs_dim:out_dim * obs_dim + out_dim] = new_bias
    return params


_ARRAYS = ("params", "scores", "obs_mean", "obs_std", "iteration", "perturbed")


def _load_cache(path: Path, key: str) -> dict[str, np.ndarray] | None:
    return load_arrays(path, key, _ARRAYS)


VERSION_FIELDS = ("botorch_mentor", "gymnasium", "mujoco")
"""Fields of a ``generation`` that name the versions that ran it, not the task's definition."""


def _definition(generation: dict) -> dict:
    return {k: v for k, v in generation.items() if k not in VERSION_FIELDS}


def shipped_data_file(name: str):
    r"""The package resource holding registered task ``name``'s data."""
    from importlib import resources

    return resources.files("botorch_mentor") / "data" / "mujoco" / f"{name}.npz"


def load_shipped_data(name: str) -> tuple[dict[str, np.ndarray], dict] | None:
    r"""The arrays and ``generation`` settings (with the versions that generated them)
    shipped for registered task ``name``, checked against their digest; None when absent."""
    import json
    from importlib import resources

    resource = shipped_data_file(name)
    if not resource.is_file():
        return None
    with resources.as_file(resource) as path:
        with np.load(path, allow_pickle=False) as stored:
            generation = json.loads(str(stored["generation"]))
        data = load_arrays(path, settings_key(generation), _ARRAYS)
    if data is None:
        raise RuntimeError(f"the MuJoCo task data shipped in the package ({resource}) is "
                           "damaged; reinstall botorch-mentor.")
    return data, generation


def save_shipped_data(path: Path, data: dict[str, np.ndarray], generation: dict) -> None:
    r"""Write a task's data in the shipped format: the arrays, their digest, the key of
    ``generation`` and ``generation`` itself (JSON), compressed."""
    import json

    arrays = {name: data[name] for name in _ARRAYS}
    key = settings_key(generation)
    write_atomic(Path(path), lambda stream: np.savez_compressed(
        stream, key=np.asarray(key), digest=np.asarray(digest(arrays, _ARRAYS)),
        generation=np.asarray(json.dumps(generation, sort_keys=True)), **arrays))


@dataclass(frozen=True)
class PolicyTaskSpec:
    r"""The definition of a registered MuJoCo task (fixed before any method ran on it)."""

    env: str
    obs_dim: int
    act_dim: int
    ars: ARSSettings
    env_kwargs: tuple[tuple[str, object], ...] = ()
    hidden: tuple[int, ...] = ()
    episode_steps: int = 1000
    rollouts: int = 1
    seed: int = 0

    @property
    def dim(self) -> int:
        return parameter_count((self.obs_dim, *self.hidden, self.act_dim))

    def describe(self) -> str:
        rows = self.ars.rows or self.ars.recorded
        policy = "linear" if not self.hidden else "MLP"
        return (f"gymnasium {self.env}, {policy} policy, {self.episode_steps}-step return; "
                f"{rows} policies of an ARS run, shipped in the package")

    def settings(self) -> dict:
        r"""Every setting of the task's data procedure, without the versions that ran it."""
        layout = [self.obs_dim, *self.hidden, self.act_dim]
        return {"env": self.env, "env_kwargs": dict(self.env_kwargs), "layout": layout,
                "episode_steps": self.episode_steps, "rollouts": self.rollouts,
                "seed": self.seed, "ars": asdict(self.ars), "procedure": GENERATOR_VERSION}

    def build(self, name: str, progress: bool = True, shipped: bool = True
              ) -> MujocoPolicyTask:
        r"""The task ``name``: from the data shipped in the package (the same task on every
        machine) when it holds this definition, else generated and cached here
        (``shipped=False`` always generates)."""
        data = load_shipped_data(name) if shipped else None
        if data is not None and _definition(data[1]) == self.settings():
            _require_mujoco()
            task = _policy_task(data[0], data[1], 0.5, name, None, str(shipped_data_file(name)))
        else:
            task = mujoco_policy(self.env, hidden=self.hidden, episode_steps=self.episode_steps,
                                 rollouts=self.rollouts, seed=self.seed, ars=self.ars,
                                 env_kwargs=dict(self.env_kwargs), name=name,
                                 progress=progress)
        if task.length != self.dim:
            raise RuntimeError(f"{self.env} policies have {task.length} parameters here, "
                               f"{self.dim} in the task's definition; check the gymnasium "
                               "version.")
        return task


MUJOCO_TASKS: dict[str, PolicyTaskSpec] = {
    "hopper": PolicyTaskSpec(
        "Hopper-v5", 11, 3,
        ARSSettings(iterations=150, directions=8, top=4, step_size=0.02, noise=0.03)),
    "halfcheetah": PolicyTaskSpec(
        "HalfCheetah-v5", 17, 6,
        ARSSettings(iterations=100, directions=16, top=4, step_size=0.02, noise=0.03)),
    "ant": PolicyTaskSpec(
        "Ant-v5", 27, 8,
        ARSSettings(iterations=70, directions=16, top=8, step_size=0.015, noise=0.025,
                    rows=1200, drop_healthy_reward=False),
        env_kwargs=(("include_cfrc_ext_in_observation", False),), episode_steps=500),
}
"""Registered MuJoCo tasks: name -> definition."""


@lru_cache(maxsize=len(MUJOCO_TASKS))
def registered_mujoco_task(name: str) -> MujocoPolicyTask:
    r"""The registered task ``name`` (``hopper``, ``halfcheetah``, ``ant``), built once per
    process from the data shipped in the package."""
    return MUJOCO_TASKS[name].build(name)

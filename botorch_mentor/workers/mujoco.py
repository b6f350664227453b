r"""Rollouts of deterministic policies in gymnasium MuJoCo environments (numpy only).

This module is what a ``botorch_mentor.workers.WorkerPool`` process imports to score policy
batches: it needs numpy and gymnasium, never torch. ``botorch_mentor.tasks.mujoco`` builds the
tasks; the functions here are the physics.

Every quantity is computed per episode, so that a batch split over any number of processes
gives the same numbers bit for bit: the caller adds the episodes' sums in candidate order.
MuJoCo's warnings go to Python's ``warnings`` (a ``RuntimeWarning``), never to a
``MUJOCO_LOG.TXT`` in the working directory or to standard output.

A policy is a flat parameter vector read by a ``layout`` ``(obs_dim, hidden..., act_dim)``:
for each layer in turn, a weight matrix ``out x in`` (row-major) then a bias ``out``. Hidden
layers apply ``tanh``; the output is clipped to the action box. The policy sees the scaled
observation ``(obs - obs_mean) / obs_std``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def layer_shapes(layout: Sequence[int]) -> list[tuple[int, int]]:
    r"""``(out, in)`` of every layer of ``layout``."""
    return [(layout[i + 1], layout[i]) for i in range(len(layout) - 1)]


def parameter_count(layout: Sequence[int]) -> int:
    r"""Length of the flat parameter vector of ``layout``."""
    return sum(out * inp + out for out, inp in layer_shapes(layout))


def unflatten(params: np.ndarray, layout: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""``d`` flat parameters to ``[(W, b), ...]`` per layer."""
    layers, start = [], 0
    for out, inp in layer_shapes(layout):
        weight = params[start:start + out * inp].reshape(out, inp)
        start += out * inp
        layers.append((weight, params[start:start + out]))
        start += out
    return layers


def act(layers, observation: np.ndarray, obs_mean: np.ndarray, obs_std: np.ndarray,
        low: np.ndarray, high: np.ndarray) -> np.ndarray:
    r"""The action of a policy (``unflatten``'s layers) at one raw observation."""
    h = (observation - obs_mean) / obs_std
    for i, (weight, bias) in enumerate(layers):
        h = weight @ h + bias
        if i < len(layers) - 1:
            h = np.tanh(h)
    return np.clip(h, low, high)


_ENVS: dict[str, object] = {}


def _mujoco_warning(message: str) -> None:
    import warnings

    warnings.warn(f"MuJoCo: {message}", RuntimeWarning, stacklevel=2)


def route_mujoco_warnings() -> None:
    r"""Send MuJoCo's warnings to Python's ``warnings`` instead of its default handler,
    which appends them to ``MUJOCO_LOG.TXT`` in the working directory and prints them to
    standard output."""
    import mujoco

    mujoco.set_mju_user_warning(_mujoco_warning)


def make_env(env_id: str, env_kwargs: dict, episode_steps: int):
    r"""``gym.make(env_id)`` whose episodes end after ``episode_steps`` steps at most, made
    once per process and setting (``env.reset(seed=s)`` restores the whole state)."""
    key = repr((env_id, sorted(env_kwargs.items()), episode_steps))
    if key not in _ENVS:
        import gymnasium as gym

        route_mujoco_warnings()
        _ENVS[key] = gym.make(env_id, disable_env_checker=True,
                              max_episode_steps=episode_steps, **env_kwargs)
    return _ENVS[key]


def rollouts(
    env_id: str,
    env_kwargs: dict,
    layout: Sequence[int],
    obs_mean: np.ndarray,
    obs_std: np.ndarray,
    params: np.ndarray,
    reset_seeds: np.ndarray,
    episode_steps: int,
    observation_stats: bool = False,
) -> dict[str, np.ndarray]:
    r"""Run every policy of ``params`` from every reset seed of its row.

    Args:
        params: ``n x d`` flat policy parameters.
        reset_seeds: ``n x k`` seeds of ``env.reset``; row ``i`` for policy ``i``.
        episode_steps: Steps per episode, fewer if the environment terminates.
        observation_stats: Also return, per episode, the sum and sum of squares of the raw
            observations it met (augmented random search's running scaling; the count is
            ``steps``).

    Returns:
        ``returns`` and ``survive`` (``n x k``: the episode's summed reward and its summed
        ``reward_survive``, the healthy reward, 0 where the environment has none),
        ``steps`` (``n x k``), and with ``observation_stats`` ``sum`` and ``sumsq``
        (``n x k x obs_dim``).
    """
    params = np.asarray(params, dtype=np.float64)
    reset_seeds = np.asarray(reset_seeds, dtype=np.int64)
    n, k = reset_seeds.shape
    env = make_env(env_id, env_kwargs, episode_steps)
    low, high = env.action_space.low, env.action_space.high
    returns, survive = np.zeros((n, k)), np.zeros((n, k))
    steps = np.zeros((n, k), dtype=np.int64)
    total, squares = np.zeros((n, k, layout[0])), np.zeros((n, k, layout[0]))
    for i in range(n):
        layers = unflatten(params[i], layout)
        for j in range(k):
            observation, _ = env.reset(seed=int(reset_seeds[i, j]))
            for _ in range(episode_steps):
                if observation_stats:
                    total[i, j] += observation
                    squares[i, j] += observation * observation
                action = act(layers, observation, obs_mean, obs_std, low, high)
                observation, reward, terminated, truncated, info = env.step(action)
                returns[i, j] += reward
                survive[i, j] += info.get("reward_survive", 0.0)
                steps[i, j] += 1
                if terminated or truncated:
                    break
    out = {"returns": returns, "survive": survive, "steps": steps}
    if observation_stats:
        out.update(sum=total, sumsq=squares)
    return out

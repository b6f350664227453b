r"""One parallelism budget: the CPUs this process may use, shared by torch threads, benchmark
worker processes and oracle rollout processes so that their product never exceeds it.

``cpu_budget()`` is, in order:

1. ``$BOTORCH_MENTOR_CPUS`` when set: a ``WorkerPool`` sets it in each of its processes to
   that process's share (``cpus_per_worker``), so an oracle called inside a benchmark worker
   uses that share and never starts ``cpu_count()`` processes of its own;
2. else the CPUs of this process's affinity mask (``os.sched_getaffinity``: ``taskset``,
   container CPU sets), capped by a cgroup v2 CPU quota (``cpu.max``) when one is set;
   ``os.cpu_count()`` ignores both.

``worker_count(requested)`` turns an oracle's or a benchmark's requested process count
(``None``: the whole budget) into the count it may use: never above the budget.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CPUS_VARIABLE = "BOTORCH_MENTOR_CPUS"
"""Environment variable holding this process's CPU budget (set by ``WorkerPool``)."""
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def _affinity_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def _cgroup_cpus() -> int | None:
    r"""``ceil(quota / period)`` of a cgroup v2 ``cpu.max``, None without a quota."""
    try:
        quota, period = CGROUP_CPU_MAX.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return max(1, math.ceil(int(quota) / int(period)))
    except (ValueError, ZeroDivisionError):
        return None


def cpu_budget() -> int:
    r"""The CPUs this process may use (module docstring); at least 1.

    Raises:
        ValueError: ``$BOTORCH_MENTOR_CPUS`` is set but not a positive integer.
    """
    value = os.environ.get(CPUS_VARIABLE)
    if value:
        try:
            cpus = int(value)
        except ValueError:
            cpus = 0
        if cpus < 1:
            raise ValueError(f"${CPUS_VARIABLE} must be a positive integer, got {value!r}; "
                             "unset it to use every CPU of this process's affinity.")
        return cpus
    quota = _cgroup_cpus()
    cpus = _affinity_cpus()
    return max(1, min(cpus, quota) if quota is not None else cpus)


def worker_count(requested: int | None, per_worker: int = 1) -> int:
    r"""Processes of ``per_worker`` CPUs each that fit the budget: ``requested`` (None: as
    many as fit), never more than ``cpu_budget() // per_worker`` and never fewer than 1.

    Raises:
        ValueError: ``requested`` or ``per_worker`` is not a positive integer.
    """
    for name, value in (("workers", requested), ("per_worker", per_worker)):
        if value is None and name == "workers":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer or None, got {value!r}.")
    fit = max(1, cpu_budget() // per_worker)
    return fit if requested is None else min(requested, fit)

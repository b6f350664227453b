r"""Running a benchmark's (task, method, seed) runs as Ray tasks.

The task (its data and oracle) goes into Ray's object store once; every run is one Ray task
asking for ``threads`` CPUs (and one GPU with ``device="cuda"``), retried once if its worker is
lost. Records come back as runs finish and are written at once (the caller's ``keep``), so the
local runner's resume behaviour holds. A run that fails is reported with its (task, method,
seed) and error after all the others have finished. Install with ``pip install 'botorch-
mentor[ray]'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from botorch_mentor.tasks.base import OfflineTask

INSTALL_HINT = "Ray is not installed; install the extra with: pip install 'botorch-mentor[ray]'"


def _import_ray():
    try:
        import ray
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    return ray


def _run_one(task: OfflineTask, method: str, seed: int, settings) -> dict:
    r"""One run inside a Ray worker, with ``settings.threads`` torch threads (the same count
    as the local executor, so the records are identical)."""
    from botorch_mentor.benchmark.runner import run_seed

    return next(iter(run_seed(task, [method], seed, settings)))


def run_on_ray(
    task: OfflineTask,
    runs: list[tuple[str, int]],
    settings,
    keep: Callable[[dict], None],
    address: str | None = None,
) -> list[tuple[str, str, int, str]]:
    r"""Submit ``runs`` (``(method, seed)`` pairs) and ``keep`` each record as it arrives.

    Connects to ``address`` (or ``$RAY_ADDRESS``) when given, else starts a local instance
    (unless one is already running in this process).

    Returns:
        The failures, as ``(task, method, seed, error message)``.
    """
    ray = _import_ray()
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    if not runs:
        return []
    task_ref = ray.put(task)  # the data travels once
    uses_gpu = str(settings.device).startswith("cuda")
    remote = ray.remote(_run_one).options(
        num_cpus=settings.threads, num_gpus=1 if uses_gpu else 0, max_retries=1
    )
    pending = {remote.remote(task_ref, method, seed, settings): (method, seed)
               for method, seed in runs}
    failures = []
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        method, seed = pending.pop(ready[0])
        try:
            keep(ray.get(ready[0]))
        except Exception as error:  # noqa: BLE001 - every failure is reported, none stops others
            cause = getattr(error, "cause", None) or error
            message = f"{type(cause).__name__}: {str(cause).strip().splitlines()[-1]}"
            failures.append((task.name, method, seed, message))
    return failures

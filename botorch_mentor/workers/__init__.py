r"""Worker processes and the parallelism budget.

``WorkerPool`` / ``shared_pool`` run named functions in plain Python processes (from a script,
a notebook, stdin or the CLI alike) without ever mixing replies, leaking processes or
multiplying them; ``cpu_budget`` / ``worker_count`` size every parallel part of the library
from the CPUs this process may use. ``duplex`` and ``mujoco`` are what oracle workers run
(ViennaRNA's duplex energies, MuJoCo rollouts): numpy only, never torch.

This package imports no torch, so that oracle workers start in a fraction of a second.
"""

from botorch_mentor.workers.budget import CPUS_VARIABLE, cpu_budget, worker_count
from botorch_mentor.workers.pool import (
    RemoteTraceback,
    RequestFailed,
    WorkerDied,
    WorkerError,
    WorkerPool,
    shared_pool,
)

__all__ = [
    "CPUS_VARIABLE",
    "RemoteTraceback",
    "RequestFailed",
    "WorkerDied",
    "WorkerError",
    "WorkerPool",
    "cpu_budget",
    "shared_pool",
    "worker_count",
]

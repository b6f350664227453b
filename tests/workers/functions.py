"""Functions that ``WorkerPool`` tests ask worker processes to run (importable by name)."""

from __future__ import annotations

import os
import sys
import time


def countdown(label: str, n: int, pause: float = 0.0):
    """Yield ``(label, k, pid)`` for k = n-1 .. 0, pausing between items; fails at n < 0."""
    if n < 0:
        raise ValueError(f"{label}: n must be >= 0")
    for k in range(n - 1, -1, -1):
        time.sleep(pause)
        yield label, k, os.getpid()


def square(x: int) -> int:
    return x * x


def square_unless_three(x: int, pause: float = 0.0) -> int:
    """``x * x`` after ``pause`` seconds; ``ValueError`` for 3 (at once)."""
    if x == 3:
        raise ValueError("three is refused")
    time.sleep(pause)
    return x * x


def slow_square(x: int, pause: float) -> int:
    time.sleep(pause)
    return x * x


def exit_now(code: int) -> None:
    """The worker process dies (as a crash in C code would end it)."""
    os._exit(code)


def noisy_square(x: int) -> int:
    """``x * x``, after writing to descriptor 1 as C code does and printing."""
    os.write(1, b"C code wrote this to stdout\n")
    print("and Python printed this")
    return x * x


def import_view() -> list[str]:
    return list(sys.path)


def budget() -> tuple[int, int, str | None]:
    """This process's CPU budget, its default worker count and its BLAS thread setting."""
    from botorch_mentor.workers import cpu_budget, worker_count

    return cpu_budget(), worker_count(None), os.environ.get("OMP_NUM_THREADS")


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no")


def raise_unpicklable() -> None:
    raise Unpicklable("cannot travel")


class BudgetRecordingOracle:
    """Hartmann-6's oracle that also appends ``pid cpu_budget worker_count`` to a file."""

    def __init__(self, oracle, path: str) -> None:
        self.oracle, self.path = oracle, path

    def __call__(self, designs):
        from botorch_mentor.workers import cpu_budget, worker_count

        with open(self.path, "a") as handle:
            handle.write(f"{os.getpid()} {cpu_budget()} {worker_count(None)}\n")
        return self.oracle(designs)


class RefusesToUnpickle:
    """Pickles in the parent; rebuilding it (in the worker) raises."""

    def __reduce__(self):
        return (_refuse, ())


def _refuse():
    raise ValueError("cannot be rebuilt here")


def identity(value):
    return value


def oracle_workers(oracle) -> int:
    """How many processes ``oracle`` would use here (its ``workers`` resolved in this
    process's budget)."""
    from botorch_mentor.workers import worker_count

    return worker_count(oracle.workers)


class ExitOnSeedOne:
    """An oracle whose process dies (as in a crash of C code) during the runs of seed 1."""

    def __init__(self, oracle) -> None:
        self.oracle = oracle

    def __call__(self, designs):
        import torch

        if torch.initial_seed() == 1:
            os._exit(9)
        return self.oracle(designs)

"""Functions that ``WorkerPool`` tests ask worker processes to run (importable by name)."""

from __future__ import annotations

import os
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

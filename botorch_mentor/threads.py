r"""One thread policy for every entry point that computes (``propose``, ``run_benchmark``).

A torch computation runs with ``DEFAULT_THREADS`` intra-op threads unless the caller asks for
more. One thread was measured fastest per benchmark run on a 2-core machine and, on a machine
shared with another busy process, more threads than free cores collapse (spinning OpenMP
threads; documentation: results/threads). A fixed count also makes floating-point sums, hence
records, identical across executors and machines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

DEFAULT_THREADS = 1
"""Torch threads of a ``propose`` call or of one benchmark run."""


def check_threads(threads: object) -> int:
    r"""``threads`` if it is a positive integer; ``ValueError`` naming the fix otherwise."""
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}.")
    return threads


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    r"""Run the block with ``threads`` intra-op torch threads, then restore the old count."""
    old = torch.get_num_threads()
    torch.set_num_threads(check_threads(threads))
    try:
        yield
    finally:
        torch.set_num_threads(old)

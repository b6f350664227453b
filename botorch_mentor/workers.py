r"""Worker processes that work from every calling context.

Oracles whose Python bindings hold the GIL (ViennaRNA's ``duplexfold``, MuJoCo rollouts) score
large batches in other processes. ``multiprocessing``'s ``spawn`` start method re-imports the
caller's main module in every child: a script without an ``if __name__ == "__main__":`` guard
then runs again in each child (and the pool breaks), and code piped to ``python -`` has no
main module to import at all. A ``WorkerPool`` instead starts plain ``python -m
botorch_mentor._worker`` processes and sends them ``(function, arguments)`` requests over
pipes: nothing of the caller is imported, so it works from a script, a notebook, stdin or the
CLI alike. Functions are named ``"module:function"``; a worker imports only the modules its
requests name (oracles' workers import no torch; benchmark runs import the package).
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from botorch_mentor._worker import HEADER, write_frame

_POOLS: dict[int, WorkerPool] = {}


def _read_exact(descriptor: int, size: int) -> bytes:
    r"""``size`` bytes from a pipe, fewer only at its end. Unbuffered (``os.read``), so that
    ``select`` sees every frame that has not been read yet."""
    parts, left = [], size
    while left:
        chunk = os.read(descriptor, min(left, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _read_frame(descriptor: int) -> bytes | None:
    r"""One length-prefixed frame from a worker's stdout, or None when the worker exited."""
    header = _read_exact(descriptor, HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = _read_exact(descriptor, size)
    return payload if len(payload) == size else None


class RequestFailed:
    r"""What ``WorkerPool.stream`` yields for a request that raised: the worker's
    traceback (``text``) and its last line (``message``)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.message = text.strip().splitlines()[-1] if text.strip() else "failed"


class WorkerPool:
    r"""``workers`` processes running ``botorch_mentor._worker``, started once and reused."""

    def __init__(self, workers: int) -> None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}.")
        package_parent = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [package_parent, *filter(None, [env.get("PYTHONPATH")])])
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[variable] = "1"  # one core per worker
        self._processes = [
            subprocess.Popen([sys.executable, "-m", "botorch_mentor._worker"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            for _ in range(workers)
        ]

    @property
    def workers(self) -> int:
        return len(self._processes)

    def map(self, function: str, arguments: Sequence[tuple]) -> list:
        r"""``[function(*a) for a in arguments]``, computed by the workers in waves of one
        request per worker; results in the order of ``arguments``.

        Raises:
            RuntimeError: a request failed (with the worker's traceback) or a worker died.
        """
        results: list = []
        for start in range(0, len(arguments), self.workers):
            wave = arguments[start:start + self.workers]
            for process, argument in zip(self._processes, wave):
                write_frame(process.stdin, pickle.dumps((function, tuple(argument))))
            for process, _ in zip(self._processes, wave):
                status, value = self._reply(process, function)
                if status == "error":
                    raise RuntimeError(f"{function} failed in a worker process:\n{value}")
                results.append(value)
        return results

    def stream(self, function: str, arguments: Sequence[tuple]) -> Iterator[tuple[int, object]]:
        r"""Run ``function(*a)`` for every ``a`` of ``arguments``, each in one worker, and
        yield ``(index, item)`` as soon as any worker sends one.

        ``function`` returns a generator (its items are sent one by one as they are made) or
        a value (one item). A request goes to the first free worker. A failing request yields
        ``(index, RequestFailed(traceback))`` and the others go on.

        Raises:
            RuntimeError: a worker died.
        """
        todo = list(enumerate(arguments))
        busy: dict[int, tuple[subprocess.Popen, int]] = {}  # stdout fd -> (process, index)

        def send(process: subprocess.Popen) -> None:
            index, argument = todo.pop(0)
            write_frame(process.stdin, pickle.dumps((function, tuple(argument))))
            busy[process.stdout.fileno()] = (process, index)

        for process in self._processes[:len(todo)]:
            send(process)
        while busy:
            ready, _, _ = select.select(list(busy), [], [])
            for descriptor in ready:
                process, index = busy[descriptor]
                status, value = self._reply(process, function)
                if status == "item":
                    yield index, value
                    continue
                if status == "ok":
                    yield index, value
                elif status == "error":
                    yield index, RequestFailed(value)
                del busy[descriptor]
                if todo:
                    send(process)

    def _reply(self, process: subprocess.Popen, function: str) -> tuple[str, object]:
        r"""The next ``(status, value)`` frame of ``process``; closes the pool and raises
        ``RuntimeError`` when the process died."""
        frame = _read_frame(process.stdout.fileno())
        if frame is None:
            self.close()
            raise RuntimeError(
                f"a worker process running {function} exited (status {process.poll()}); see "
                "its output above.")
        return pickle.loads(frame)

    def close(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.stdin.close()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
        self._processes = []


def shared_pool(workers: int) -> WorkerPool:
    r"""A ``WorkerPool`` of ``workers`` processes kept for the life of this process."""
    pool = _POOLS.get(workers)
    if pool is None or not pool._processes or any(p.poll() is not None for p in pool._processes):
        pool = _POOLS[workers] = WorkerPool(workers)
    return pool


@atexit.register
def _close_pools() -> None:
    for pool in _POOLS.values():
        pool.close()
    _POOLS.clear()

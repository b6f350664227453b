r"""Worker processes that work from every calling context and never mix, leak or multiply.

Oracles whose Python bindings hold the GIL (ViennaRNA's ``duplexfold``, MuJoCo rollouts) and
benchmark seeds run in other processes. ``multiprocessing``'s ``spawn`` re-imports the
caller's main module in every child: a script without an ``if __name__ == "__main__":`` guard
runs again in each child, and code piped to ``python -`` has no main module to import. A
``WorkerPool`` instead starts plain Python processes running ``botorch_mentor.workers._main``
with the parent's ``sys.path`` (the same import view, in the same order: the standard library
is never shadowed) and sends them ``(request id, "module:function", arguments)`` requests over
pipes; nothing of the caller is imported.

What the protocol guarantees:

- **No mixed replies.** Each worker has at most one request in flight; every reply carries its
  request's id and a reply with another id closes the pool with ``WorkerError``. Frames come
  on a private descriptor (what C code prints goes to stderr).
- **Nothing left in a pipe.** A call that ends early (an exception, ``KeyboardInterrupt``, a
  caller that stops reading ``stream``) closes the pool: the next ``shared_pool`` call starts
  fresh processes. A request that raises in ``map`` lets the requests in flight finish, reads
  their replies, then raises: the pool stays usable.
- **One failure type.** A request that raises re-raises its own exception type in the parent
  (the worker's traceback as ``__cause__``), as the call would in-process; only a dead worker
  raises ``WorkerDied``.
- **Every process reaped.** ``close()`` (or leaving a ``with`` block, or the pool being
  collected, or the interpreter exiting) ends every worker and closes every pipe; a dead
  worker's siblings are ended with it.
- **Owned by one process, used by one call at a time.** A pool used from a forked child raises
  (the child makes its own, ``shared_pool`` does that); a second concurrent call (another
  thread, or ``map`` inside a ``stream`` loop) raises instead of interleaving frames.
  ``shared_pool`` keeps one pool per process, thread and size.
- **No multiplication.** Each worker's CPU budget (``$BOTORCH_MENTOR_CPUS``,
  ``botorch_mentor.workers.budget``) is its share, ``cpus_per_worker``, and its BLAS threads
  are pinned to it: an oracle called inside a worker sizes its own processes from that share.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator, Sequence

from botorch_mentor.workers._main import HEADER, REQUEST_ID
from botorch_mentor.workers.budget import CPUS_VARIABLE

SYS_PATH_VARIABLE = "BOTORCH_MENTOR_SYS_PATH"
BOOT = (f"import json, os, sys; sys.path[:] = json.loads(os.environ.pop({SYS_PATH_VARIABLE!r}));"
        " from botorch_mentor.workers._main import main; main()")
"""What a worker process runs: the parent's import path, then the request loop."""
CLOSE_TIMEOUT = 5.0
"""Seconds the workers get, together, to exit after their stdin closes before they are
killed (workers with a request in flight when a call ends early are killed at once)."""

_POOLS: dict[tuple[int, int, int, int], WorkerPool] = {}


class WorkerError(RuntimeError):
    r"""The worker layer itself failed (a protocol error); the pool is closed."""


class WorkerDied(WorkerError):
    r"""A worker process exited while it had a request; the pool is closed."""


class RemoteTraceback(Exception):
    r"""The ``__cause__`` of an exception re-raised from a worker: the worker's traceback."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"\n\nin the worker process:\n{self.text}"


class RequestFailed:
    r"""What ``WorkerPool.stream`` yields for a request that raised: the worker's traceback
    (``text``), its last line (``message``) and the exception (``error``, rebuilt in this
    process with the traceback as its cause; ``None`` when it could not be pickled)."""

    def __init__(self, text: str, error: BaseException | None = None) -> None:
        self.text = text
        self.message = text.strip().splitlines()[-1] if text.strip() else "failed"
        self.error = error

    def exception(self) -> BaseException:
        r"""The exception to raise in this process: the worker's own type when it could be
        rebuilt, else ``WorkerError`` with the traceback."""
        if self.error is not None:
            return self.error
        return WorkerError(f"a request failed in a worker process:\n{self.text}")


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
    r"""One length-prefixed frame from a worker, or None when the worker exited."""
    header = _read_exact(descriptor, HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = _read_exact(descriptor, size)
    return payload if len(payload) == size else None


def _failure(value: tuple[bytes | None, str]) -> RequestFailed:
    pickled, text = value
    error = None
    if pickled is not None:
        try:
            error = pickle.loads(pickled)
        except Exception:  # noqa: BLE001 - the class may not exist here: send the text
            error = None
        if isinstance(error, BaseException):
            error.__cause__ = RemoteTraceback(text)
        else:
            error = None
    return RequestFailed(text, error)


def _shutdown(processes: list[subprocess.Popen], owner: int) -> None:
    r"""End and reap ``processes`` (stdin closed, then killed after ``CLOSE_TIMEOUT``) and
    close their pipes; nothing in a process that does not own them (a forked child)."""
    if os.getpid() != owner:
        return
    for process in processes:
        if process.stdin is not None and not process.stdin.closed:
            try:
                process.stdin.close()
            except OSError:  # a broken pipe: the worker is gone already
                pass
    deadline = time.monotonic() + CLOSE_TIMEOUT  # one deadline for all, not one each
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    processes.clear()


class WorkerPool:
    r"""``workers`` processes running ``botorch_mentor.workers._main``, started once and
    reused; see the module docstring for what it guarantees. Use it as a context manager, or
    call ``close()``.

    Args:
        workers: Number of processes.
        cpus_per_worker: Each worker's CPU budget (its ``$BOTORCH_MENTOR_CPUS`` and BLAS
            threads); default 1.
    """

    def __init__(self, workers: int, cpus_per_worker: int = 1) -> None:
        for name, value in (("workers", workers), ("cpus_per_worker", cpus_per_worker)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self.cpus_per_worker = cpus_per_worker
        self._owner = os.getpid()
        self._lock = threading.Lock()
        self._next_id = 0
        path = [os.path.abspath(entry or os.getcwd()) for entry in sys.path]
        env = dict(os.environ)
        env[SYS_PATH_VARIABLE] = json.dumps(path)
        env[CPUS_VARIABLE] = str(cpus_per_worker)
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[variable] = str(cpus_per_worker)
        self._processes: list[subprocess.Popen] = []
        self._finalizer = weakref.finalize(self, _shutdown, self._processes, self._owner)
        try:
            for _ in range(workers):
                self._processes.append(subprocess.Popen(
                    [sys.executable, "-c", BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    env=env))
        except BaseException:
            self.close()
            raise

    # ---- life cycle -----------------------------------------------------------------------
    @property
    def workers(self) -> int:
        return len(self._processes)

    @property
    def closed(self) -> bool:
        return not self._processes

    def alive(self) -> bool:
        r"""True when this process owns the pool and every worker is running."""
        return (os.getpid() == self._owner and bool(self._processes)
                and all(process.poll() is None for process in self._processes))

    def close(self) -> None:
        r"""End every worker, reap it and close its pipes (in a forked child: forget them)."""
        self._finalizer()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _check_usable(self) -> None:
        if os.getpid() != self._owner:
            raise RuntimeError(
                f"this WorkerPool belongs to process {self._owner}, not to this forked process "
                f"{os.getpid()}; make a new pool here (shared_pool does).")
        if self.closed:
            raise RuntimeError("this WorkerPool is closed; make a new one (shared_pool does).")

    # ---- calls ----------------------------------------------------------------------------
    def map(self, function: str, arguments: Sequence[tuple]) -> list:
        r"""``[function(*a) for a in arguments]`` computed by the workers (each request whole
        in one worker, sent to the first free one); results in the order of ``arguments``. A
        function that returns a generator gives the list of its items.

        A failing request raises its own exception, the first in the order of ``arguments``,
        after the requests in flight have finished; the worker's traceback is its
        ``__cause__``.

        Raises:
            WorkerError: a request's exception could not be sent back (its text is given).
            WorkerDied: a worker died.
        """
        results: list = [None] * len(arguments)
        items: dict[int, list] = {}
        failures: dict[int, RequestFailed] = {}
        for index, status, value in self._run(function, arguments, stop_on_failure=True):
            if status == "item":
                items.setdefault(index, []).append(value)
            elif status == "done":
                results[index] = items.pop(index, [])
            elif status == "ok":
                results[index] = value
            else:
                failures[index] = value
        if failures:
            raise failures[min(failures)].exception()
        return results

    def stream(self, function: str, arguments: Sequence[tuple]) -> Iterator[tuple[int, object]]:
        r"""Run ``function(*a)`` for every ``a`` of ``arguments``, each whole in one worker,
        and yield ``(index, item)`` as soon as any worker sends one.

        ``function`` returns a generator (its items are sent one by one as they are made) or
        a value (one item). A request goes to the first free worker. A failing request yields
        ``(index, RequestFailed)`` and the others go on. Stopping early (``break``, an
        exception in the loop) closes the pool.

        Raises:
            WorkerDied: a worker died.
        """
        for index, status, value in self._run(function, arguments, stop_on_failure=False):
            if status in ("item", "ok"):
                yield index, value
            elif status == "error":
                yield index, value

    def _run(self, function: str, arguments: Sequence[tuple], stop_on_failure: bool
             ) -> Iterator[tuple[int, str, object]]:
        r"""Dispatch the requests and yield ``(index, status, value)`` per reply frame
        (``error`` frames carry a ``RequestFailed``). Whatever ends the generator before
        every request is answered (an exception here or in the caller, ``close()`` of the
        generator) closes the pool, so no reply is ever left in a pipe."""
        self._check_usable()
        todo = list(enumerate(arguments))[::-1]  # popped from the end: first argument first
        if not self._lock.acquire(blocking=False):
            raise RuntimeError(
                "this WorkerPool is already running a call (another thread, or a call inside a "
                "stream loop); use one pool per thread (shared_pool does) or finish the "
                "first call.")
        busy: dict[int, tuple[subprocess.Popen, int, int]] = {}  # fd -> process, index, id
        finished = False
        try:
            def send(process: subprocess.Popen) -> None:
                index, argument = todo.pop()
                request_id, self._next_id = self._next_id, self._next_id + 1
                payload = REQUEST_ID.pack(request_id) + pickle.dumps(
                    (function, tuple(argument)), protocol=pickle.HIGHEST_PROTOCOL)
                busy[process.stdout.fileno()] = (process, index, request_id)
                try:
                    process.stdin.write(HEADER.pack(len(payload)) + payload)
                    process.stdin.flush()
                except BrokenPipeError:
                    raise self._died(process, function) from None

            for process in self._processes[:len(todo)]:
                send(process)
            stopping = False
            while busy:
                self._check_open()
                ready, _, _ = select.select(list(busy), [], [])
                for descriptor in ready:
                    process, index, request_id = busy[descriptor]
                    frame = _read_frame(descriptor)
                    if frame is None:
                        raise self._died(process, function)
                    reply_id, status, value = pickle.loads(frame)
                    if reply_id != request_id:
                        raise WorkerError(
                            f"a worker answered request {reply_id} while request {request_id} "
                            "was in flight; the pool was closed.")
                    if status == "error":
                        value = _failure(value)
                        stopping = stopping or stop_on_failure
                    yield index, status, value
                    self._check_open()
                    if status == "item":
                        continue
                    del busy[descriptor]
                    if todo and not stopping:
                        send(process)
            finished = True
        finally:
            self._lock.release()
            if not finished:
                for process, _, _ in busy.values():  # busy workers would not read their EOF
                    if process.poll() is None:
                        process.kill()
                self.close()

    def _check_open(self) -> None:
        if self.closed:
            raise WorkerError("the pool was closed while a call was running.")

    def _died(self, process: subprocess.Popen, function: str) -> WorkerDied:
        r"""Close the pool (every sibling ended) and describe the dead worker."""
        try:
            status = process.wait(timeout=CLOSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            status = None
        self.close()
        return WorkerDied(
            f"a worker process running {function} exited (status {status}) with a request in "
            "flight; its output is above. The pool was closed.")


def shared_pool(workers: int) -> WorkerPool:
    r"""A ``WorkerPool`` of ``workers`` one-CPU processes kept for the life of this process and
    thread (a closed, broken or foreign one is replaced)."""
    key = (os.getpid(), threading.get_ident(), workers, 1)
    pool = _POOLS.get(key)
    if pool is None or not pool.alive():
        if pool is not None:
            pool.close()
        pool = _POOLS[key] = WorkerPool(workers)
    return pool


def _forget_pools() -> None:  # in a forked child: the parent's pools are not ours
    _POOLS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)

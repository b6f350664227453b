"""The worker protocol never mixes replies, leaks processes or hides failures: a failing
request, an interrupt mid-``map``, a caller that stops reading ``stream``, a killed worker, a
generator function in ``map``, C code writing to stdout, forks and threads. Each test here
failed on the pool without request ids, draining and ownership."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest

from botorch_mentor.workers import (
    RemoteTraceback,
    WorkerDied,
    WorkerError,
    WorkerPool,
    shared_pool,
)

F = "tests.workers.functions:"


def _reaped(pool_processes) -> bool:
    return all(process.returncode is not None for process in pool_processes)


def test_a_failing_request_leaves_nothing_in_the_pipes():
    """With two workers, the second request's reply must not become the next call's."""
    pool = shared_pool(2)
    with pytest.raises(ValueError, match="three is refused") as caught:
        pool.map(F + "square_unless_three", [(3,), (4, 0.2)])
    assert isinstance(caught.value.__cause__, RemoteTraceback)
    again = shared_pool(2)
    assert again.map(F + "square", [(5,), (6,)]) == [25, 36]
    assert again.map(F + "square", [(7,), (8,), (9,)]) == [49, 64, 81]


def test_the_first_failure_in_argument_order_is_raised_after_the_others_finish():
    with WorkerPool(2) as pool:
        with pytest.raises(ValueError):
            pool.map(F + "square_unless_three", [(2, 0.3), (3,), (3,), (5,)])
        assert pool.map(F + "square", [(1,), (2,)]) == [1, 4]


def test_an_interrupt_mid_map_closes_the_pool_and_the_next_call_is_right():
    pool = shared_pool(2)
    processes = list(pool._processes)

    def interrupt(*_):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            pool.map(F + "slow_square", [(3, 2.0), (4, 2.0)])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert pool.closed and _reaped(processes)
    assert shared_pool(2).map(F + "square", [(3,), (4,)]) == [9, 16]


def test_a_caller_that_stops_reading_a_stream_closes_the_pool():
    pool = shared_pool(2)
    processes = list(pool._processes)
    for _ in pool.stream(F + "countdown", [("a", 5, 0.05), ("b", 5, 0.05)]):
        break
    assert pool.closed and _reaped(processes)
    assert shared_pool(2).map(F + "square", [(3,), (4,)]) == [9, 16]


def test_a_killed_worker_raises_and_its_siblings_are_reaped():
    pool = WorkerPool(3)
    processes = list(pool._processes)
    with pytest.raises(WorkerDied, match="exited"):
        pool.map(F + "exit_now", [(7,), (0,), (0,)])
    assert pool.closed and _reaped(processes)
    assert all(p.stdout.closed and p.stdin.closed for p in processes)


def test_a_request_the_worker_cannot_unpickle_raises_its_own_error():
    from tests.workers.functions import RefusesToUnpickle

    with WorkerPool(1) as pool:
        with pytest.raises(ValueError, match="cannot be rebuilt here"):
            pool.map(F + "identity", [(RefusesToUnpickle(),)])
        assert pool.map(F + "square", [(2,)]) == [4]


def test_arguments_that_fail_to_iterate_leave_the_pool_usable():
    class Broken:
        def __len__(self):
            return 2

        def __getitem__(self, index):
            raise KeyError("broken sequence")

        def __iter__(self):
            raise KeyError("broken sequence")

    with WorkerPool(1) as pool:
        with pytest.raises(KeyError):
            pool.map(F + "square", Broken())
        assert pool.map(F + "square", [(3,)]) == [9]


def test_an_early_exit_kills_busy_workers_at_once():
    import time

    pool = WorkerPool(2)
    started = time.monotonic()
    for _ in pool.stream(F + "slow_square", [(1, 0.0), (2, 30.0), (3, 30.0)]):
        break
    assert pool.closed and time.monotonic() - started < 10


def test_close_reaps_every_process_and_a_with_block_closes():
    with WorkerPool(2) as pool:
        processes = list(pool._processes)
        assert pool.map(F + "square", [(2,)]) == [4]
    assert pool.closed and _reaped(processes)
    with pytest.raises(RuntimeError, match="closed"):
        pool.map(F + "square", [(2,)])


def test_map_on_a_generator_function_gives_its_items_and_the_pool_stays_right():
    with WorkerPool(2) as pool:
        result = pool.map(F + "countdown", [("a", 3), ("b", 0), ("c", 2)])
        assert [[item[:2] for item in items] for items in result] == [
            [("a", 2), ("a", 1), ("a", 0)], [], [("c", 1), ("c", 0)]]
        assert pool.map(F + "square", [(3,), (4,)]) == [9, 16]


def test_what_c_code_prints_never_reaches_the_frames(capfd):
    with WorkerPool(2) as pool:
        assert pool.map(F + "noisy_square", [(3,), (4,), (5,)]) == [9, 16, 25]
    assert "C code wrote this" in capfd.readouterr().err


def test_one_failure_type_and_an_unpicklable_exception_as_worker_error():
    with WorkerPool(1) as pool:
        with pytest.raises(ValueError):
            pool.map(F + "square_unless_three", [(3,)])
        with pytest.raises(WorkerError, match="(?s)Unpicklable.*cannot travel"):
            pool.map(F + "raise_unpicklable", [()])
        assert pool.map(F + "square", [(2,)]) == [4]


def test_workers_import_what_the_parent_imports_in_its_order():
    with WorkerPool(1) as pool:
        (view,) = pool.map(F + "import_view", [()])
    assert view == [os.path.abspath(entry or os.getcwd()) for entry in sys.path]


def test_a_second_thread_gets_its_own_shared_pool_and_cannot_share_a_busy_one():
    pool = WorkerPool(1)
    try:
        errors, results = [], []
        stream = pool.stream(F + "countdown", [("a", 3, 0.2)])
        next(stream)  # the pool is now busy with a call

        def other():
            try:
                pool.map(F + "square", [(2,)])
            except RuntimeError as error:
                errors.append(str(error))
            results.append(shared_pool(1).map(F + "square", [(3,)]))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert errors and "already running a call" in errors[0]
        assert results == [[9]]
        assert [item[:2] for _, item in stream] == [("a", 1), ("a", 0)]
    finally:
        pool.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_cannot_use_its_parents_pool_and_leaves_it_alone():
    pool = shared_pool(1)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report, never run the parent's cleanup
        signal.alarm(30)  # a lock held by another thread at fork time must not hang the test
        try:
            try:
                pool.map(F + "square", [(2,)])
                message = b"used"
            except RuntimeError as error:
                message = b"refused" if b"belongs to process" in str(error).encode() else b"?"
            fresh = shared_pool(1) is not pool
            os.write(write, message + (b" fresh" if fresh else b" same"))
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 100) == b"refused fresh"
    os.close(read)
    assert pool.alive() and pool.map(F + "square", [(3,)]) == [9]


def test_each_worker_gets_its_cpu_share():
    with WorkerPool(2, cpus_per_worker=3) as pool:
        assert pool.map(F + "budget", [(), ()]) == [(3, 3, "3"), (3, 3, "3")]
    with pytest.raises(ValueError, match="cpus_per_worker"):
        WorkerPool(1, cpus_per_worker=0)

"""Worker processes: the same results as in-process calls, errors with the worker's traceback,
and batches scored from every calling context (a script without a main guard, code piped to
``python -``, a notebook), each in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import nbformat
import numpy as np
import pytest

pytest.importorskip("RNA")

from botorch_mentor.workers import RemoteTraceback, WorkerPool, shared_pool  # noqa: E402

FUNCTION = "botorch_mentor.workers.duplex:duplex_energies"


def test_map_equals_calls_in_this_process():
    import RNA

    rng = np.random.default_rng(0)
    target = "GGGAAACCCUUUGGA"
    parts = [["".join(rng.choice(list("ACGU"), 12)) for _ in range(k)] for k in (5, 1, 7)]
    pool = WorkerPool(2)
    try:
        results = pool.map(FUNCTION, [(target, part) for part in parts])
    finally:
        pool.close()
    assert results == [[RNA.duplexfold(s, target).energy for s in part] for part in parts]


def test_a_failing_request_raises_its_own_type_with_the_workers_traceback():
    pool = shared_pool(1)
    with pytest.raises(TypeError) as caught:  # what the call raises in this process
        pool.map(FUNCTION, [("ACGU", None)])
    assert isinstance(caught.value.__cause__, RemoteTraceback)
    assert "Traceback" in caught.value.__cause__.text
    assert pool.map(FUNCTION, [("ACGU", [])]) == [[]]  # the worker lives on
    with pytest.raises(ValueError, match="positive integer"):
        WorkerPool(0)


SCRIPT = textwrap.dedent("""
    import numpy as np
    from botorch_mentor.tasks.rna import PARALLEL_MIN_DESIGNS, DuplexOracle, tokens_to_rna
    oracle = DuplexOracle("GGGAAACCCUUUGGAACGU", workers=2)
    rng = np.random.default_rng(1)
    designs = tokens_to_rna(rng.integers(0, 4, size=(PARALLEL_MIN_DESIGNS, 12)))
    batched = oracle.energies(designs)
    alone = DuplexOracle(oracle.target, workers=1).energies(designs[:50])
    assert np.array_equal(batched[:50], alone), "batched != one by one"
    print("scored", len(batched))
""")


@pytest.mark.slow
def test_a_script_without_a_main_guard(tmp_path):
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "scored 4096" in run.stdout


@pytest.mark.slow
def test_code_piped_to_python(tmp_path):
    run = subprocess.run([sys.executable, "-"], input=SCRIPT, capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "scored 4096" in run.stdout


@pytest.mark.slow
def test_a_notebook(tmp_path):
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SCRIPT)])
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = notebook.cells[0].outputs
    assert any("scored 4096" in output.get("text", "") for output in outputs)


def test_stream_yields_items_as_they_come_and_reports_failures():
    """Generators stream item by item, plain results are one item, a failing request is
    reported in its place while the others finish; a request runs whole in one worker."""
    from botorch_mentor.workers import RequestFailed

    pool = WorkerPool(2)
    try:
        arguments = [("a", 3, 0.3), ("b", -1), ("c", 2), ("d", 0)]
        items = list(pool.stream("tests.workers.functions:countdown", arguments))
        plain = list(pool.stream("tests.workers.functions:square", [(3,), (4,)]))
    finally:
        pool.close()
    by_request = {i: [v for j, v in items if j == i] for i in range(4)}
    assert [v[:2] for v in by_request[0]] == [("a", 2), ("a", 1), ("a", 0)]
    assert len({pid for _, _, pid in by_request[0]}) == 1  # one worker ran it whole
    assert [v[:2] for v in by_request[2]] == [("c", 1), ("c", 0)]
    assert by_request[3] == []
    (failed,) = by_request[1]
    assert isinstance(failed, RequestFailed) and failed.message == "ValueError: b: n must be >= 0"
    assert "Traceback" in failed.text
    # request c was sent to the worker freed by b's failure while a was still streaming
    assert items.index((2, by_request[2][0])) < items.index((0, by_request[0][-1]))
    assert sorted(plain) == [(0, 9), (1, 16)]

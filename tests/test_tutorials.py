"""Every tutorial notebook runs top to bottom in smoke mode (its cells assert their claims), and
the notebooks are stored the way the documentation site shows them: run, with their outputs,
from the cells that ``tutorials/build_notebooks.py`` writes."""

import importlib.util
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))
MAX_LINE = 88  # characters of a code line; the site shows about 100 without wrapping


def _build_script():
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  TUTORIALS / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _build_script()


def test_all_four_tutorials_exist():
    names = {p.name for p in NOTEBOOKS}
    assert names == {"quickstart.ipynb", "ax_offline_experiment.ipynb",
                     "bring_your_own_data.ipynb", "reproduce_the_paper.ipynb"}
    assert names == set(BUILD.NOTEBOOKS)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_mode(path, monkeypatch):
    monkeypatch.setenv("SMOKE_TEST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(TUTORIALS)}}).execute()
    assert time.perf_counter() - started < 300
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_has_its_outputs(path):
    """What the site renders (mkdocs-jupyter does not execute): a notebook run top to bottom in
    one kernel, with printed output, no errors and no stderr noise, its figures as PNG."""
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"{path.name} is not stored run top to bottom: python tutorials/build_notebooks.py"
    outputs = [o for c in code for o in c.outputs]
    assert any(o.output_type == "stream" and o.name == "stdout" for o in outputs)
    assert all(c.outputs for c in code), "every cell of the tutorials shows something"
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    if any("plt." in c.source for c in code):
        assert any("image/png" in o.get("data", {}) for o in outputs), "the figure is missing"
    assert path.stat().st_size < 300_000, "keep the stored notebook small (PNG, modest dpi)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_come_from_the_current_cells(path):
    """The stored notebook has exactly the cells the build script writes (so its outputs are
    those of the code shown), including the note on the size and machine that made them, and
    no metadata that changes from run to run."""
    notebook = nbformat.read(path, as_version=4)
    stored = [("md" if c.cell_type == "markdown" else "code", c.source) for c in notebook.cells]
    assert stored == BUILD.cells_of(path.name), \
        f"{path.name} is stale: python tutorials/build_notebooks.py {path.stem}"
    size = BUILD.NOTEBOOKS[path.name][1]
    note = notebook.cells[1].source
    assert BUILD.RUN_DATE in note and "2-core CPU" in note
    assert ("smoke size" in note) == (size == "smoke")
    assert "version" not in notebook.metadata.get("language_info", {})
    assert not [c for c in notebook.cells if "execution" in c.metadata]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_lines_fit_the_page(path):
    notebook = nbformat.read(path, as_version=4)
    long_lines = [line for c in notebook.cells if c.cell_type == "code"
                  for line in c.source.splitlines() if len(line) > MAX_LINE]
    assert not long_lines


def test_the_site_shows_these_notebooks():
    """docs/notebooks (what the site renders) is this folder, not a copy that could drift."""
    site_copy = ROOT / "docs" / "notebooks"
    assert sorted(p.name for p in site_copy.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        assert (site_copy / path.name).read_bytes() == path.read_bytes()

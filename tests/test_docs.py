"""The documentation cannot drift from the code: every Python block of README.md and of the
pages in docs/ runs, every ``botorch-mentor`` command line in them parses with the CLI's
parser, and every public name is in the API reference.

Long blocks run with smoke settings: the presets are shrunk (width 16, 2 epochs, 3 ascent
steps) the way the tutorials shrink theirs under ``SMOKE_TEST=1``. A block whose first line is
``# needs: gpu`` or ``# needs: cluster`` is skipped.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from botorch_mentor.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
PACKAGES = ["botorch_mentor", "botorch_mentor.optim", "botorch_mentor.mentoring",
            "botorch_mentor.fitting", "botorch_mentor.models", "botorch_mentor.benchmark",
            "botorch_mentor.ax", "botorch_mentor.nn", "botorch_mentor.tasks"]


def _blocks(language: str) -> list[tuple[str, str]]:
    out = []
    for page in PAGES:
        if "notebooks" in page.parts:
            continue
        for index, match in enumerate(FENCE.finditer(page.read_text())):
            if match.group(1) == language:
                out.append((f"{page.relative_to(ROOT)}#{index}", match.group(2)))
    return out


PYTHON_BLOCKS = _blocks("python")


def test_the_pages_hold_code_to_check():
    assert len(PYTHON_BLOCKS) >= 5 and len(_commands()) >= 8


@pytest.fixture
def smoke_presets(monkeypatch):
    """The presets at smoke size, for every block that fits or ascends."""
    from botorch_mentor.config import MentoringConfig

    originals = {name: getattr(MentoringConfig, name).__func__ for name in ("fast", "paper")}

    def shrunk(name):
        def preset(cls, discrete=False, **changes):
            base = originals[name](cls, discrete=discrete).replace(
                hidden_sizes=(16,), pretrain_epochs=2, ascent_steps=3, n_candidates=8,
                fit_mentoring_rounds=1, fit_anchors=8)
            return base.replace(**changes)
        return classmethod(preset)

    for name in originals:
        monkeypatch.setattr(MentoringConfig, name, shrunk(name))


@pytest.mark.slow
@pytest.mark.parametrize("where, code", PYTHON_BLOCKS, ids=[w for w, _ in PYTHON_BLOCKS])
def test_python_block_runs(where, code, smoke_presets, tmp_path, monkeypatch):
    first = code.splitlines()[0] if code.strip() else ""
    if first.startswith("# needs:"):
        pytest.skip(f"{where}: {first}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOTORCH_MENTOR_CACHE", str(tmp_path / "cache"))  # task data
    exec(compile(code, where, "exec"), {"__name__": "__docs__"})


def _commands() -> list[tuple[str, str]]:
    commands = []
    for where, code in _blocks("bash"):
        joined = code.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("botorch-mentor"):
                commands.append((where, line))
    return commands


@pytest.mark.parametrize("where, line", _commands(), ids=[c for _, c in _commands()])
def test_command_line_parses(where, line):
    arguments = shlex.split(line)[1:]
    try:
        _parser().parse_args(arguments)
    except SystemExit as exit_:  # --version and --help exit 0; a bad option exits 2
        assert exit_.code == 0, f"{where}: {line!r} does not parse"


def _documented_targets() -> set[str]:
    targets = set()
    for page in (ROOT / "docs" / "api").glob("*.md"):
        for line in page.read_text().splitlines():
            if line.startswith("::: "):
                targets.add(line[4:].strip())
    return targets


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_in_the_api_reference(package):
    """A name is documented when a ``:::`` line names it, or renders the whole module that
    defines it (a class or function by its ``__module__``, a constant by its assignment)."""
    targets = _documented_targets()
    modules = [t for t in targets if _module_or_none(t) is not None]
    module = importlib.import_module(package)
    missing = []
    for name in module.__all__:
        if any(t.endswith(f".{name}") for t in targets):
            continue
        if getattr(getattr(module, name), "__module__", None) in modules:
            continue
        if any(re.search(rf"^{name}\b[^=]*=", Path(_module_or_none(m).__file__).read_text(), re.M)
               for m in modules):
            continue
        missing.append(name)
    assert not missing, f"{package}: not in docs/api: {missing}"


def _module_or_none(path: str):
    try:
        return importlib.import_module(path)
    except ImportError:
        return None


TUTORIAL_PAGES = ["quickstart", "ax_offline_experiment", "bring_your_own_data",
                  "reproduce_the_paper"]
TABS = ["Home", "Guides", "Tutorials", "Results", "API reference"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site as CI builds it (strict: a warning or a broken link fails)."""
    pytest.importorskip("mkdocs_jupyter")
    site_dir = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert build.returncode == 0, build.stderr[-4000:]
    return site_dir


def _page_body(path: Path) -> str:
    """A rendered page without its inline styles (mkdocs-jupyter inlines the notebook CSS,
    which names every class)."""
    return re.sub(r"<style.*?</style>", "", path.read_text(), flags=re.S)


@pytest.mark.slow
def test_site_tutorial_pages_show_outputs(site):
    """Each rendered tutorial page shows an output under every code cell (the stored outputs,
    rendered as stored), the note on which run made them and a link to the notebook; the
    quickstart's histogram is an image on its page."""
    for name in TUTORIAL_PAGES:
        body = _page_body(site / "notebooks" / name / "index.html")
        cells = len(re.findall(r'<div class="jp-Cell jp-CodeCell[^"]*" id=', body))
        assert cells >= 1, name
        assert "jp-mod-noOutputs" not in body, f"{name}: a code cell without output"
        assert body.count('class="jp-OutputArea-child') >= cells, name
        assert "Outputs shown" in body and "2-core CPU" in body, name
        assert f'href="{name}.ipynb"' in body, f"{name}: the download link"
        assert (site / "notebooks" / name / f"{name}.ipynb").is_file()
    quickstart = _page_body(site / "notebooks" / "quickstart" / "index.html")
    assert re.search(r'<img [^>]*src="data:image/png;base64,', quickstart)


@pytest.mark.slow
def test_site_navigation_and_code_lines(site):
    """The guides, tutorials, results and API are tabs; long code lines wrap."""
    html = (site / "index.html").read_text()
    tabs = re.findall(r'class="md-tabs__link">\s*(.*?)\s*</a>', html, re.S)
    assert tabs == TABS
    assert 'href="stylesheets/extra.css"' in html
    css = (site / "stylesheets" / "extra.css").read_text()
    assert ".jupyter-wrapper .highlight-ipynb pre" in css and "pre-wrap" in css


def test_the_results_overview_and_the_readme_table_come_from_the_records():
    """README's results table and docs/results/overview.md are what
    benchmarks/results_overview.py makes from the stored records."""
    run = subprocess.run([sys.executable, "benchmarks/results_overview.py", "--check"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr + run.stdout

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from botorch_mentor.cli import main
from botorch_mentor.proposals import propose


def _run(capsys, *args):
    """``botorch-mentor *args`` in this process: (exit status, stdout, stderr). In-process, so
    the suite does not pay a Python start and the imports per call; the module entry point
    itself is run once, in ``test_module_entry_point_exits_with_the_status``."""
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _dna_frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), 6)) for _ in range(n)]
    score = [s.count("G") + 0.5 * s.count("C") + 0.1 * rng.standard_normal() for s in seqs]
    return pd.DataFrame({"sequence": seqs, "binding": score})


def test_tasks_command_lists_every_task_without_building_it(capsys, monkeypatch):
    """Every registered task gets a line with its design space and source; nothing is built
    (RNA tasks fold 10,000 designs, MuJoCo tasks run a search on first use)."""
    from dataclasses import replace

    from botorch_mentor.tasks import list_tasks, registry

    def refuse():
        raise AssertionError("listing built a task")

    monkeypatch.setattr(registry, "TASKS", {name: replace(entry, build=refuse)
                                            for name, entry in registry.TASKS.items()})
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["task", "designs", "source"]
    lines = {line.split()[0]: " ".join(line.split()) for line in out[1:]}
    assert set(lines) == set(list_tasks())
    assert lines["tfbind8"].startswith("tfbind8 sequence L=8, V=4 embedded")
    assert lines["hartmann6"].startswith("hartmann6 continuous d=6 botorch.test_functions")
    assert lines["tfbind10"].startswith("tfbind10 sequence L=10, V=4 design-bench")
    assert lines["rna20"].startswith("rna20 sequence L=20, V=4 ViennaRNA")
    assert lines["hopper"].startswith("hopper continuous d=36 gymnasium Hopper-v5")
    assert lines["halfcheetah"].startswith("halfcheetah continuous d=108 gymnasium")
    assert lines["ant"].startswith("ant continuous d=224 gymnasium Ant-v5")
    assert lines["ant"].endswith("(extra: mujoco)")


def test_propose_sequences_end_to_end(tmp_path, capsys):
    frame = _dna_frame()
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "proposals.csv"
    status, stdout, stderr = _run(capsys, "propose", path, "--target", "binding", "--n", "8",
                                  "--output", out)
    assert status == 0, stderr
    proposals = pd.read_csv(out)
    assert list(proposals.columns) == ["rank", "sequence", "predicted_binding", "std_binding",
                                       "in_table"]
    assert proposals["sequence"].str.len().eq(6).all()
    assert proposals["sequence"].is_unique and 1 <= len(proposals) <= 8
    # the summary compares with the data on the same (predicted) scale
    assert "Best in data: " in stdout and " predicted; best proposal (" in stdout
    best = proposals.iloc[0]
    assert f"{best['predicted_binding']:.4g} ± " in stdout
    # progress bars with ETA for the fit and the ascent
    assert "pretraining" in stderr and "ascent" in stderr


def test_propose_continuous_api():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(200, 3))
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=-((X - 0.6) ** 2).sum(1))
    proposals = propose(frame, "y", n=8)
    assert list(proposals.columns) == ["rank", "a", "b", "c", "predicted_y", "std_y",
                                       "in_table"]
    assert proposals["predicted_y"].is_monotonic_decreasing


def _csv(tmp_path, frame):
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    "make, args, message",
    [
        (lambda: _dna_frame(), ["--target", "missing"], "target column 'missing'"),
        (lambda: _dna_frame().assign(binding=np.nan), ["--target", "binding"], "missing"),
        (lambda: _dna_frame().assign(binding=1.0), ["--target", "binding"], "constant"),
        (lambda: _dna_frame(n=4), ["--target", "binding"], "at least 15 rows are needed"),
        (lambda: _dna_frame().assign(extra=1.0), ["--target", "binding"], "--sequence-column"),
        (lambda: _dna_frame().assign(id=range(300)), ["--target", "binding",
                                                        "--sequence-column", "seq"],
         "design column 'seq' is not in the table"),
        (lambda: _dna_frame().assign(sequence=lambda f: f.sequence.str.replace("A", "N", n=1)),
         ["--target", "binding", "--alphabet", "dna"], "letter 'N' at data row 1"),
    ],
)
def test_propose_errors_exit_cleanly(tmp_path, capsys, make, args, message):
    status, _, stderr = _run(capsys, "propose", _csv(tmp_path, make()), *args)
    assert status == 2
    assert message in stderr and stderr.startswith("botorch-mentor propose: error: ")
    assert len(stderr.strip().splitlines()) == 1


def test_module_entry_point_exits_with_the_status(tmp_path):
    path = _csv(tmp_path, _dna_frame(n=20))
    result = subprocess.run([sys.executable, "-m", "botorch_mentor.cli", "propose", path,
                             "--target", "missing"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.startswith("botorch-mentor propose: error: target column 'missing'")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["benchmark", "--task", "nope"], "unknown task"),
        (["benchmark", "--methods", "magic"], "unknown method"),
        (["benchmark", "--seeds", "0"], "--seeds"),
        (["propose", "no_such_file.csv", "--target", "y"], "not found"),
    ],
)
def test_cli_errors(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cuda_request_without_cuda(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    assert main(["benchmark", "--device", "cuda"]) == 2
    assert "CUDA" in capsys.readouterr().err


def test_ray_flag_without_ray_says_how_to_install(hide_module, capsys, tmp_path):
    hide_module("ray")
    assert main(["benchmark", "--ray", "--seeds", "1", "--methods", "grad",
                 "--output", str(tmp_path)]) == 2
    assert "pip install 'botorch-mentor[ray]'" in capsys.readouterr().err


def test_proposals_ignore_id_columns(tmp_path, capsys):
    frame = _dna_frame(n=120).assign(id=lambda f: [f"x{i}" for i in range(len(f))], batch=3)
    out = tmp_path / "p.csv"
    status, _, stderr = _run(capsys, "propose", _csv(tmp_path, frame), "--target", "binding",
                             "--n", "4", "--sequence-column", "sequence", "--alphabet", "dna",
                             "--output", out)
    assert status == 0, stderr
    assert "sequence" in pd.read_csv(out).columns


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"sequence,binding\n", "has a header (sequence, binding) but no data rows"),
        (b"PK\x03\x04\x00\x00binary", "is binary"),
        (b"This is a letter.\nDear colleague, here are my results, as promised, see below\n",
         "not a well-formed CSV table"),
        (b"\xff\xfe\x80 not utf8 at all", "not UTF-8 text"),
    ],
)
def test_files_that_are_not_tables(tmp_path, capsys, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    status, _, stderr = _run(capsys, "propose", path, "--target", "binding")
    assert status == 2
    assert message in stderr and stderr.startswith("botorch-mentor propose: error: ")
    assert len(stderr.strip().splitlines()) == 1


def test_version_and_help_list_the_choices(capsys):
    from botorch_mentor import __version__

    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["benchmark", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for word in ("tri-mentoring-no-soft-labels", "cma-es", "tfbind8", "rna20", "hartmann6",
                 "paper", "--threads"):
        assert word in text
    with pytest.raises(SystemExit):
        main(["propose", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for word in ("--alphabet", "dna, rna, protein", "--sequence-column", "--design-columns",
                 "--bounds"):
        assert word in text


def test_paper_preset_on_cpu_prints_an_estimate_first():
    import argparse

    from botorch_mentor.cli import _estimate_line

    args = argparse.Namespace(preset="paper", device="cpu", task="tfbind8", n_proxies=None,
                              settings=None, methods=["tri-mentoring", "grad-mean"], seeds=[8])
    line = _estimate_line(args)
    weights = (24 * 2048 + 2048) + (2048 * 2048 + 2048) + (2048 + 1)
    ascent = 3 * 128 * 100 * 6 * 32_898 * weights  # proxies x candidates x steps x pass x rows
    pretraining = 3 * 200 * 6 * 32_898 * weights  # proxies x epochs x pass x rows
    assert f"{ascent + pretraining:.1e} FLOP per seed" in line
    assert "hours" in line and "--device cuda" in line
    assert _estimate_line(argparse.Namespace(**{**vars(args), "preset": "fast"})) is None


def test_missing_design_bench_folder_names_the_variable(monkeypatch, capsys):
    monkeypatch.delenv("DESIGN_BENCH_DATA", raising=False)
    assert main(["benchmark", "--task", "tfbind10", "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert "DESIGN_BENCH_DATA=" in err and "path=" not in err.split("(Python)")[-1]


def test_failures_are_printed_before_the_command_gives_up(monkeypatch, capsys):
    """Every run failed (a Ray sweep): the failures are on stderr before the final error."""
    import botorch_mentor.benchmark as benchmark
    from botorch_mentor.benchmark.runner import BenchmarkFailures

    def failing(*args, **kwargs):
        raise BenchmarkFailures([("tfbind8", "grad-mean", 0, "worker lost")], [])

    monkeypatch.setattr(benchmark, "run_benchmark", failing)
    status, _, err = _run(capsys, "benchmark", "--seeds", "1", "--ray")
    assert status == 2
    lines = err.strip().splitlines()
    assert lines[0] == "failed: tfbind8 / grad-mean / seed 0: worker lost"
    assert "no run finished; see the failures above." in lines[-1]


def test_propose_options_reach_propose(monkeypatch, tmp_path, capsys):
    """--minimize, --threads, --set and --bounds (LOW:HIGH per column, passed on as BoTorch's
    2 x d layout) arrive in propose() as written."""
    import botorch_mentor.proposals as module

    seen = {}

    def fake(frame, target, **kwargs):
        seen.update(kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr(module, "propose", fake)
    path = tmp_path / "data.csv"
    pd.DataFrame({"a": [0.1, 0.2], "b": [0.3, 0.4], "y": [1.0, 2.0]}).to_csv(path, index=False)
    status, _, err = _run(capsys, "propose", path, "--target", "y", "--minimize", "--threads",
                          "2", "--bounds", "0:0.5,0.1:0.9", "--set", "batch=plain", "--set",
                          "diversity_penalty=0.5")
    assert status == 2 and "stop here" in err
    assert seen["minimize"] is True and seen["threads"] == 2
    assert seen["bounds"] == [[0.0, 0.1], [0.5, 0.9]]
    assert seen["changes"] == {"batch": "plain", "diversity_penalty": 0.5}
    _run(capsys, "propose", path, "--target", "y")
    assert seen["minimize"] is False and seen["threads"] == 1 and seen["changes"] == {}


def test_the_estimate_counts_outer_loss_passes_only():
    """The ablation without soft labels and the plain baselines pass no per-candidate outer
    loss; three mentoring steps pass it three times."""
    import argparse

    from botorch_mentor.cli import _estimate_line

    def flops(methods, settings=None):
        args = argparse.Namespace(preset="paper", device="cpu", task="tfbind8", n_proxies=None,
                                  settings=settings, methods=methods, seeds=[8])
        return float(_estimate_line(args).split("about ")[1].split(" FLOP")[0])

    weights = (24 * 2048 + 2048) + (2048 * 2048 + 2048) + (2048 + 1)
    pretraining = 3 * 200 * 6 * 32_898 * weights
    ascent = 3 * 128 * 100 * 6 * 32_898 * weights
    for methods, passes in ((["tri-mentoring-no-soft-labels", "grad-mean"], 0),
                            (["tri-mentoring-shared"], 0), (["tri-mentoring-3-steps"], 3),
                            (["tri-mentoring", "tri-mentoring-no-voting"], 2)):
        assert flops(methods) == pytest.approx(pretraining + passes * ascent, rel=0.01)
    # the outer gradient refreshed every 10 steps: one pass in 10
    assert flops(["tri-mentoring"], [("outer_refresh", 10)]) == pytest.approx(
        pretraining + ascent / 10, rel=0.01)


def test_explicit_seeds(monkeypatch, capsys):
    """--seeds N is 0..N-1; --seeds 0 5 7 runs those seeds, as run_benchmark(seeds=[...])."""
    import botorch_mentor.benchmark as benchmark

    seen = []

    def fake(task, seeds, **kwargs):
        seen.append(list(seeds))
        raise ValueError("stop")

    monkeypatch.setattr(benchmark, "run_benchmark", fake)
    for argv, expected in ((["--seeds", "3"], [0, 1, 2]), (["--seeds", "0", "5", "7"], [0, 5, 7]),
                           ([], [0, 1, 2]), (["--seeds", "7", "7"], [7])):
        assert main(["benchmark", *argv]) == 2
        assert seen[-1] == expected
    assert main(["benchmark", "--seeds", "2", "-1"]) == 2
    assert "seeds must be >= 0" in capsys.readouterr().err

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from botorch_mentor.cli import main
from botorch_mentor.propose import propose


def _run(*args):
    return subprocess.run([sys.executable, "-m", "botorch_mentor.cli", *args],
                          capture_output=True, text=True, timeout=300)


def _dna_frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), 6)) for _ in range(n)]
    score = [s.count("G") + 0.5 * s.count("C") + 0.1 * rng.standard_normal() for s in seqs]
    return pd.DataFrame({"sequence": seqs, "binding": score})


def test_tasks_command(capsys):
    assert main(["tasks"]) == 0
    assert "tfbind8" in capsys.readouterr().out


def test_propose_sequences_end_to_end(tmp_path):
    frame = _dna_frame()
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "proposals.csv"
    result = _run("propose", str(path), "--target", "binding", "--n", "16", "--output", str(out))
    assert result.returncode == 0, result.stderr
    proposals = pd.read_csv(out)
    assert list(proposals.columns) == ["sequence", "predicted_binding"]
    assert proposals["sequence"].str.len().eq(6).all()
    assert proposals["sequence"].is_unique and 1 <= len(proposals) <= 16


def test_propose_continuous_api():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(200, 3))
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=-((X - 0.6) ** 2).sum(1))
    proposals = propose(frame, "y", n=8)
    assert list(proposals.columns) == ["a", "b", "c", "predicted_y"]
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
        (lambda: _dna_frame(n=4), ["--target", "binding"], "too few"),
        (lambda: _dna_frame().assign(extra=1.0), ["--target", "binding"], "only design column"),
    ],
)
def test_propose_errors_exit_cleanly(tmp_path, make, args, message):
    result = _run("propose", _csv(tmp_path, make()), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


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


def test_ray_flag_without_ray_says_how_to_install(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    assert main(["benchmark", "--ray", "--seeds", "1", "--methods", "grad"]) == 2
    assert "pip install 'botorch-mentor[ray]'" in capsys.readouterr().err

"""Writes the tutorial notebooks from the cell sources below, runs them and stores them with
their outputs (run: ``python tutorials/build_notebooks.py``; a few minutes on a 2-core CPU).

Keeping the sources here makes the notebooks reviewable as code; the .ipynb files are the
product users open, and the documentation site renders them as stored (mkdocs-jupyter with
``execute: false``: the site shows the outputs made here, and building it runs nothing).
``docs/notebooks`` is a link to this folder, so there is one copy of each notebook.

Each notebook runs at the size given in ``NOTEBOOKS``: ``"full"`` (what a user gets) or
``"smoke"`` (``SMOKE_TEST=1``, the test suite's size) where the full run takes too long here;
a note under the title says which size, when and on what machine the outputs were made. Runs
are seeded and use one torch thread, so rerunning reproduces the stored numbers on the same
software; execution timestamps are not stored, so a rerun that changes nothing changes no file.

    python tutorials/build_notebooks.py                  # write and run all four
    python tutorials/build_notebooks.py quickstart       # write all, run the named ones
    python tutorials/build_notebooks.py --no-execute     # write the sources only (no outputs)

After changing a cell here, rerun the notebook: the suite checks that every stored notebook
has outputs and that its cells are the ones written here (tests/test_tutorials.py).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent
RUN_DATE = "2026-12-02"
MACHINE = "a 2-core CPU (no GPU, one torch thread)"

QUICKSTART = [
    ("md", """# Quickstart: offline MBO on TFBind8 with tri-mentoring

We have a table of 32,898 DNA 8-mers and how strongly a transcription factor (SIX6) binds
them, but only the weaker half of all 8-mers: the best one in our table scores 0.439. We may
not run a single new experiment. Can we propose 128 sequences that bind better?

The plan: fit three neural proxies to the table, then climb their mean by gradient ascent,
while the proxies *mentor each other*: around every design they vote on which of two nearby
designs is better, and the outvoted proxy is corrected. The embedded oracle (the full table)
scores our proposals at the end, and only then."""),
    ("code", """import os
import torch
import matplotlib.pyplot as plt

from botorch_mentor import (
    MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble, optimize_designs,
)
from botorch_mentor.tasks import tfbind8

SMOKE_TEST = os.environ.get("SMOKE_TEST") == "1"
torch.manual_seed(0)
task = tfbind8()
print(task.summary())"""),
    ("md", """## The data and the model

Sequences become design-bench's logits (8 positions x 3 logits); the model z-scores them
internally. `MentoringConfig.fast(discrete=True)` uses small proxies that train in seconds on
a CPU; `MentoringConfig.paper(discrete=True)` is the paper's setting (width 2048, 200 epochs)."""),
    ("code", """X, Y = task.features().float(), task.y.float()
config = MentoringConfig.fast(discrete=True, fit_mentoring_rounds=0)
if SMOKE_TEST:
    config = config.replace(hidden_sizes=(32, 32), pretrain_epochs=3, ascent_steps=20,
                            n_candidates=32)
model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
pearson = [round(r, 4) for r in model.val_pearson.tolist()]
print("validation Pearson of each proxy:", pearson)"""),
    ("md", """## Ascent with and without mentoring

We start from the best designs of the table. `optimize_designs` with `mentoring=False` is plain
gradient ascent on the ensemble mean, the strongest simple baseline of the field."""),
    ("code", """start = task.features(task.top_designs(config.n_candidates)).float()
mentored = optimize_designs(model, start)                # per-candidate tri-mentoring
plain = optimize_designs(model, start, mentoring=False)  # mean-ensemble ascent

def true_scores(result):
    return task.normalize(task.score(task.decode(result.designs.double())))

best_visible = float(task.y.max())
for name, result in [("tri-mentoring", mentored), ("grad-mean", plain)]:
    s = true_scores(result)
    print(f"{name:14s} 100th {s.max():.3f}  50th {s.median():.3f}")
assert true_scores(mentored).max() > best_visible, "the designs should beat the table"
"""),
    ("code", """fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(true_scores(plain).numpy(), bins=30, alpha=0.6, label="grad-mean")
ax.hist(true_scores(mentored).numpy(), bins=30, alpha=0.6, label="tri-mentoring")
ax.axvline(best_visible, color="k", ls="--", label="best in the table")
ax.set_xlabel("true (normalized) binding score of the proposals")
ax.legend(); plt.show()"""),
    ("md", """## What the mentoring did

`DesignResult` records, per step, how often each proxy was outvoted (its mentoring set as a
fraction of the 45 pairs) and how far the soft labels moved from the hard consensus, and the
proxies' predictions at the final designs with and without the mentoring."""),
    ("code", """disagreement = float(mentored.disagreement.mean())
print(f"fraction of pairs on which a proxy was outvoted: {disagreement:.4f}")
print(f"mean |soft label - consensus|: {float(mentored.label_shift.mean()):.2e}")
change = (mentored.member_predictions - mentored.unmentored_predictions).abs().mean()
print(f"mean change of the proxies' predictions at the final designs: {change:.4f}")
assert 0 < float(mentored.disagreement.mean()) < 0.5"""),
]

BYOD = [
    ("md", """# Bring your own data: a CSV of sequences and scores to proposals

Your lab measured a few hundred sequences. This notebook makes such a table (a toy landscape
so that we can check the answer), then proposes new sequences with the Python API and with the
command line."""),
    ("code", """import os, subprocess, sys, tempfile
import numpy as np
import pandas as pd
from botorch_mentor.proposals import propose

SMOKE_TEST = os.environ.get("SMOKE_TEST") == "1"
rng = np.random.default_rng(0)
motif = "GATTACA"

def fitness(seq):  # the hidden truth: matches to a motif, position by position
    return sum(a == b for a, b in zip(seq, motif)) + 0.1 * rng.standard_normal()

seqs = ["".join(rng.choice(list("ACGT"), len(motif))) for _ in range(400)]
frame = pd.DataFrame({"sample_id": [f"S{i:03d}" for i in range(len(seqs))],
                      "sequence": seqs, "activity": [fitness(s) for s in seqs],
                      "notes": "plate 1"})
frame = frame[frame.activity < 3.5]  # we only ever saw mediocre sequences
print(len(frame), "rows, best activity", frame.activity.max().round(2))"""),
    ("md", """Name the design column (other columns such as IDs and notes are then ignored) and the
alphabet (`dna`, `rna`, `protein` or the letters; a letter outside it is reported with its row).
Every proposal comes with the ensemble's mean prediction *for the sequence as written*, the
proxies' spread (`std_activity`), whether it is already in the table, and its rank.
`proposals.attrs["method"]` says how the designs were made: by default gradient ascent on the
mean of the ensemble without mentoring, the configuration that gave the best designs on this
library's decision panel; `changes={"mentoring": True}` turns the mentoring on."""),
    ("code", """proposals = propose(frame, target="activity", n=8 if SMOKE_TEST else 64,
                    sequence_column="sequence", alphabet="dna")
print("method:", proposals.attrs["method"])
print("best in data:", round(proposals.attrs["best_in_data"], 2), "measured,",
      round(proposals.attrs["predicted_best_in_data"], 2), "predicted")
for note in proposals.attrs["notes"]:
    print("note:", note)
proposals["true_matches"] = [sum(a == b for a, b in zip(s, motif))
                             for s in proposals.sequence]
print(proposals.head(10))
assert proposals.true_matches.max() > frame.activity.max().round()"""),
    ("md", "The same from the command line (what a pipeline would call):"),
    ("code", """with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "measured.csv")
    frame.to_csv(path, index=False)
    out = os.path.join(tmp, "proposals.csv")
    run = subprocess.run([sys.executable, "-m", "botorch_mentor.cli", "propose", path,
                          "--target", "activity", "--sequence-column", "sequence",
                          "--alphabet", "dna", "--n", "8" if SMOKE_TEST else "16",
                          "--output", out],
                         capture_output=True, text=True)
    print((run.stdout if run.returncode == 0 else run.stderr).replace(tmp + os.sep, ""))
    assert run.returncode == 0
    print(pd.read_csv(out).head())"""),
]

AX = [
    ("md", """# An offline experiment in Ax

Ax users keep their data in an experiment. Here a static table of Hartmann-6 evaluations (the
worse half of 400 random designs) becomes completed trials with `attach_dataset`, and new
designs come from (1) the acquisition-free ascent generator (by default the ensemble's
mean-ensemble ascent without mentoring, the configuration this library's decision panel chose;
`mentoring=True` mentors) and (2) Ax's modular BoTorch generator with `MentoringEnsemble` as
its surrogate under qLogNoisyExpectedImprovement."""),
    ("code", """import logging, os, warnings
import numpy as np, pandas as pd, torch
from ax.api.client import Client
from ax.api.configs import RangeParameterConfig
from ax.utils.common.logger import set_stderr_log_level
from botorch.test_functions import Hartmann
import botorch_mentor.ax as bmax

warnings.filterwarnings("ignore"); set_stderr_log_level(logging.WARNING)  # quiet Ax
SMOKE_TEST = os.environ.get("SMOKE_TEST") == "1"
small = {"hidden_sizes": [32, 32], "pretrain_epochs": 10, "ascent_steps": 50}
small = small if SMOKE_TEST else {}
h = Hartmann(dim=6)
rng = np.random.default_rng(0)
X = rng.uniform(size=(400, 6)); y = -h(torch.tensor(X)).numpy()
keep = y <= np.quantile(y, 0.5)
frame = pd.DataFrame(X[keep], columns=[f"x{i}" for i in range(6)]).assign(f=y[keep])

def new_client():
    client = Client()
    client.configure_experiment(parameters=[
        RangeParameterConfig(name=f"x{i}", parameter_type="float", bounds=(0.0, 1.0))
        for i in range(6)])
    client.configure_optimization(objective="f")
    bmax.attach_dataset(client, frame, "f")
    return client

def true_value(p):
    return float(-h(torch.tensor([[p[f"x{i}"] for i in range(6)]])))
print("best attached:", frame.f.max().round(4))"""),
    ("code", """client = new_client()
strategy = bmax.mentoring_generation_strategy(preset="fast", **small)
client.set_generation_strategy(strategy)
trials = client.get_next_trials(max_trials=8)
values = [true_value(p) for p in trials.values()]
designs = pd.DataFrame(list(trials.values()), index=list(trials))  # index: trial number
print(designs.assign(true_f=values).round(3))
print(f"{strategy.name}, best of 8:", round(max(values), 4))
assert max(values) > frame.f.max()"""),
    ("code", """torch.manual_seed(0)  # the acquisition optimizer's random restarts
client = new_client()
client.set_generation_strategy(
    bmax.surrogate_generation_strategy("qLogNEI", activation="silu", **small))
trials = client.get_next_trials(max_trials=4)
best = max(true_value(p) for p in trials.values())
print("MentoringEnsemble + qLogNEI, best of 4:", round(best, 4))
(mean, sem), = client.predict([{f"x{i}": 0.5 for i in range(6)}])[0].values()
print(f"surrogate at the centre: {mean:.4f} +- {sem:.4f}")"""),
]

PAPER = [
    ("md", """# Reproducing the paper's protocol

The field's protocol: 8 seeds, 128 candidates from the best visible designs, normalized 100th
and 50th percentiles of the oracle scores. `run_benchmark` runs it for any set of methods,
including the ablations (no voting, no soft labels) and baselines; on a GPU use
`preset="paper", device="cuda"`. Here, smoke mode runs a tiny version on the CPU.

`aggregate` turns the records (one per method and seed) into means and standard deviations
over the seeds; `markdown_table(aggregate(records))` writes the field's full table for a
report (batch metrics and timings too). Below, a few of its columns as a DataFrame."""),
    ("code", """import os
import pandas as pd
import torch
from IPython.display import display
from botorch_mentor.benchmark import run_benchmark
from botorch_mentor.benchmark.report import aggregate

SMOKE_TEST = os.environ.get("SMOKE_TEST") == "1"
device = "cuda" if torch.cuda.is_available() and not SMOKE_TEST else "cpu"
preset = "paper" if device == "cuda" else "fast"
seeds = 1 if SMOKE_TEST else 8
small = dict(hidden_sizes=(32, 32), pretrain_epochs=2, ascent_steps=10, n_candidates=32)
small = small if SMOKE_TEST else {}
methods = ["tri-mentoring", "tri-mentoring-no-voting", "tri-mentoring-no-soft-labels",
           "grad-mean"]
records = run_benchmark("tfbind8", methods=methods, seeds=seeds, preset=preset,
                        device=device, config_changes=small)

COLUMNS = {"seeds": "seeds",
           "score_100th_mean": "100th pct", "score_100th_std": "100th std",
           "score_50th_mean": "50th pct", "score_50th_std": "50th std",
           "disagreement_mean": "disagree", "label_shift_mean": "label shift"}

def table(records):
    rows = pd.DataFrame(aggregate(records)).set_index("method")
    return rows.reindex(columns=list(COLUMNS)).rename(columns=COLUMNS)

pd.set_option("display.precision", 4)

print("best design in the table (normalized):", round(records[0]["best_visible"], 3))
display(table(records))
assert all(r["score_100th"] >= r["score_50th"] for r in records)"""),
    ("md", "Three against five proxies:"),
    ("code", """five = run_benchmark("tfbind8", methods=["tri-mentoring"], seeds=seeds, preset=preset,
                     device=device, config_changes={**small, "n_proxies": 5})
display(table(five))"""),
    ("md", """## Other design-bench tasks

design-bench's data server is gone, but if you have its data folder (for example
`design_bench_data/tf_bind_10-pho4/tf_bind_10-x-0.npy`), point the library at it:

```python
from botorch_mentor.tasks import from_design_bench_folder
task = from_design_bench_folder("tfbind10", "/path/to/design_bench_data")  # or set DESIGN_BENCH_DATA
```

and with design-bench itself installed, wrap a live task with
`from_design_bench_task(design_bench.make(...), y_min=..., y_max=...)`."""),
]


NOTEBOOKS = {  # file: (cells, size its stored outputs were made at, full run's length here)
    "quickstart.ipynb": (QUICKSTART, "full", "about 1.5 minutes"),
    "ax_offline_experiment.ipynb": (AX, "full", "about 30 seconds"),
    "bring_your_own_data.ipynb": (BYOD, "full", "about 40 seconds"),
    "reproduce_the_paper.ipynb": (PAPER, "smoke", "about 10 minutes"),
}


def run_note(name: str, size: str, full_time: str) -> str:
    """The markdown cell under the title: which run made the outputs shown. The link is to
    the notebook itself (the site copies it next to its page: ``include_source``)."""
    where = f"on {RUN_DATE} on {MACHINE}"
    download = f"Download the notebook: [{name}]({name})."
    if size == "full":
        return (f"> **Outputs shown:** this notebook as written (full size), run {where} "
                f"by `python tutorials/build_notebooks.py`; it took {full_time}. With "
                "`SMOKE_TEST=1` it runs in seconds at a smaller size (the test suite runs it "
                f"that way), and its numbers then differ. {download}")
    return (f"> **Outputs shown: smoke size.** The outputs below come from a run with "
            f"`SMOKE_TEST=1` (smaller proxies, fewer steps and seeds) {where} by "
            "`python tutorials/build_notebooks.py`; the numbers are therefore not the "
            f"paper's. Without `SMOKE_TEST` the notebook runs the full protocol ({full_time} "
            f"on that machine; minutes on a GPU). {download}")


def cells_of(name: str) -> list[tuple[str, str]]:
    """The notebook's cells as (kind, source): the title cell, the run note, the rest."""
    cells, size, full_time = NOTEBOOKS[name]
    return [cells[0], ("md", run_note(name, size, full_time)), *cells[1:]]


def build(name: str) -> nbformat.NotebookNode:
    nb = new_notebook()
    # cell ids from the position, so that rebuilding unchanged sources changes no file
    nb.cells = [new_markdown_cell(src, id=f"cell-{i}") if kind == "md"
                else new_code_cell(src, id=f"cell-{i}")
                for i, (kind, src) in enumerate(cells_of(name))]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def execute(nb: nbformat.NotebookNode, size: str) -> float:
    """Run ``nb`` in place in this folder at ``size``; returns the seconds it took. Figures
    are stored as PNG (the inline backend); no timing metadata is recorded."""
    from nbclient import NotebookClient

    env = {"SMOKE_TEST": "1" if size == "smoke" else "0", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    started = time.perf_counter()
    try:
        NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(HERE)}}).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    if errors:
        raise RuntimeError(f"{errors[0].ename}: {errors[0].evalue}")
    # only what is stable across reruns: no kernel or Python version, no cell timings
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to write and run (default: all), "
                        "e.g. quickstart; the others are left as stored")
    parser.add_argument("--no-execute", action="store_true",
                        help="write the notebooks without outputs")
    args = parser.parse_args(argv)
    chosen = {n if n.endswith(".ipynb") else f"{n}.ipynb" for n in args.names} or set(NOTEBOOKS)
    unknown = chosen - set(NOTEBOOKS)
    if unknown:
        parser.error(f"unknown notebooks: {sorted(unknown)}; known: {sorted(NOTEBOOKS)}")
    for name in NOTEBOOKS:
        nb = build(name)
        if args.no_execute:
            nbformat.write(nb, HERE / name)
        elif name in chosen:
            seconds = execute(nb, NOTEBOOKS[name][1])
            nbformat.write(nb, HERE / name)
            print(f"{name}: ran at {NOTEBOOKS[name][1]} size in {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()

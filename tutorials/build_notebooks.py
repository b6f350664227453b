"""Writes the tutorial notebooks from the cell sources below (run: python tutorials/build_notebooks.py).

Keeping the sources here makes the notebooks reviewable as code; the .ipynb files are the
product users open.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

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

from botorch_mentor import MentoringConfig, MentoringEnsemble, fit_mentoring_ensemble, optimize_designs
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
    config = config.replace(hidden_sizes=(32, 32), pretrain_epochs=3, ascent_steps=20, n_candidates=32)
model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
print("validation Pearson of each proxy:", model.val_pearson.tolist())"""),
    ("md", """## Ascent with and without mentoring

We start from the best designs of the table. `optimize_designs` with `mentoring=False` is plain
gradient ascent on the ensemble mean, the strongest simple baseline of the field."""),
    ("code", """start = task.features(task.top_designs(config.n_candidates)).float()
mentored = optimize_designs(model, start)                   # per-candidate tri-mentoring
plain = optimize_designs(model, start, mentoring=False)     # mean-ensemble ascent

def true_scores(result):
    return task.normalize(task.score(task.decode(result.designs.double())))

best_visible = float(task.y.max())
for name, result in [("tri-mentoring", mentored), ("grad-mean", plain)]:
    s = true_scores(result)
    print(f"{name:14s} 100th {s.max():.3f}  50th {s.median():.3f}")
assert true_scores(mentored).max() > best_visible, "the designs should beat the best in the table"
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
    ("code", """print("fraction of pairs on which a proxy was outvoted:", float(mentored.disagreement.mean()))
print("mean |soft label - consensus|:", float(mentored.label_shift.mean()))
change = (mentored.member_predictions - mentored.unmentored_predictions).abs().mean()
print("mean change of the proxies' predictions at the final designs:", float(change))
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
frame = pd.DataFrame({"sample_id": [f"S{i:03d}" for i in range(len(seqs))], "sequence": seqs,
                      "activity": [fitness(s) for s in seqs], "notes": "plate 1"})
frame = frame[frame.activity < 3.5]  # we only ever saw mediocre sequences
print(len(frame), "rows, best activity", frame.activity.max().round(2))"""),
    ("md", """Name the design column (other columns such as IDs and notes are then ignored) and the
alphabet (`dna`, `rna`, `protein` or the letters; a letter outside it is reported with its row).
Every proposal comes with the ensemble's mean prediction *for the sequence as written*, the
proxies' spread (`std_activity`), whether it is already in the table, and its rank."""),
    ("code", """proposals = propose(frame, target="activity", n=8 if SMOKE_TEST else 64,
                    sequence_column="sequence", alphabet="dna")
print("best in data:", round(proposals.attrs["best_in_data"], 2), "measured,",
      round(proposals.attrs["predicted_best_in_data"], 2), "predicted")
for note in proposals.attrs["notes"]:
    print("note:", note)
proposals["true_matches"] = [sum(a == b for a, b in zip(s, motif)) for s in proposals.sequence]
print(proposals.head(10))
assert proposals.true_matches.max() > frame.activity.max().round()"""),
    ("md", "The same from the command line (what a pipeline would call):"),
    ("code", """with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "measured.csv")
    frame.to_csv(path, index=False)
    out = os.path.join(tmp, "proposals.csv")
    run = subprocess.run([sys.executable, "-m", "botorch_mentor.cli", "propose", path,
                          "--target", "activity", "--sequence-column", "sequence",
                          "--alphabet", "dna", "--n", "8" if SMOKE_TEST else "16", "--output", out],
                         capture_output=True, text=True)
    print(run.stdout if run.returncode == 0 else run.stderr)
    assert run.returncode == 0
    print(pd.read_csv(out).head())"""),
]

AX = [
    ("md", """# An offline experiment in Ax

Ax users keep their data in an experiment. Here a static table of Hartmann-6 evaluations (the
worse half of 400 random designs) becomes completed trials with `attach_dataset`, and new
designs come from (1) the acquisition-free tri-mentoring generator and (2) Ax's modular BoTorch
generator with `MentoringEnsemble` as its surrogate under qLogNoisyExpectedImprovement."""),
    ("code", """import logging, os, warnings
import numpy as np, pandas as pd, torch
from ax.api.client import Client
from ax.api.configs import RangeParameterConfig
from botorch.test_functions import Hartmann
import botorch_mentor.ax as bmax

warnings.filterwarnings("ignore"); logging.getLogger("ax").setLevel(logging.WARNING)
SMOKE_TEST = os.environ.get("SMOKE_TEST") == "1"
small = {"hidden_sizes": [32, 32], "pretrain_epochs": 10, "ascent_steps": 50} if SMOKE_TEST else {}
h = Hartmann(dim=6)
rng = np.random.default_rng(0)
X = rng.uniform(size=(400, 6)); y = -h(torch.tensor(X)).numpy()
keep = y <= np.quantile(y, 0.5)
frame = pd.DataFrame(X[keep], columns=[f"x{i}" for i in range(6)]).assign(f=y[keep])

def new_client():
    client = Client()
    client.configure_experiment(parameters=[RangeParameterConfig(name=f"x{i}", parameter_type="float", bounds=(0.0, 1.0)) for i in range(6)])
    client.configure_optimization(objective="f")
    bmax.attach_dataset(client, frame, "f")
    return client

def true_value(p):
    return float(-h(torch.tensor([[p[f"x{i}"] for i in range(6)]])))
print("best attached:", frame.f.max().round(4))"""),
    ("code", """client = new_client()
client.set_generation_strategy(bmax.mentoring_generation_strategy(preset="fast", **small))
trials = client.get_next_trials(max_trials=8)
values = [true_value(p) for p in trials.values()]
print("tri-mentoring generator, best of 8:", round(max(values), 4))
assert max(values) > frame.f.max()"""),
    ("code", """client = new_client()
client.set_generation_strategy(bmax.surrogate_generation_strategy("qLogNEI", activation="silu", **small))
trials = client.get_next_trials(max_trials=4)
print("MentoringEnsemble + qLogNEI, best of 4:", round(max(true_value(p) for p in trials.values()), 4))
print(client.predict([{f"x{i}": 0.5 for i in range(6)}]))"""),
]

PAPER = [
    ("md", """# Reproducing the paper's protocol

The field's protocol: 8 seeds, 128 candidates from the best visible designs, normalized 100th
and 50th percentiles of the oracle scores. `run_benchmark` runs it for any set of methods,
including the ablations (no voting, no soft labels) and baselines; on a GPU use
`preset="paper", device="cuda"`. Here, smoke mode runs a tiny version on the CPU."""),
    ("code", """import os
import torch
from botorch_mentor.benchmark import run_benchmark
from botorch_mentor.benchmark.report import aggregate, markdown_table

SMOKE_TEST = os.environ.get("SMOKE_TEST") == "1"
device = "cuda" if torch.cuda.is_available() and not SMOKE_TEST else "cpu"
preset = "paper" if device == "cuda" else "fast"
seeds = 1 if SMOKE_TEST else 8
small = dict(hidden_sizes=(32, 32), pretrain_epochs=2, ascent_steps=10, n_candidates=32) if SMOKE_TEST else {}
methods = ["tri-mentoring", "tri-mentoring-no-voting", "tri-mentoring-no-soft-labels", "grad-mean"]
records = run_benchmark("tfbind8", methods=methods, seeds=seeds, preset=preset, device=device, config_changes=small)
print(markdown_table(aggregate(records)))
assert all(r["score_100th"] >= r["score_50th"] for r in records)"""),
    ("md", "Three against five proxies:"),
    ("code", """five = run_benchmark("tfbind8", methods=["tri-mentoring"], seeds=seeds, preset=preset, device=device,
                     config_changes={**small, "n_proxies": 5})
print(markdown_table(aggregate(five)))"""),
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


def build(cells, name):
    nb = new_notebook()
    # cell ids from the position, so that rebuilding unchanged sources changes no file
    nb.cells = [new_markdown_cell(src, id=f"cell-{i}") if kind == "md"
                else new_code_cell(src, id=f"cell-{i}") for i, (kind, src) in enumerate(cells)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    build(QUICKSTART, "quickstart.ipynb")
    build(AX, "ax_offline_experiment.ipynb")
    build(BYOD, "bring_your_own_data.ipynb")
    build(PAPER, "reproduce_the_paper.ipynb")

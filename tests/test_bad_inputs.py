"""Every bad input at every entry point: one clear error naming the argument (issue: reliability).

Each row: the call, the exception type, and a pattern the message must contain (the argument's
name and what is wrong).
"""

import numpy as np
import pandas as pd
import pytest
import torch

from botorch_mentor import (
    MentoringConfig,
    MentoringEnsemble,
    fit_mentoring_ensemble,
    optimize_designs,
)
from botorch_mentor.proposals import propose
from botorch_mentor.tables import design_codec, read_design_table
from botorch_mentor.tasks import OfflineTask
from tests.conftest import quadratic_data, tiny_config

X, Y = quadratic_data(n=40)


def _model(**kwargs):
    return MentoringEnsemble(**{"train_X": X, "train_Y": Y, "config": tiny_config(), **kwargs})


def _ascent(fitted, **kwargs):
    kwargs = {"X_start": fitted.train_X[:3], **kwargs}
    return optimize_designs(fitted, **kwargs)


def _file(content: bytes) -> str:
    """A throw-away file holding ``content``."""
    import tempfile

    handle = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)
    handle.write(content)
    handle.close()
    return handle.name


def _sequences(*rows: str) -> pd.DataFrame:
    return pd.DataFrame({"s": list(rows), "y": np.arange(len(rows), dtype=float)})


def _frame(**columns):
    rng = np.random.default_rng(0)
    base = pd.DataFrame(rng.uniform(size=(60, 2)), columns=["a", "b"]).assign(y=rng.normal(size=60))
    return base.assign(**columns)


CASES = [
    # MentoringEnsemble
    ("train_X not a tensor", lambda: _model(train_X=X.numpy()), TypeError,
     "train_X must be a torch.Tensor"),
    ("train_X integer", lambda: _model(train_X=X.long()), TypeError,
     "train_X must be a float32 or float64 tensor"),
    ("train_X 3-dim", lambda: _model(train_X=X.unsqueeze(0)), ValueError,
     "train_X must be a 2-dim"),
    ("train_X NaN", lambda: _model(train_X=torch.where(X > 0.9, float("nan"), X)), ValueError,
     "train_X contains NaN"),
    ("train_X inf", lambda: _model(train_X=torch.where(X > 0.9, float("inf"), X)), ValueError,
     "train_X contains NaN or infinite"),
    ("train_Y 1-dim", lambda: _model(train_Y=Y.squeeze(-1)), ValueError,
     r"train_Y must be an n x 1 tensor.*unsqueeze"),
    ("train_Y two outputs", lambda: _model(train_Y=Y.repeat(1, 2)), ValueError,
     "one objective"),
    ("train_Y NaN", lambda: _model(train_Y=Y.clone().fill_(float("nan"))), ValueError,
     "train_Y contains NaN"),
    ("train_Y constant", lambda: _model(train_Y=torch.ones_like(Y)), ValueError,
     "train_Y is constant"),
    ("row counts differ", lambda: _model(train_X=X[:30]), ValueError, "same number of rows"),
    ("dtypes differ", lambda: _model(train_X=X.float()), ValueError,
     "must share dtype and device"),
    ("too few rows for validation", lambda: _model(train_X=X[:5], train_Y=Y[:5]), ValueError,
     "too few for a 10% validation split"),
    ("config of wrong type", lambda: _model(config={"n_proxies": 3}), TypeError,
     "config must be a MentoringConfig"),
    # MentoringConfig
    ("one proxy", lambda: MentoringConfig(n_proxies=1), ValueError,
     "n_proxies must be an integer >= 2"),
    ("K < 2", lambda: MentoringConfig(n_neighbours=1), ValueError,
     "n_neighbours must be an integer >= 2"),
    ("K too large", lambda: MentoringConfig(n_neighbours=10_000), ValueError,
     "n_neighbours must be <= 256"),
    ("negative rate", lambda: MentoringConfig(inner_lr=-1.0), ValueError,
     "inner_lr must be > 0"),
    ("bad val fraction", lambda: MentoringConfig(val_fraction=1.5), ValueError,
     "val_fraction must lie strictly between 0 and 1"),
    # fit_mentoring_ensemble
    ("fit a non-ensemble", lambda: fit_mentoring_ensemble(torch.nn.Linear(2, 1)), TypeError,
     "MentoringEnsemble"),
    ("negative mentoring rounds", lambda: fit_mentoring_ensemble(_model(), mentoring_rounds=-1),
     ValueError, "mentoring_rounds must be an integer >= 0"),
]

ASCENT_CASES = [
    ("X_start width", dict(X_start=torch.rand(2, 3, dtype=torch.float64)), ValueError,
     r"X_start must have shape \(\.\.\., 4\)"),
    ("X_start empty", dict(X_start=torch.rand(0, 4, dtype=torch.float64)), ValueError,
     "at least one row"),
    ("X_start dtype", dict(X_start=torch.rand(2, 4)), ValueError,
     r"must match the model.*X_start.to"),
    ("X_start NaN", dict(X_start=torch.full((2, 4), float("nan"), dtype=torch.float64)),
     ValueError, "X_start contains NaN"),
    ("negative steps", dict(steps=-1), ValueError, "steps must be an integer >= 0"),
    ("fractional steps", dict(steps=2.5), ValueError, "steps must be an integer >= 0"),
    ("boolean steps", dict(steps=True), ValueError, "steps must be an integer >= 0"),
    ("zero lr", dict(lr=0.0), ValueError, "lr must be a positive number"),
    ("string lr", dict(lr="0.1"), ValueError, "lr must be a positive number"),
    ("boolean lr", dict(lr=True), ValueError, "lr must be a positive number"),
    ("unknown mode", dict(mode="both"), ValueError, "mode must be 'per_candidate' or 'shared'"),
    ("unknown objective", dict(objective="max"), ValueError, "objective must be 'mean', 'min'"),
    ("start outside bounds", dict(bounds=torch.tensor([[2.0] * 4, [3.0] * 4], dtype=torch.float64)),
     ValueError, "outside bounds"),
    ("bounds shape", dict(bounds=torch.zeros(3, 4, dtype=torch.float64)), ValueError,
     r"bounds must be a 2 x 4 tensor \(lower row, upper row\), got \(3, 4\)\."),
    ("config architecture", dict(config=tiny_config(hidden_sizes=(8,))), ValueError,
     r"hidden_sizes.*differs from the fitted model's \(\(16, 16\)\); the proxies' "
     r"architecture cannot change after fitting\."),
    ("config type", dict(config={"n_candidates": 4}), TypeError,
     r"config must be a MentoringConfig, got dict\."),
    ("bounds swapped", dict(bounds=torch.tensor([[1.0] * 4, [0.0] * 4], dtype=torch.float64)),
     ValueError, r"bounds: a lower bound exceeds its upper bound; the first row holds the lower "
     r"bounds \(equal bounds pin that coordinate\)\."),
]

TABLE_CASES = [
    ("lookup tokens outside alphabet",
     lambda: OfflineTask.from_lookup_table(np.array([[0, 5]]), np.array([1.0]), 4), ValueError,
     "0..3"),
    ("lookup conflicting duplicates",
     lambda: OfflineTask.from_lookup_table(np.array([[0, 1], [0, 1]]), np.array([1.0, 2.0]), 2),
     ValueError, "different scores"),
    ("lookup non-integer tokens",
     lambda: OfflineTask.from_lookup_table(np.array([[0.0, 1.0], [1.5, 2.0]]), np.array([1.0, 2.0]),
                                           4), ValueError,
     r"integer tokens; found 1\.5 at row 1, column 0"),
    ("lookup NaN score",
     lambda: OfflineTask.from_lookup_table(np.array([[0, 1]]), np.array([np.nan]), 2),
     ValueError, "NaN"),
    ("propose missing target", lambda: propose(_frame(), "nope"), ValueError, "target column"),
    ("propose NaN scores", lambda: propose(_frame(y=np.nan), "y"), ValueError, "missing"),
    ("propose non-finite design", lambda: propose(_frame(a=np.inf), "y"), ValueError,
     "design column 'a'"),
    ("propose mixed columns", lambda: propose(_frame(s="AC"), "y"), ValueError, "sequence column"),
    ("propose bad n", lambda: propose(_frame(), "y", n=0), ValueError, "n must be"),
    # the user's route: tables and files
    ("letter outside the alphabet",
     lambda: design_codec(_sequences("ACGT", "ACGN", "TTGA"), "y", alphabet="dna"), ValueError,
     "letter 'N' at data row 2, column 's', position 4 is not in the alphabet ACGT"),
    ("lowercase row", lambda: design_codec(_sequences("ACGT", "acgt", "TTGA"), "y"), ValueError,
     "letter 'a' at data row 2, column 's' belongs to no known alphabet"),
    ("stray letter in nucleotides",
     lambda: design_codec(_sequences(*["ACGTACGT"] * 9, "ACGTACGN"), "y"), ValueError,
     "looks like nucleotides .* letter 'N' at data row 10, position 8"),
    ("ambiguous alphabet", lambda: design_codec(_sequences("ACG", "GCA", "CAG"), "y"),
     ValueError, r"fit several alphabets \(dna, rna, protein\); pass --alphabet"),
    ("unknown alphabet spec", lambda: design_codec(_sequences("AC", "CA"), "y", alphabet="A"),
     ValueError, "alphabet 'A' must be one of dna, rna, protein or at least two distinct"),
    ("ragged sequences", lambda: design_codec(_sequences("ACGT", "ACG", "TTGA"), "y"),
     ValueError, "data row 2 has 3 letters, most rows have 4"),
    ("id column next to sequences",
     lambda: design_codec(_sequences("ACGT", "TTGA").assign(id=["a", "b"]), "y"), ValueError,
     "--sequence-column .* --design-columns"),
    ("named design column missing",
     lambda: design_codec(_sequences("ACGT", "TTGA"), "y", sequence_column="seq"), ValueError,
     "design column 'seq' is not in the table"),
    ("too few rows to propose",
     lambda: propose(_sequences(*["ACGT", "TTGA", "GGCA", "CCAT"] * 2), "y"), ValueError,
     "the table has 8 rows, too few: .* at least 15 rows are needed"),
    ("empty file", lambda: read_design_table(_file(b"")), ValueError, "is empty"),
    ("header-only file", lambda: read_design_table(_file(b"s,y\n")), ValueError,
     r"has a header \(s, y\) but no data rows"),
    ("binary file", lambda: read_design_table(_file(b"PK\x03\x04\x00\x00")), ValueError,
     "is binary \\(byte 4 is NUL\\)"),
    ("prose file", lambda: read_design_table(_file(b"Dear colleague\nhere, as promised, data\n")),
     ValueError, "data row 1 has 3 comma-separated fields, the header has 1"),
    ("not UTF-8", lambda: read_design_table(_file(b"s,y\n\xff\xfe,1\n")), ValueError,
     "not UTF-8 text"),
]


@pytest.mark.parametrize("name, call, error, pattern", CASES + TABLE_CASES,
                         ids=[c[0] for c in CASES + TABLE_CASES])
def test_entry_point_rejects(name, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize("name, kwargs, error, pattern", ASCENT_CASES,
                         ids=[c[0] for c in ASCENT_CASES])
def test_optimize_designs_rejects(fitted_model, name, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        _ascent(fitted_model, **kwargs)


def test_even_proxies_with_voting_warn():
    with pytest.warns(UserWarning, match="even"):
        MentoringConfig(n_proxies=4)

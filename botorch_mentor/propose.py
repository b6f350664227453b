r"""From a user's table of designs and scores to proposed designs: the library's real job.

A table (pandas ``DataFrame`` or CSV) holds one design per row and a score column. Designs are
either numeric columns (continuous designs) or one string column of equal-length sequences
over an alphabet (e.g. DNA, protein), which are encoded as design-bench's logits. Proposals
start from the top-``n`` rows, are ascended with tri-mentoring, decoded, de-duplicated and
returned best-predicted first.
"""

from __future__ import annotations

import pandas as pd
import torch

from botorch_mentor.config import MentoringConfig
from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits
from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.optim.ascent import optimize_designs
from botorch_mentor.validation import check_device


def propose(
    frame: pd.DataFrame,
    target: str,
    n: int = 128,
    preset: str = "fast",
    mode: str = "per_candidate",
    seed: int = 0,
    device: str = "cpu",
) -> pd.DataFrame:
    r"""Propose up to ``n`` designs expected to beat the table's best.

    Returns:
        A frame with the design columns and ``predicted_<target>``, sorted best first; rows
        that decode to the same design are merged.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}.")
    if target not in frame.columns:
        raise ValueError(
            f"target column {target!r} is not in the table; columns are {list(frame.columns)}."
        )
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    device = check_device(device)
    scores = pd.to_numeric(frame[target], errors="coerce")
    bad = scores.index[~scores.notna() | ~scores.abs().lt(float("inf"))]
    if len(bad):
        raise ValueError(
            f"target column {target!r} has missing or non-numeric values (first at row "
            f"{bad[0]}); drop those rows."
        )
    design_columns = [c for c in frame.columns if c != target]
    if not design_columns:
        raise ValueError("the table has no design columns besides the target.")
    encoder = _encoder(frame[design_columns])
    X = encoder.encode(frame[design_columns]).to(device)
    Y = torch.tensor(scores.to_numpy(), dtype=torch.float64, device=device).unsqueeze(-1)
    discrete = encoder.alphabet is not None
    config = MentoringConfig.from_preset(
        preset, discrete, seed=seed, mode=mode, fit_mentoring_rounds=0
    )
    model = fit_mentoring_ensemble(MentoringEnsemble(X, Y, config=config))
    start = X[Y.squeeze(-1).topk(min(n, X.shape[0])).indices]
    result = optimize_designs(model, start)
    designs = encoder.decode(result.designs.detach().cpu())
    designs[f"predicted_{target}"] = result.predictions.detach().cpu().numpy()
    designs = designs.sort_values(f"predicted_{target}", ascending=False)
    return designs.drop_duplicates(subset=design_columns).reset_index(drop=True)


class _Encoder:
    def __init__(self, columns: list[str], alphabet: str | None, length: int | None) -> None:
        self.columns, self.alphabet, self.length = columns, alphabet, length

    def encode(self, frame: pd.DataFrame) -> torch.Tensor:
        if self.alphabet is None:
            return torch.tensor(frame.to_numpy(dtype=float), dtype=torch.float64)
        lookup = {c: i for i, c in enumerate(self.alphabet)}
        tokens = torch.tensor([[lookup[c] for c in s] for s in frame[self.columns[0]]])
        return sequences_to_logits(tokens, len(self.alphabet))

    def decode(self, X: torch.Tensor) -> pd.DataFrame:
        if self.alphabet is None:
            return pd.DataFrame(X.numpy(), columns=self.columns)
        tokens = logits_to_sequences(X, self.length, len(self.alphabet))
        sequences = ["".join(self.alphabet[int(t)] for t in row) for row in tokens]
        return pd.DataFrame({self.columns[0]: sequences})


def _encoder(designs: pd.DataFrame) -> _Encoder:
    text = [c for c in designs.columns if not pd.api.types.is_numeric_dtype(designs[c])]
    if not text:
        values = designs.to_numpy(dtype=float)
        if not pd.notna(values).all() or not (abs(values) < float("inf")).all():
            rows, cols = (~(abs(values) < float("inf"))).nonzero()
            raise ValueError(
                f"design column {designs.columns[cols[0]]!r} has a missing or non-finite value "
                f"at row {designs.index[rows[0]]}; drop or impute it."
            )
        return _Encoder(list(designs.columns), None, None)
    if len(designs.columns) != 1:
        raise ValueError(
            f"a sequence column ({text[0]!r}) must be the only design column; found "
            f"{list(designs.columns)}. Drop the other columns or encode them numerically."
        )
    column = designs[text[0]]
    if column.isna().any():
        raise ValueError(f"sequence column {text[0]!r} has missing values; drop those rows.")
    sequences = column.astype(str)
    lengths = sequences.str.len()
    if lengths.nunique() != 1:
        raise ValueError(
            f"sequences in column {text[0]!r} must all have the same length, found lengths "
            f"{sorted(lengths.unique())[:5]}."
        )
    alphabet = "".join(sorted(set("".join(sequences))))
    if len(alphabet) < 2:
        raise ValueError(f"sequence column {text[0]!r} uses fewer than 2 distinct characters.")
    return _Encoder([text[0]], alphabet, int(lengths.iloc[0]))

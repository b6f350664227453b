r"""RNA binding: design an RNA that binds a fixed target RNA, scored by real physics.

The oracle is ViennaRNA's ``duplexfold`` (Lorenz et al., "ViennaRNA Package 2.0", Algorithms
Mol. Biol. 2011), which computes the minimum free energy of the duplex two RNAs form with the
Turner 2004 nearest-neighbour energy model (Mathews et al., PNAS 2004). The score of a design
is its binding free energy with the target, negated so that stronger binding scores higher:
``score = -min(0, dG_duplex)`` in kcal/mol (a duplex with a positive free energy does not form,
so it binds with 0). This is the oracle of the RNA binding landscapes used to benchmark
sequence design (e.g. Angermueller et al., "Population-based black-box optimization for
biological sequence design", ICML 2020).

Requires the optional extra: ``pip install "botorch-mentor[rna]"`` (PyPI ``viennarna``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from botorch_mentor.tasks.base import OfflineTask
from botorch_mentor.workers import shared_pool, worker_count
from botorch_mentor.workers.duplex import duplex_energies

RNA_TOKENS = "ACGU"
"""Token order of RNA designs: A=0, C=1, G=2, U=3."""
RNA_COMPLEMENT = {"A": "U", "C": "G", "G": "C", "U": "A"}
PARALLEL_MIN_DESIGNS = 4096
"""Batches at least this large are folded in worker processes (ViennaRNA's Python binding
holds the GIL, so threads do not help); smaller ones in this process. Batched == one by one
is tested."""
RNA_TASK_SIZES = {"rna14": 14, "rna20": 20, "rna40": 40}
"""Registered RNA binding tasks: name -> design length."""
RNA_TASK_ROWS = 10_000
"""Random sequences drawn for a registered task (half of them are visible)."""


def _require_vienna():
    try:
        import RNA  # noqa: N811 - the package's own name
    except ImportError as error:
        raise ImportError(
            "RNA tasks need ViennaRNA; install the extra with "
            "pip install \"botorch-mentor[rna]\" (PyPI package viennarna)."
        ) from error
    return RNA


def tokens_to_rna(tokens: Tensor | np.ndarray) -> list[str]:
    r"""An ``n x L`` integer array over ``A, C, G, U`` (0..3) to ``n`` strings."""
    array = np.asarray(tokens)
    if array.ndim != 2 or array.dtype.kind not in "iu":
        raise ValueError(f"tokens must be an n x L integer array, got {array.dtype} {array.shape}.")
    if array.size and (array.min() < 0 or array.max() > 3):
        raise ValueError(
            f"RNA tokens must lie in 0..3 (A, C, G, U), got {array.min()}..{array.max()}."
        )
    letters = np.array(list(RNA_TOKENS))
    return ["".join(row) for row in letters[array]]


def rna_to_tokens(sequences: list[str]) -> np.ndarray:
    r"""``n`` equal-length strings over ``ACGU`` to an ``n x L`` int64 array."""
    lookup = {c: i for i, c in enumerate(RNA_TOKENS)}
    lengths = {len(s) for s in sequences}
    if len(lengths) > 1:
        raise ValueError(f"RNA sequences must all have the same length, got {sorted(lengths)}.")
    rows = []
    for row, sequence in enumerate(sequences):
        try:
            rows.append([lookup[c] for c in sequence])
        except KeyError as error:
            raise ValueError(
                f"RNA sequence {row} holds {error.args[0]!r}; only A, C, G, U are allowed."
            ) from None
    return np.asarray(rows, dtype=np.int64).reshape(len(sequences), -1)


def reverse_complement(sequence: str) -> str:
    r"""The Watson-Crick reverse complement of an RNA sequence (``ACGU``)."""
    try:
        return "".join(RNA_COMPLEMENT[c] for c in reversed(sequence))
    except KeyError as error:
        raise ValueError(f"not an RNA letter: {error.args[0]!r} (use A, C, G, U).") from None


class DuplexOracle:
    r"""``-min(0, dG)`` of the duplex of each design with ``target``, in kcal/mol.

    Calling it with an ``n x L`` integer tensor returns an ``n``-dim float64 tensor. Batches of
    ``PARALLEL_MIN_DESIGNS`` or more are split over ``workers`` processes (default: the CPU
    budget, ``botorch_mentor.workers.cpu_budget``, and never more: inside a benchmark worker
    that is the worker's share), started once and reused (``botorch_mentor.workers``: they
    work from scripts without a main guard, code piped to ``python -``, notebooks and the
    CLI alike).
    """

    def __init__(self, target: str, workers: int | None = None) -> None:
        _require_vienna()
        rna_to_tokens([target])  # alphabet check
        self.target = target
        worker_count(workers)  # a clear error now for a bad count
        self.workers = workers

    def __getstate__(self) -> dict:  # picklable (Ray ships tasks with their oracle)
        return {"target": self.target, "workers": self.workers}

    def __setstate__(self, state: dict) -> None:
        self.target, self.workers = state["target"], state["workers"]

    def energies(self, sequences: list[str]) -> np.ndarray:
        r"""Duplex free energies (kcal/mol) of ``sequences`` with the target."""
        workers = worker_count(self.workers)  # resolved here: a pickled oracle uses its
        if len(sequences) < PARALLEL_MIN_DESIGNS or workers == 1:  # new process's budget
            return np.asarray(duplex_energies(self.target, sequences), dtype=np.float64)
        chunks = 4 * workers
        parts = [(self.target, sequences[i::chunks]) for i in range(chunks)]
        results = shared_pool(workers).map(
            "botorch_mentor.workers.duplex:duplex_energies", parts)
        out = np.empty(len(sequences), dtype=np.float64)
        for i, values in enumerate(results):
            out[i::chunks] = values
        return out

    def score_sequences(self, sequences: list[str]) -> np.ndarray:
        r"""Scores (``-min(0, dG)``) of RNA strings."""
        return -np.minimum(0.0, self.energies(sequences))

    def __call__(self, designs: Tensor) -> Tensor:
        if designs.dim() != 2 or designs.is_floating_point():
            raise ValueError(
                f"designs must be an n x L integer tensor, got {designs.dtype} "
                f"{tuple(designs.shape)}."
            )
        scores = self.score_sequences(tokens_to_rna(designs.cpu().numpy()))
        return torch.as_tensor(scores, dtype=torch.float64)


@dataclass
class RNABindingTask(OfflineTask):
    r"""An ``OfflineTask`` whose oracle is the duplex free energy with ``target``."""

    target: str = ""
    """The target RNA: anyone can recompute the oracle with ``RNA.duplexfold(design,
    target)``."""


def rna_binding(
    length: int,
    target: str | None = None,
    n: int = RNA_TASK_ROWS,
    seed: int = 0,
    visible_quantile: float = 0.5,
    name: str | None = None,
) -> RNABindingTask:
    r"""An RNA binding task: designs of ``length`` nucleotides that should bind ``target``.

    Construction (deterministic for a seed): ``target`` defaults to a uniformly random RNA of
    ``length`` nucleotides drawn from ``seed``; then ``n`` uniformly random designs are drawn
    from the same stream and scored; the visible data keeps those at or below the
    ``visible_quantile`` of the scores.

    Normalization: ``y_min = 0`` (no binding) and ``y_max`` is the score of the target's
    perfect reverse complement. That is a reference optimum, not a proven maximum (G-U wobble
    pairs, dangling ends or a longer design can bind more strongly), so normalized scores can
    exceed 1.

    Args:
        length: Nucleotides per design (at least 4).
        target: The target RNA over ``ACGU``; any length.
        n: Random designs drawn before the visible cut.
        seed: Seed of the target and the designs.
        visible_quantile: Fraction (by score quantile) of the drawn designs that is visible.
        name: Task name; default ``rna<length>``.

    Returns:
        An ``RNABindingTask`` with tokens ``A, C, G, U = 0, 1, 2, 3``.
    """
    if not isinstance(length, int) or isinstance(length, bool) or length < 4:
        raise ValueError(f"length must be an integer >= 4, got {length!r}.")
    if not isinstance(n, int) or isinstance(n, bool) or n < 20:
        raise ValueError(f"n must be an integer >= 20 (designs to draw), got {n!r}.")
    if not 0.0 < visible_quantile <= 1.0:
        raise ValueError(f"visible_quantile must lie in (0, 1], got {visible_quantile!r}.")
    rng = np.random.default_rng(seed)
    drawn_target = tokens_to_rna(rng.integers(0, 4, size=(1, length)))[0]
    if target is None:
        target = drawn_target
    elif not isinstance(target, str) or not target:
        raise ValueError(f"target must be a non-empty RNA string, got {target!r}.")
    oracle = DuplexOracle(target.upper())
    tokens = rng.integers(0, 4, size=(n, length))
    scores = oracle.score_sequences(tokens_to_rna(tokens))
    threshold = np.quantile(scores, visible_quantile)
    visible = scores <= threshold
    y_max = float(oracle.score_sequences([reverse_complement(oracle.target)])[0])
    return RNABindingTask(
        name=name or f"rna{length}",
        x=torch.as_tensor(tokens[visible]),
        y=torch.as_tensor(scores[visible], dtype=torch.float64).unsqueeze(-1),
        oracle=oracle,
        y_min=0.0,
        y_max=y_max,
        num_classes=4,
        source=(
            f"ViennaRNA duplexfold with target {oracle.target} (seed {seed}), {n} random "
            f"designs, visible below the {visible_quantile:.0%} quantile"
        ),
        target=oracle.target,
    )


@lru_cache(maxsize=len(RNA_TASK_SIZES))
def registered_rna_task(name: str) -> RNABindingTask:
    r"""The registered task ``name`` (``rna14``, ``rna20``, ``rna40``), built once."""
    return rna_binding(RNA_TASK_SIZES[name], n=RNA_TASK_ROWS, seed=0, name=name)

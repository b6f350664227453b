r"""``OfflineTask``: a static dataset, how its designs are represented, and its oracle.

The visible dataset (``x``, ``y``) is all a method may see. ``score`` is the oracle used only
to evaluate proposals, and ``y_min``/``y_max`` are the full-task bounds of the field's
normalized score ``(y - y_min) / (y_max - y_min)``. Designs are either integer sequences of
``length`` tokens over ``num_classes`` classes (optimized as design-bench's logits, see
``botorch_mentor.encoding``) or continuous vectors inside ``bounds``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits

Oracle = Callable[[Tensor], Tensor]
"""``oracle(designs) -> scores``: ``n x L`` tokens or ``n x d`` floats to ``n`` scores."""


@dataclass
class OfflineTask:
    r"""An offline model-based optimization task (maximization)."""

    name: str
    x: Tensor
    """``n x L`` long tokens (discrete) or ``n x d`` float64 designs (continuous)."""
    y: Tensor
    """``n x 1`` float64 scores of the visible designs."""
    oracle: Oracle = field(repr=False)
    y_min: float
    y_max: float
    num_classes: int | None = None
    """Alphabet size of a discrete task; None for continuous tasks."""
    bounds: Tensor | None = None
    """``2 x d`` box of a continuous task; None for discrete tasks."""
    source: str = ""
    """Where the data comes from."""
    trajectory_points: int = 11
    """Ascent steps whose designs a benchmark record scores (its trajectory)."""
    trajectory_designs: int | None = None
    """Designs scored per trajectory step (evenly spaced through the batch); None: all. Tasks
    with an expensive oracle score fewer; records state the number."""

    def __post_init__(self) -> None:
        if self.y.dim() != 2 or self.y.shape[-1] != 1 or self.y.shape[0] != self.x.shape[0]:
            raise ValueError(
                f"OfflineTask {self.name!r}: y must be n x 1 with n = {self.x.shape[0]} rows of "
                f"x, got {tuple(self.y.shape)}."
            )
        if not self.y_max > self.y_min:
            raise ValueError(
                f"OfflineTask {self.name!r}: y_max ({self.y_max}) must exceed y_min "
                f"({self.y_min})."
            )
        if self.discrete and self.x.is_floating_point():
            raise ValueError(f"OfflineTask {self.name!r}: discrete designs must be integers.")

    @property
    def discrete(self) -> bool:
        return self.num_classes is not None

    @property
    def length(self) -> int:
        """Sequence length L (discrete) or dimension d (continuous)."""
        return self.x.shape[-1]

    @property
    def n_features(self) -> int:
        """Width of the continuous representation the model sees."""
        return self.length * (self.num_classes - 1) if self.discrete else self.length

    def features(self, designs: Tensor | None = None) -> Tensor:
        r"""Designs (default: the visible ones) to the model's float64 ``n x n_features``
        inputs."""
        designs = self.x if designs is None else designs
        if self.discrete:
            return sequences_to_logits(designs, self.num_classes)
        return designs.to(torch.float64)

    def decode(self, features: Tensor) -> Tensor:
        r"""Model inputs back to designs: argmax tokens, or continuous designs clipped to
        ``bounds``."""
        if self.discrete:
            return logits_to_sequences(features, self.length, self.num_classes)
        if self.bounds is None:
            return features
        bounds = self.bounds.to(features)
        return torch.minimum(torch.maximum(features, bounds[0]), bounds[1])

    def score(self, designs: Tensor) -> Tensor:
        r"""The oracle's ``n``-dim float64 scores of ``n`` designs."""
        return self.oracle(designs).to(torch.float64).reshape(-1)

    def normalize(self, y: Tensor) -> Tensor:
        r"""``(y - y_min) / (y_max - y_min)``."""
        return (y - self.y_min) / (self.y_max - self.y_min)

    def top_designs(self, k: int) -> Tensor:
        r"""The ``k`` best visible designs (the protocol's starting points)."""
        k = min(k, self.x.shape[0])
        return self.x[self.y.squeeze(-1).topk(k).indices]

    def summary(self) -> dict[str, object]:
        kind = f"sequence L={self.length}, V={self.num_classes}" if self.discrete else (
            f"continuous d={self.length}"
        )
        return {
            "name": self.name,
            "designs": kind,
            "rows": int(self.x.shape[0]),
            "best_visible": float(self.y.max()),
            "best_visible_normalized": float(self.normalize(self.y.max())),
            "source": self.source,
        }

    @classmethod
    def from_lookup_table(
        cls,
        x_all: Tensor | np.ndarray,
        y_all: Tensor | np.ndarray,
        num_classes: int,
        visible_quantile: float = 0.5,
        name: str = "lookup",
        source: str = "user table",
    ) -> OfflineTask:
        r"""A task with an exact look-up oracle, built the way design-bench builds TFBind8.

        Args:
            x_all: ``N x L`` integer sequences, every design the oracle knows.
            y_all: ``N`` or ``N x 1`` scores.
            num_classes: V.
            visible_quantile: The visible dataset is the rows with ``y`` at or below this
                quantile of ``y_all``; ``y_min``/``y_max`` are over the full table.

        Repeated sequences must carry the same score (conflicts raise ``ValueError``).
        """
        x_array = np.asarray(x_all)
        if x_array.dtype.kind == "f":
            fractional = ~np.isfinite(x_array) | (x_array != np.round(x_array))
            if fractional.any():
                row, column = (int(i[0]) for i in np.nonzero(fractional))
                raise ValueError(
                    f"x_all must hold integer tokens; found {float(x_array[row, column])!r} at row "
                    f"{row}, column {column}. Convert the sequences to integer codes first."
                )
        elif x_array.dtype.kind not in "iub":
            raise ValueError(f"x_all must hold integer tokens, got dtype {x_array.dtype}.")
        x_all = torch.as_tensor(x_array).long()
        y_all = torch.as_tensor(np.asarray(y_all)).to(torch.float64).reshape(-1, 1)
        if x_all.dim() != 2:
            raise ValueError(
                f"x_all must be an N x L integer array, got shape {tuple(x_all.shape)}."
            )
        if y_all.shape[0] != x_all.shape[0]:
            raise ValueError(
                f"x_all has {x_all.shape[0]} rows but y_all has {y_all.shape[0]}; they must match."
            )
        if not torch.isfinite(y_all).all():
            raise ValueError("y_all contains NaN or infinite scores; drop those rows.")
        if not 0.0 < visible_quantile <= 1.0:
            raise ValueError(f"visible_quantile must lie in (0, 1], got {visible_quantile!r}.")
        sequences_to_logits(x_all[:1], num_classes)  # alphabet and shape checks
        if int(x_all.min()) < 0 or int(x_all.max()) >= num_classes:
            raise ValueError(
                f"x_all tokens must lie in 0..{num_classes - 1}, got {int(x_all.min())}.."
                f"{int(x_all.max())}."
            )
        oracle = LookupOracle(x_all, y_all.squeeze(-1), num_classes)
        threshold = float(np.percentile(y_all.numpy(), 100.0 * visible_quantile))
        visible = y_all.squeeze(-1) <= threshold
        return cls(
            name=name,
            x=x_all[visible],
            y=y_all[visible],
            oracle=oracle,
            y_min=float(y_all.min()),
            y_max=float(y_all.max()),
            num_classes=num_classes,
            source=source,
        )


class LookupOracle:
    r"""Exact oracle of a table of integer sequences: sequences are read as base-V numbers and
    looked up with a binary search."""

    def __init__(self, x_all: Tensor, y_all: Tensor, num_classes: int) -> None:
        length = x_all.shape[-1]
        if length * np.log2(num_classes) > 62:
            raise ValueError(
                f"LookupOracle supports V^L < 2^62, got V={num_classes}, L={length}."
            )
        self.num_classes, self.length = num_classes, length
        self._powers = num_classes ** torch.arange(length - 1, -1, -1, dtype=torch.long)
        keys = self._keys(x_all)
        order = keys.argsort()
        keys, scores = keys[order], y_all[order]
        same = keys[1:] == keys[:-1]
        if bool((same & (scores[1:] != scores[:-1])).any()):
            raise ValueError(
                "the table repeats a sequence with different scores; average or drop the "
                "duplicates before building the task."
            )
        keep = torch.cat([torch.tensor([True]), ~same])
        self._keys_sorted, self._scores = keys[keep], scores[keep]

    def _keys(self, tokens: Tensor) -> Tensor:
        return (tokens.long().cpu() * self._powers).sum(-1)

    def __call__(self, designs: Tensor) -> Tensor:
        if designs.dim() != 2 or designs.shape[-1] != self.length or designs.is_floating_point():
            raise ValueError(
                f"designs must be an n x {self.length} integer tensor, got "
                f"{designs.dtype} {tuple(designs.shape)}."
            )
        keys = self._keys(designs)
        pos = torch.searchsorted(self._keys_sorted, keys).clamp_max(len(self._keys_sorted) - 1)
        found = self._keys_sorted[pos] == keys
        if not bool(found.all()):
            missing = int((~found).sum())
            raise ValueError(
                f"{missing} design(s) are not in the look-up table; cannot score them."
            )
        return self._scores[pos]

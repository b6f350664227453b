r"""``DesignSpace``: how the ascent's continuous points stand for designs, and how designs are
compared.

The ascent moves continuous points in the model's input space. For sequences those points
are design-bench logits that decode to token sequences (``botorch_mentor.encoding``), for Ax
they are relaxed one-hot choices and integers that Ax rounds, and for continuous designs they
are the designs themselves. A ``DesignSpace`` says which design a point stands for
(``canonicalize``: decode, then encode) so that predictions, batches and metrics are about
the designs a user receives, and how two designs are compared (``tokens``: Hamming distance of
sequences; otherwise Euclidean distance in the model's z-scored space).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from torch import Tensor

from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits


@dataclass(frozen=True)
class DesignSpace:
    r"""``canonicalize`` maps ``m x d`` points of the original (model-input) space to the
    inputs of the designs they stand for; None keeps them (continuous designs, already
    projected into their bounds). ``tokens`` maps canonical inputs to ``m x L`` integer
    sequences, to compare designs by Hamming distance; None compares them by Euclidean
    distance in the model's z-scored space."""

    canonicalize: Callable[[Tensor], Tensor] | None = None
    tokens: Callable[[Tensor], Tensor] | None = None

    @classmethod
    def sequences(cls, length: int, num_classes: int) -> DesignSpace:
        r"""Sequences of ``length`` tokens over ``num_classes`` classes held as design-bench
        logits: a point stands for its decoded sequence; sequences are compared by Hamming
        distance."""
        return cls(
            canonicalize=partial(_canonical_logits, length=length, num_classes=num_classes),
            tokens=partial(_logits_to_tokens, length=length, num_classes=num_classes),
        )

    def designs(self, X: Tensor) -> Tensor:
        r"""The canonical inputs of the designs the ``m x d`` points ``X`` stand for."""
        return X if self.canonicalize is None else self.canonicalize(X).to(X)


def _logits_to_tokens(X: Tensor, length: int, num_classes: int) -> Tensor:
    return logits_to_sequences(X, length, num_classes)


def _canonical_logits(X: Tensor, length: int, num_classes: int) -> Tensor:
    return sequences_to_logits(logits_to_sequences(X, length, num_classes), num_classes).to(X)

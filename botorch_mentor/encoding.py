r"""Discrete designs: integer sequences to design-bench's logits and back.

A sequence of ``L`` tokens over ``V`` classes becomes ``L * (V - 1)`` continuous features:
one-hot, softened to ``p = 0.6 * onehot + 0.4 / V``, log-probabilities relative to class 0
(``logit[k] = log p[k] - log p[0]``, ``k = 1..V-1``), flattened. The z-scoring of
design-bench's third step is what ``MentoringEnsemble`` does internally, so these logits are
what the model takes. Decoding prepends the implicit 0 logit of class 0 and takes the argmax.
"""

from __future__ import annotations

import torch
from torch import Tensor

SOFT_ONE_HOT_WEIGHT = 0.6
"""design-bench's softening: ``p = 0.6 * onehot + 0.4 * (1 / V)``."""


def sequences_to_logits(
    tokens: Tensor, num_classes: int, dtype: torch.dtype = torch.float64
) -> Tensor:
    r"""Encode integer sequences.

    Args:
        tokens: An ``n x L``-dim integer tensor with entries in ``0..num_classes-1``.
        num_classes: V, the alphabet size (at least 2).

    Returns:
        An ``n x (L * (V - 1))``-dim tensor of logits.
    """
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
    if not isinstance(tokens, Tensor) or tokens.is_floating_point() or tokens.dim() != 2:
        kind = getattr(tokens, "dtype", type(tokens).__name__)
        shape = tuple(getattr(tokens, "shape", ()))
        raise ValueError(f"tokens must be an n x L integer tensor, got {kind} {shape}.")
    if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= num_classes):
        raise ValueError(
            f"tokens must lie in 0..{num_classes - 1} (the alphabet), got values from "
            f"{int(tokens.min())} to {int(tokens.max())}."
        )
    one_hot = torch.nn.functional.one_hot(tokens.long(), num_classes).to(dtype)
    probs = SOFT_ONE_HOT_WEIGHT * one_hot + (1.0 - SOFT_ONE_HOT_WEIGHT) / num_classes
    log_p = probs.log()
    logits = log_p[..., 1:] - log_p[..., :1]
    return logits.reshape(tokens.shape[0], -1)


def logits_to_sequences(logits: Tensor, length: int, num_classes: int) -> Tensor:
    r"""Decode logits (any real values) to the most likely tokens.

    Args:
        logits: An ``n x (L * (V - 1))``-dim tensor.
        length: L.
        num_classes: V.

    Returns:
        An ``n x L``-dim long tensor.
    """
    expected = length * (num_classes - 1)
    if logits.dim() != 2 or logits.shape[-1] != expected:
        raise ValueError(
            f"logits must have shape (n, {expected}) for length {length} and {num_classes} "
            f"classes, got {tuple(logits.shape)}."
        )
    per_position = logits.reshape(logits.shape[0], length, num_classes - 1)
    full = torch.cat([torch.zeros_like(per_position[..., :1]), per_position], dim=-1)
    return full.argmax(dim=-1)

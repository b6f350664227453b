"""Batched neural networks: many independent proxies as one set of stacked weights."""

from botorch_mentor.nn.batched_mlp import (
    Params,
    expand_members,
    init_params,
    mlp_forward,
    num_members,
    squared_error_gradient,
)

__all__ = [
    "Params",
    "expand_members",
    "init_params",
    "mlp_forward",
    "num_members",
    "squared_error_gradient",
]

r"""Ax integration: drop-in surrogate, acquisition-free generator, offline experiments.

Importing this package registers everything with Ax (fit dispatcher, generator registry,
JSON storage), so nothing else is needed before building strategies or loading experiments.
"""

from botorch_mentor.ax.acquisition import DistinctAcquisition
from botorch_mentor.ax.data import attach_dataset
from botorch_mentor.ax.generator import MentoringGenerator, MentoringGenerators
from botorch_mentor.ax.strategy import mentoring_generation_strategy, surrogate_generation_strategy
from botorch_mentor.ax.surrogate import mentoring_surrogate_spec

__all__ = [
    "DistinctAcquisition",
    "MentoringGenerator",
    "MentoringGenerators",
    "attach_dataset",
    "mentoring_generation_strategy",
    "mentoring_surrogate_spec",
    "surrogate_generation_strategy",
]

"""Design optimization: acquisition-free gradient ascent with mentoring, and batches of
distinct designs."""

from botorch_mentor.optim.ascent import AscentStep, DesignResult, optimize_designs
from botorch_mentor.optim.design_space import DesignSpace
from botorch_mentor.optim.diagnostics import MentoringDiagnostics
from botorch_mentor.optim.selection import BatchSelection, greedy_select

__all__ = [
    "AscentStep",
    "BatchSelection",
    "DesignResult",
    "DesignSpace",
    "MentoringDiagnostics",
    "greedy_select",
    "optimize_designs",
]

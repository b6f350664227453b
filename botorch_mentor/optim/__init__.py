"""Design optimization: acquisition-free gradient ascent with mentoring."""

from botorch_mentor.optim.ascent import AscentStep, DesignResult, optimize_designs
from botorch_mentor.optim.diagnostics import MentoringDiagnostics

__all__ = ["AscentStep", "DesignResult", "MentoringDiagnostics", "optimize_designs"]

"""Design optimization: acquisition-free gradient ascent with mentoring."""

from botorch_mentor.optim.ascent import DesignResult, optimize_designs

__all__ = ["DesignResult", "optimize_designs"]

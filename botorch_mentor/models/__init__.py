"""BoTorch models of botorch_mentor."""

from botorch_mentor.models.ensemble import MentoringEnsemble

__all__ = ["MentoringEnsemble"]

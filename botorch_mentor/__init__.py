r"""botorch_mentor: parallel-mentoring (tri-mentoring) for offline model-based optimization.

The public API: ``MentoringConfig`` (settings), ``MentoringEnsemble`` (a BoTorch ensemble
model), ``fit_mentoring_ensemble`` (pretraining and mentoring inside fit) and
``optimize_designs`` (acquisition-free gradient ascent with mentoring).
"""

from botorch_mentor.checkpoint import load_ensemble, save_ensemble
from botorch_mentor.config import MentoringConfig
from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits
from botorch_mentor.fitting.fit import fit_mentoring_ensemble
from botorch_mentor.models.ensemble import MentoringEnsemble
from botorch_mentor.optim.ascent import DesignResult, optimize_designs

__version__ = "0.1.0"

__all__ = [
    "DesignResult",
    "MentoringConfig",
    "MentoringEnsemble",
    "fit_mentoring_ensemble",
    "load_ensemble",
    "logits_to_sequences",
    "optimize_designs",
    "save_ensemble",
    "sequences_to_logits",
]

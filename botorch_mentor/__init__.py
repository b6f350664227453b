r"""botorch_mentor: parallel-mentoring (tri-mentoring) for offline model-based optimization.

The public API: ``MentoringConfig`` (settings), ``MentoringEnsemble`` (a BoTorch ensemble
model), ``fit_mentoring_ensemble`` (pretraining and mentoring inside fit),
``optimize_designs`` (acquisition-free gradient ascent, with mentoring or without),
``BatchSelection`` (batches of distinct designs) and ``propose`` (from a table of designs and
scores to proposals).

Names are imported on first use (PEP 562), so that light submodules (the RNA oracle's worker
processes) start without importing torch and BoTorch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "DesignResult": "botorch_mentor.optim.ascent",
    "DesignSpace": "botorch_mentor.optim.design_space",
    "MentoringConfig": "botorch_mentor.config",
    "MentoringEnsemble": "botorch_mentor.models.ensemble",
    "fit_mentoring_ensemble": "botorch_mentor.fitting.fit",
    "load_ensemble": "botorch_mentor.checkpoint",
    "logits_to_sequences": "botorch_mentor.encoding",
    "BatchSelection": "botorch_mentor.optim.selection",
    "optimize_designs": "botorch_mentor.optim.ascent",
    "propose": "botorch_mentor.proposals",
    "save_ensemble": "botorch_mentor.checkpoint",
    "sequences_to_logits": "botorch_mentor.encoding",
}

__all__ = [
    "BatchSelection",
    "DesignResult",
    "DesignSpace",
    "MentoringConfig",
    "MentoringEnsemble",
    "fit_mentoring_ensemble",
    "load_ensemble",
    "logits_to_sequences",
    "optimize_designs",
    "propose",
    "save_ensemble",
    "sequences_to_logits",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'botorch_mentor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # pragma: no cover
    from botorch_mentor.checkpoint import load_ensemble, save_ensemble
    from botorch_mentor.config import MentoringConfig
    from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits
    from botorch_mentor.fitting.fit import fit_mentoring_ensemble
    from botorch_mentor.models.ensemble import MentoringEnsemble
    from botorch_mentor.optim.ascent import DesignResult, optimize_designs
    from botorch_mentor.optim.design_space import DesignSpace
    from botorch_mentor.optim.selection import BatchSelection
    from botorch_mentor.proposals import propose

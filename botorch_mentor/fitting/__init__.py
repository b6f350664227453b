"""Fitting the mentoring ensemble: pretraining, then fit-time mentoring."""

from botorch_mentor.fitting.fit import fit_mentoring_ensemble, mentor_around_anchors
from botorch_mentor.fitting.pretrain import PretrainResult, cosine_lr, pearson, pretrain_proxies

__all__ = [
    "PretrainResult",
    "cosine_lr",
    "fit_mentoring_ensemble",
    "mentor_around_anchors",
    "pearson",
    "pretrain_proxies",
]

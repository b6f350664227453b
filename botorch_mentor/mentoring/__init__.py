r"""The mentoring step of parallel-mentoring, as small pure functions on tensors.

``neighbourhood`` (step 1), ``pairwise`` (labels, voting, mentoring sets: steps 2-4),
``soft_labels`` (loss and closed-form hypergradient: step 5) and ``step`` (steps 2-6 composed).
"""

from botorch_mentor.mentoring.neighbourhood import sample_neighbourhood
from botorch_mentor.mentoring.pairwise import (
    disagreement_mask,
    grouped_pair_indices,
    majority_vote,
    pair_indices,
    pairwise_labels,
)
from botorch_mentor.mentoring.soft_labels import (
    mentoring_set_sizes,
    pairwise_loss,
    pairwise_loss_coefficients,
    soft_label_hypergradient,
    update_soft_labels,
)
from botorch_mentor.mentoring.step import (
    MentoringStats,
    mentoring_step,
    outer_chunk_rows,
    outer_loss_gradient,
)

__all__ = [
    "MentoringStats",
    "disagreement_mask",
    "grouped_pair_indices",
    "majority_vote",
    "mentoring_set_sizes",
    "mentoring_step",
    "outer_chunk_rows",
    "outer_loss_gradient",
    "pair_indices",
    "pairwise_labels",
    "pairwise_loss",
    "pairwise_loss_coefficients",
    "sample_neighbourhood",
    "soft_label_hypergradient",
    "update_soft_labels",
]

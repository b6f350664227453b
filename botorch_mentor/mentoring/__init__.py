r"""The mentoring step of parallel-mentoring, as small pure functions on tensors.

``neighbourhood`` (step 1), ``pairwise`` (labels, voting, mentoring sets: steps 2-4),
``soft_labels`` (loss and closed-form hypergradient: step 5), ``step`` (steps 2-6 composed) and
``diagnostics`` (tangent-kernel scale of a step, and what one step did).
"""

from botorch_mentor.mentoring.diagnostics import (
    StepDiagnostics,
    diagnose_step,
    pair_gradient_sq_norms,
    tangent_kernel_gram,
    tangent_kernel_scale,
)
from botorch_mentor.mentoring.neighbourhood import sample_neighbourhood
from botorch_mentor.mentoring.pairwise import (
    consensus_and_mentoring_sets,
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
    outer_plan,
)

__all__ = [
    "MentoringStats",
    "StepDiagnostics",
    "diagnose_step",
    "pair_gradient_sq_norms",
    "tangent_kernel_gram",
    "tangent_kernel_scale",
    "consensus_and_mentoring_sets",
    "disagreement_mask",
    "grouped_pair_indices",
    "majority_vote",
    "mentoring_set_sizes",
    "mentoring_step",
    "outer_chunk_rows",
    "outer_loss_gradient",
    "outer_plan",
    "pair_indices",
    "pairwise_labels",
    "pairwise_loss",
    "pairwise_loss_coefficients",
    "sample_neighbourhood",
    "soft_label_hypergradient",
    "update_soft_labels",
]

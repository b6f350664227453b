r"""An Ax ``Acquisition`` whose proposals are new designs.

Ax optimizes the acquisition function over the continuous relaxation of the search space
(choice parameters one-hot encoded) and rounds the optimum. Two relaxed optima can round to
one design, or to a design that is pending or already observed; Ax's node-level
deduplication compares a generator run with the experiment's arms only, so a batch built
one trial at a time (``Client.get_next_trials``) can hold the same design twice.

``DistinctAcquisition`` repairs this where it arises: every rounded candidate that equals an
observed point, a pending point or an earlier candidate of the same call is replaced by the
best new design (unlike every design kept so far) among rounded perturbations of the relaxed
search space around it and rounded uniform draws, scored by the acquisition function with the
call's other candidates pending.
"""

from __future__ import annotations

from typing import Any

import torch
from ax.generators.torch.botorch_modular.acquisition import Acquisition
from ax.storage.botorch_modular_registry import ACQUISITION_REGISTRY, register_acquisition
from torch import Tensor

REPAIR_DRAWS = 512
"""Rounded candidates drawn to replace one duplicate (half around it, half uniform)."""
PERTURBATION_SCALES = (0.25, 0.5, 1.0)
"""Standard deviations of the Gaussian perturbations, as fractions of each feature's range."""


ROWS_CHUNK_ELEMENTS = 1 << 22
"""Largest ``candidates x rows`` block of distances held at once by ``_rows_in``."""


def _rows_in(candidates: Tensor, rows: Tensor) -> Tensor:
    r"""Whether each candidate equals a row of ``rows`` (within 1e-6 in every coordinate).

    Computed as the max-norm distance to every row, a block of candidates at a time: memory
    stays at ``ROWS_CHUNK_ELEMENTS`` distances whatever the number of observed rows (a full
    TFBind8 table is 32,898 rows), never ``candidates x rows x d``.

    Args:
        candidates: ``c x d``.
        rows: ``r x d``.

    Returns:
        ``c`` booleans.
    """
    if rows.shape[0] == 0 or candidates.shape[0] == 0:
        return torch.zeros(candidates.shape[0], dtype=torch.bool, device=candidates.device)
    per_block = max(1, ROWS_CHUNK_ELEMENTS // rows.shape[0])
    found = [(torch.cdist(block, rows, p=float("inf")) <= 1e-6).any(-1)
             for block in candidates.split(per_block)]
    return torch.cat(found)


class DistinctAcquisition(Acquisition):
    r"""Ax's ``Acquisition`` with duplicate-free proposals (see the module docstring).

    Use it through ``GeneratorSpec(generator_enum=Generators.BOTORCH_MODULAR,
    generator_kwargs={"acquisition_class": DistinctAcquisition, ...})``; importing
    ``botorch_mentor.ax`` registers it with Ax's JSON storage.
    """

    def optimize(self, n: int, search_space_digest: Any, *args: Any, **kwargs: Any
                 ) -> tuple[Tensor, Tensor, Tensor]:
        candidates, values, weights = super().optimize(n, search_space_digest, *args, **kwargs)
        if kwargs.get("candidate_set") is not None or kwargs.get("sampling_strategy") is not None:
            return candidates, values, weights  # chosen from a given set, nothing to round
        rounding = kwargs.get("rounding_func") or (lambda x: x)
        bounds = torch.tensor(search_space_digest.bounds, dtype=candidates.dtype,
                              device=candidates.device).t()
        known = [x for x in (self.X_observed, self.X_pending) if x is not None]
        avoid = (torch.cat(known).to(candidates) if known
                 else candidates.new_zeros(0, candidates.shape[-1]))
        generator = torch.Generator(device="cpu").manual_seed(len(avoid))
        repaired = list(candidates)
        duplicates = []
        for i, candidate in enumerate(candidates):  # keep the first of each new design
            if _rows_in(candidate.unsqueeze(0), avoid).item():
                duplicates.append(i)
            else:
                avoid = torch.cat([avoid, candidate.unsqueeze(0)])
        for i in duplicates:  # replace the rest, avoiding every design kept so far
            others = torch.stack([c for j, c in enumerate(repaired) if j != i]) if n > 1 \
                else candidates.new_zeros(0, candidates.shape[-1])
            repaired[i] = self._replacement(candidates[i], others, avoid, bounds, rounding,
                                            generator)
            avoid = torch.cat([avoid, repaired[i].unsqueeze(0)])
        repaired_candidates = torch.stack(repaired)
        if not torch.equal(repaired_candidates, candidates):
            with torch.no_grad():
                values = self.evaluate(repaired_candidates.unsqueeze(0)).reshape(values.shape)
        return repaired_candidates, values, weights

    def _replacement(self, candidate: Tensor, others: Tensor, avoid: Tensor, bounds: Tensor,
                     rounding: Any, generator: torch.Generator) -> Tensor:
        r"""The best new rounded design near ``candidate`` (``d``) or drawn uniformly, by the
        acquisition value with ``others`` (``(n - 1) x d``) pending; ``candidate`` itself when
        every draw is known (a space this small is exhausted)."""
        d, half = candidate.shape[-1], REPAIR_DRAWS // 2
        low, high = bounds[0], bounds[1]
        scales = torch.tensor(PERTURBATION_SCALES, dtype=candidate.dtype).repeat_interleave(
            -(-half // len(PERTURBATION_SCALES)))[:half].unsqueeze(-1)
        # drawn on the CPU generator (the same draws on any device), used on the data's device
        noise = (torch.randn(half, d, generator=generator, dtype=candidate.dtype) * scales
                 ).to(candidate)
        uniform = torch.rand(REPAIR_DRAWS - half, d, generator=generator, dtype=candidate.dtype
                             ).to(candidate)
        relaxed = torch.cat([candidate + noise * (high - low), low + uniform * (high - low)])
        relaxed = torch.minimum(torch.maximum(relaxed, low), high)
        draws = torch.unique(rounding(relaxed).to(candidate), dim=0)
        draws = draws[~_rows_in(draws, avoid)]
        if draws.shape[0] == 0:
            return candidate
        batch = torch.cat([draws.unsqueeze(1), others.unsqueeze(0).expand(
            draws.shape[0], *others.shape)], dim=1)  # draws x n x d
        with torch.no_grad():
            scores = torch.cat([self.evaluate(chunk) for chunk in batch.split(128)])
        return draws[scores.argmax()]


if DistinctAcquisition not in ACQUISITION_REGISTRY:
    register_acquisition(DistinctAcquisition)

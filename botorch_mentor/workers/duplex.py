r"""Worker-process side of the RNA binding oracle: imports ViennaRNA only (not torch), so that
worker processes start in a fraction of a second."""

from __future__ import annotations


def duplex_energies(target: str, sequences: list[str]) -> list[float]:
    r"""``RNA.duplexfold(s, target).energy`` (kcal/mol) of every sequence."""
    import RNA  # noqa: N811

    fold = RNA.duplexfold
    return [fold(s, target).energy for s in sequences]

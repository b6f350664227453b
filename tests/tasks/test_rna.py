"""The RNA binding task: ViennaRNA's duplex energies against hand-computed Turner 2004 sums."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

pytest.importorskip("RNA")

from botorch_mentor.tasks import (  # noqa: E402
    DuplexOracle,
    get_task,
    list_tasks,
    reverse_complement,
    rna_binding,
    rna_to_tokens,
    tokens_to_rna,
)

# Turner 2004 nearest-neighbour parameters as ViennaRNA tabulates them (kcal/mol, 37 C):
STACK = {"GG/CC": -3.3, "GC/CG": -3.4, "CG/GC": -2.4, "AC/UG": -2.2, "GU/CA": -2.2}
INITIATION = 4.1
TERMINAL_AU = 0.5


@pytest.mark.parametrize(
    "design, target, expected",
    [
        # three GG/CC stacks + initiation
        ("GGGG", "CCCC", 3 * STACK["GG/CC"] + INITIATION),
        # GC/CG, CG/GC, GC/CG + initiation
        ("GCGC", "GCGC", 2 * STACK["GC/CG"] + STACK["CG/GC"] + INITIATION),
        # AC/UG, CG/GC, GU/CA + initiation + two terminal A-U pairs
        ("ACGU", "ACGU",
         STACK["AC/UG"] + STACK["CG/GC"] + STACK["GU/CA"] + INITIATION + 2 * TERMINAL_AU),
    ],
)
def test_duplex_energy_equals_the_hand_computed_sum(design, target, expected):
    energy = DuplexOracle(target).energies([design])[0]
    assert energy == pytest.approx(expected, abs=1e-9)
    score = DuplexOracle(target)(torch.as_tensor(rna_to_tokens([design])))
    assert score.dtype == torch.float64 and float(score[0]) == pytest.approx(-expected)


def test_unfavourable_duplex_scores_zero():
    oracle = DuplexOracle("UUUU")
    assert oracle.energies(["AAAA"])[0] > 0  # A-U stacks do not pay for initiation
    assert float(oracle(torch.as_tensor(rna_to_tokens(["AAAA"])))[0]) == 0.0


def test_batched_oracle_equals_one_by_one():
    rng = np.random.default_rng(5)
    from botorch_mentor.tasks.rna import PARALLEL_MIN_DESIGNS

    n = PARALLEL_MIN_DESIGNS + 7  # folded in worker processes
    tokens = torch.as_tensor(rng.integers(0, 4, size=(n, 12)))
    oracle = DuplexOracle("GGACUUCAGCUA", workers=2)
    batched = oracle(tokens)
    import RNA

    sequences = tokens_to_rna(tokens.numpy())
    one_by_one = torch.tensor([-min(0.0, RNA.duplexfold(s, "GGACUUCAGCUA").energy)
                               for s in sequences], dtype=torch.float64)
    torch.testing.assert_close(batched, one_by_one, rtol=0, atol=0)


def test_task_is_deterministic_for_a_seed_and_exposes_its_target():
    import RNA

    first, again = rna_binding(10, n=300, seed=3), rna_binding(10, n=300, seed=3)
    assert first.target == again.target and len(first.target) == 10
    assert set(first.target) <= set("ACGU")
    assert torch.equal(first.x, again.x) and torch.equal(first.y, again.y)
    other = rna_binding(10, n=300, seed=4)
    assert other.target != first.target or not torch.equal(other.x, first.x)
    # visible: the lower half of the drawn designs, tokens A, C, G, U = 0..3
    assert first.num_classes == 4 and 140 <= first.x.shape[0] <= 300
    # anyone can recompute the oracle from the target
    design = tokens_to_rna(first.x[:1].numpy())[0]
    assert float(first.y[0, 0]) == pytest.approx(-min(0.0, RNA.duplexfold(design,
                                                                          first.target).energy))


def test_reverse_complement_is_the_reference_optimum():
    task = rna_binding(12, n=200, seed=1)
    complement = reverse_complement(task.target)
    assert complement == "".join({"A": "U", "C": "G", "G": "C", "U": "A"}[c]
                                 for c in task.target[::-1])
    score = task.score(torch.as_tensor(rna_to_tokens([complement])))
    assert float(task.normalize(score)[0]) == pytest.approx(1.0)
    assert task.y_min == 0.0
    assert float(task.normalize(task.y.max())) < 0.5  # random designs bind far less


def test_given_target_and_bad_arguments():
    task = rna_binding(6, target="gggaaa", n=50)
    assert task.target == "GGGAAA"
    with pytest.raises(ValueError, match="length must be an integer >= 4"):
        rna_binding(2)
    with pytest.raises(ValueError, match="only A, C, G, U"):
        rna_binding(6, target="GGGTTT", n=50)
    with pytest.raises(ValueError, match="visible_quantile"):
        rna_binding(6, n=50, visible_quantile=0.0)


def test_registered_names():
    assert {"rna14", "rna20", "rna40"} <= set(list_tasks())
    task = get_task("rna14")
    assert task.name == "rna14" and task.length == 14 and task.num_classes == 4
    assert task is get_task("rna14")  # built once


def test_missing_extra_names_it(monkeypatch):
    from botorch_mentor.tasks import rna

    monkeypatch.setitem(sys.modules, "RNA", None)
    with pytest.raises(ImportError, match=r"botorch-mentor\[rna\]"):
        rna.DuplexOracle("ACGU")

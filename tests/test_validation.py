"""Finiteness checks of large tensors, block by block, against ``torch.isfinite`` at once."""

from __future__ import annotations

import pytest
import torch

from botorch_mentor import validation


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_blocked_check_finds_the_first_bad_entry_in_any_block(monkeypatch, value):
    monkeypatch.setattr(validation, "FINITE_CHECK_ELEMENTS", 7)  # 60 elements: 9 blocks
    X = torch.randn(12, 5, dtype=torch.float64)
    assert validation.all_finite(X)
    for row, col in [(0, 0), (3, 2), (11, 4)]:
        bad = X.clone()
        bad[row, col] = value
        bad[11, 4] = value  # a later bad entry never hides the first one
        assert not validation.all_finite(bad)
        expected = (~torch.isfinite(bad)).nonzero()[0].tolist()
        assert validation.first_non_finite(bad) == expected == [row, col]
        with pytest.raises(ValueError, match=rf"first at index \[{row}, {col}\]"):
            validation.check_float_tensor(bad, "train_X")


def test_blocked_check_of_other_shapes(monkeypatch):
    monkeypatch.setattr(validation, "FINITE_CHECK_ELEMENTS", 5)  # rows of 12: one per block
    X = torch.zeros(3, 4, 3)
    X[2, 1, 2] = float("nan")
    assert validation.first_non_finite(X) == [2, 1, 2]
    assert validation.all_finite(torch.tensor(1.0)) and validation.all_finite(torch.zeros(0, 3))
    assert validation.first_non_finite(torch.tensor(float("inf"))) == []


def test_blocked_check_of_a_non_contiguous_tensor(monkeypatch):
    monkeypatch.setattr(validation, "FINITE_CHECK_ELEMENTS", 4)
    X = torch.randn(6, 5, dtype=torch.float32)
    X[4, 1] = float("nan")
    view = X.t()  # 5 x 6, not contiguous: the NaN sits at [1, 4]
    assert not view.is_contiguous()
    assert validation.first_non_finite(view) == [1, 4]
    assert validation.all_finite(view[:, :4])

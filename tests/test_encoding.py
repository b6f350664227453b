import math

import pytest
import torch

from botorch_mentor import logits_to_sequences, sequences_to_logits


def test_logits_match_design_bench_formula():
    tokens = torch.tensor([[0, 3], [2, 1]])
    logits = sequences_to_logits(tokens, num_classes=4)
    hot, cold = math.log(0.6 + 0.1), math.log(0.1)
    # token 0 at position 0: every other class sits at log(0.1) - log(0.7)
    assert torch.allclose(logits[0, :3], torch.full((3,), cold - hot, dtype=torch.float64))
    # token 3 at position 1: classes 1, 2 equal to class 0, class 3 above it
    assert torch.allclose(logits[0, 3:], torch.tensor([0.0, 0.0, hot - cold], dtype=torch.float64))
    assert logits.shape == (2, 6)


def test_round_trip_all_tokens():
    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 5, (50, 7), generator=g)
    logits = sequences_to_logits(tokens, 5)
    assert torch.equal(logits_to_sequences(logits, 7, 5), tokens)
    assert torch.equal(logits_to_sequences(logits + 0.01 * torch.randn_like(logits), 7, 5), tokens)


@pytest.mark.parametrize(
    "tokens, classes, match",
    [
        (torch.tensor([[0, 4]]), 4, "alphabet"),
        (torch.tensor([[-1, 0]]), 4, "alphabet"),
        (torch.tensor([[0.0, 1.0]]), 4, "integer"),
        (torch.tensor([[0, 1]]), 1, "num_classes"),
    ],
)
def test_bad_tokens(tokens, classes, match):
    with pytest.raises(ValueError, match=match):
        sequences_to_logits(tokens, classes)


def test_decode_shape_checked():
    with pytest.raises(ValueError, match="logits"):
        logits_to_sequences(torch.zeros(2, 5), 2, 4)

"""Independent random streams per purpose."""

from __future__ import annotations

import pytest
import torch

from botorch_mentor.random import PURPOSES, make_generator, stream_seed


def test_streams_are_distinct_deterministic_and_per_seed():
    seeds = {(s, p): stream_seed(s, p) for s in range(20) for p in PURPOSES}
    assert len(set(seeds.values())) == len(seeds)  # no two (seed, purpose) streams coincide
    assert all(0 <= v < 2**63 for v in seeds.values())
    assert stream_seed(3, "splits") == stream_seed(3, "splits")
    with pytest.raises(ValueError, match="purpose must be one of"):
        stream_seed(0, "shuffles")


def test_split_draws_are_not_the_init_draws():
    """The bug this fixes: with one shared seed, the first split keys were the first-layer
    initialization draws."""
    init = torch.rand(3, 50, generator=make_generator(0, "cpu", "init"))
    split = torch.rand(3, 50, generator=make_generator(0, "cpu", "splits"))
    assert not torch.equal(init, split)
    plain = torch.rand(3, 50, generator=make_generator(0, "cpu"))
    assert torch.equal(plain, torch.rand(3, 50, generator=torch.Generator().manual_seed(0)))

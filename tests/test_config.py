import pytest

from botorch_mentor import MentoringConfig


def test_defaults_are_the_papers():
    c = MentoringConfig()
    assert c.n_proxies == 3 and c.hidden_sizes == (2048, 2048)
    assert (c.pretrain_epochs, c.pretrain_lr, c.batch_size, c.val_fraction) == (200, 0.1, 128, 0.1)
    assert (c.n_neighbours, c.noise_std, c.inner_lr, c.soft_label_lr) == (10, 0.1, 1e-3, 0.1)
    assert c.voting and c.soft_labels and c.mode == "per_candidate"
    assert c.n_pairs == 45
    assert MentoringConfig.paper() == c


def test_paper_discrete_uses_sequence_ascent():
    c = MentoringConfig.paper(discrete=True)
    assert (c.ascent_lr, c.ascent_steps) == (0.1, 100)


def test_fast_is_small_and_overridable():
    c = MentoringConfig.fast(n_proxies=5)
    assert max(c.hidden_sizes) < 2048 and c.pretrain_epochs < 200 and c.n_proxies == 5


def test_dict_round_trip():
    c = MentoringConfig.fast(voting=False)
    assert MentoringConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="bogus"):
        MentoringConfig.from_dict({"bogus": 1})


def test_frozen():
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        MentoringConfig().n_proxies = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    "field, value",
    [
        ("n_proxies", 1),
        ("n_proxies", 2.5),
        ("hidden_sizes", ()),
        ("hidden_sizes", (0, 4)),
        ("activation", "gelu"),
        ("pretrain_epochs", 0),
        ("pretrain_lr", -0.1),
        ("batch_size", 0),
        ("val_fraction", 0.0),
        ("val_fraction", 1.0),
        ("n_neighbours", 1),
        ("noise_std", 0.0),
        ("inner_lr", -1e-3),
        ("soft_label_lr", float("nan")),
        ("voting", 1),
        ("soft_labels", "yes"),
        ("outer_batch_size", 0),
        ("max_memory_gb", 0),
        ("outer_precision", "float16"),
        ("strength", "calibrated"),
        ("function_step", 0.0),
        ("mentoring_steps", 0),
        ("pretrain_loss", "ranknet"),
        ("fit_mentoring_rounds", -1),
        ("mode", "batched"),
        ("initial_proxies", "random"),
        ("ascent_lr", 0.0),
        ("ascent_steps", -1),
        ("seed", -1),
    ],
)
def test_invalid_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        MentoringConfig(**{field: value})

"""``propose``: what a scientist reads must mean what its label says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from botorch_mentor.encoding import sequences_to_logits
from botorch_mentor.proposals import fit_table_model, propose
from botorch_mentor.tables import design_codec


def _dna_frame(n=240, seed=0, length=6):
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]
    score = [s.count("G") + 0.5 * s.count("C") + 0.1 * rng.standard_normal() for s in seqs]
    return pd.DataFrame({"id": [f"s{i:04d}" for i in range(n)], "sequence": seqs,
                         "binding": score, "note": "lab A"})


def test_predictions_are_for_the_sequences_as_written():
    frame = _dna_frame()
    out = propose(frame, "binding", n=12, sequence_column="sequence", seed=1)
    assert list(out.columns) == ["rank", "sequence", "predicted_binding", "std_binding",
                                 "in_table"]
    # The same fit (deterministic on the CPU), queried here on the written letters.
    model, _ = fit_table_model(frame, "binding", seed=1, sequence_column="sequence")
    tokens = torch.tensor([["ACGT".index(c) for c in s] for s in out["sequence"]])
    X = sequences_to_logits(tokens, 4)
    members = model.posterior(X.unsqueeze(-2)).values[..., 0, 0]  # n x M
    np.testing.assert_allclose(out["predicted_binding"], members.mean(-1).numpy(), rtol=1e-10)
    np.testing.assert_allclose(out["std_binding"], members.std(-1).numpy(), rtol=1e-10)
    assert (out["std_binding"] > 0).all()
    # best first, ranked 1..k, one row per design
    assert out["predicted_binding"].is_monotonic_decreasing
    assert out["rank"].tolist() == list(range(1, len(out) + 1))
    assert out["sequence"].is_unique
    # in_table is membership in the table's sequences
    assert out["in_table"].tolist() == [s in set(frame["sequence"]) for s in out["sequence"]]
    # the comparison with the data is on the same (predicted) scale
    best = frame["sequence"][frame["binding"].idxmax()]
    X_best = sequences_to_logits(torch.tensor([["ACGT".index(c) for c in best]]), 4)
    assert out.attrs["best_in_data"] == pytest.approx(frame["binding"].max())
    assert out.attrs["predicted_best_in_data"] == pytest.approx(
        float(model.posterior(X_best.unsqueeze(-2)).values.mean()), rel=1e-10)


def test_repeated_starting_designs_are_removed_and_shortfalls_explained():
    frame = _dna_frame(n=24)
    best = frame.loc[frame["binding"].idxmax()]
    repeats = pd.DataFrame([best] * 30)
    frame = pd.concat([frame, repeats], ignore_index=True)
    distinct = frame["sequence"].nunique()
    out = propose(frame, "binding", n=200, sequence_column="sequence",
                  changes={"batch": "plain"})
    notes = " ".join(out.attrs["notes"])
    assert f"holds {distinct} distinct designs, fewer than the 200" in notes
    # plain batch: one ascent per distinct design; proposals that decode alike are merged
    merged = distinct - len(out)
    assert merged >= 0 and out["sequence"].is_unique
    if merged:
        assert f"{merged} proposals decoded to a design another proposal already has" in notes
    else:
        assert "merged" not in notes


def test_the_distinct_batch_fills_n_from_the_ascents_and_leaves_the_table_out():
    """By default the proposals are n distinct designs, none of them already in the table,
    even when the table holds fewer distinct designs than n; a shortfall is explained."""
    frame = _dna_frame(n=24)
    out = propose(frame, "binding", n=60, sequence_column="sequence")
    notes = " ".join(out.attrs["notes"])
    assert "holds 24 distinct designs, fewer than the 60" in notes
    assert out["sequence"].is_unique
    new = int((~out["in_table"]).sum())
    assert new >= 40  # the ascents of 24 starts visit many new designs
    if out["in_table"].any():  # designs of the table only fill a shortfall, and say so
        assert f"visited {new} new designs, fewer than the 60 asked for" in notes
    if len(out) < 60:
        assert "the ascents visited" in notes
    else:
        assert len(out) == 60
    batch = out.attrs["batch"]
    assert batch["distinct"] == len(out)
    tokens = np.array([["ACGT".index(c) for c in s] for s in out["sequence"]])
    table = np.array([["ACGT".index(c) for c in s] for s in frame["sequence"]])
    pairs = [(tokens[i] != tokens[j]).sum() for i in range(len(tokens))
             for j in range(i + 1, len(tokens))]
    assert batch["diversity"] == pytest.approx(np.mean(pairs))
    assert batch["novelty"] == pytest.approx(
        np.mean([(table != row).sum(1).min() for row in tokens]))


def test_other_columns_are_ignored_when_the_design_is_named():
    frame = _dna_frame(n=80)
    with pytest.raises(ValueError, match="--sequence-column"):
        propose(frame, "binding", n=4)  # id, sequence and note are all text
    out = propose(frame, "binding", n=4, sequence_column="sequence")
    assert "id" not in out.columns and "note" not in out.columns


def test_continuous_designs_stay_in_bounds():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.2, 0.8, size=(120, 2))
    frame = pd.DataFrame(X, columns=["a", "b"]).assign(y=X.sum(1), sample=np.arange(120))
    out = propose(frame, "y", n=6, design_columns=["a", "b"])
    assert list(out.columns) == ["rank", "a", "b", "predicted_y", "std_y", "in_table"]
    for column in "ab":  # default: the table's range
        assert out[column].between(frame[column].min(), frame[column].max()).all()
    # BoTorch's 2 x d layout: lower bounds in the first row, upper bounds in the second (a
    # square 2 x 2 box is not read as (low, high) pairs)
    box = propose(frame, "y", n=6, design_columns=["a", "b"], bounds=[[0.0, 0.1], [0.5, 0.9]])
    assert box["a"].between(0.0, 0.5).all() and box["b"].between(0.1, 0.9).all()
    with pytest.raises(ValueError, match="2 x 2 array in BoTorch's layout"):
        propose(frame, "y", n=2, design_columns=["a", "b"], bounds=[(0.0, 1.0)])
    with pytest.raises(ValueError, match="lower bound \\(first row\\) exceeds"):
        propose(frame, "y", n=2, design_columns=["a", "b"], bounds=[[0.0, 0.9], [0.5, 0.1]])


@pytest.mark.parametrize(
    "sequences, alphabet, expected",
    [
        (["ACGT", "TTGA", "CAGT"], None, "ACGT"),
        (["ACGU", "UUGA", "CAGU"], None, "ACGU"),
        (["MKLV", "WYAC", "DEFG"], None, "ACDEFGHIKLMNPQRSTVWY"),
        (["ACGT", "TTGA", "CAGN"], "ACGTN", "ACGTN"),
        (["ACGT", "TTGA", "CAGT"], "rna", None),  # T is not RNA
        (["ACG", "CGA", "GAC"], None, None),  # DNA, RNA and protein all fit
    ],
)
def test_alphabets(sequences, alphabet, expected):
    frame = pd.DataFrame({"s": sequences, "y": [1.0, 2.0, 3.0]})
    if expected is None:
        with pytest.raises(ValueError, match="--alphabet"):
            design_codec(frame, "y", alphabet=alphabet)
    else:
        assert design_codec(frame, "y", alphabet=alphabet).alphabet == expected


@pytest.mark.parametrize(
    "bad, message",
    [
        ("ACGN", "letter 'N' at data row 3, column 's', position 4"),
        ("acgt", "letter 'a' at data row 3, column 's'"),
    ],
)
def test_letters_outside_the_alphabet_name_row_and_column(bad, message):
    frame = pd.DataFrame({"s": ["ACGT", "TTGA", bad, "GGCA"], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match=message):
        design_codec(frame, "y", alphabet="dna")
    with pytest.raises(ValueError, match="data row 3"):
        design_codec(frame, "y")


def test_ragged_lengths_name_the_row():
    frame = pd.DataFrame({"s": ["ACGT", "TTGA", "GGCA", "ACG"], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError, match="data row 4 has 3 letters, most rows have 4"):
        design_codec(frame, "y")


def test_too_few_rows_says_how_many_are_needed():
    with pytest.raises(ValueError, match="at least 15 rows are needed"):
        propose(_dna_frame(n=6), "binding", sequence_column="sequence")


def test_n_is_checked_before_anything_is_fitted(monkeypatch):
    import botorch_mentor.proposals as module

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted before checking n")

    monkeypatch.setattr(module, "fit_table_model", no_fit)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            propose(_dna_frame(n=30), "binding", n=bad, sequence_column="sequence")


def test_minimize_is_maximizing_the_negated_score():
    frame = _dna_frame(n=120)
    low = propose(frame, "binding", n=6, sequence_column="sequence", minimize=True)
    negated = frame.assign(negated=-frame["binding"])
    high = propose(negated, "negated", n=6, sequence_column="sequence")
    assert low["sequence"].tolist() == high["sequence"].tolist()
    np.testing.assert_allclose(low["predicted_binding"], -high["predicted_negated"], rtol=1e-12)
    np.testing.assert_allclose(low["std_binding"], high["std_negated"], rtol=1e-12)
    assert low["predicted_binding"].is_monotonic_increasing  # best (lowest) first
    assert low.attrs["best_in_data"] == pytest.approx(frame["binding"].min())
    assert low.attrs["predicted_best_in_data"] == pytest.approx(
        -high.attrs["predicted_best_in_data"])


def test_best_in_data_is_the_best_design_by_the_mean_of_its_measurements():
    """A design measured three times (10, 0, 0: mean 3.33) is not the table's best when
    another design measured once scores 5: replicates count once, with their mean, on both
    sides of the summary."""
    frame = _dna_frame(n=60)
    frame["binding"] = frame["binding"].clip(upper=4.0)
    lucky = pd.DataFrame({"sequence": ["TTTTTT"] * 3, "binding": [10.0, 0.0, 0.0]})
    best = pd.DataFrame({"sequence": ["AAAAAA"], "binding": [5.0]})
    frame = pd.concat([frame[["sequence", "binding"]], lucky, best], ignore_index=True)
    out = propose(frame, "binding", n=4, sequence_column="sequence")
    assert out.attrs["best_in_data"] == 5.0
    model, codec = fit_table_model(frame, "binding", sequence_column="sequence")
    X = codec.encode(pd.DataFrame({"sequence": ["AAAAAA"]}))
    with torch.no_grad():
        expected = float(model.posterior(X.unsqueeze(-2)).mean)
    assert out.attrs["predicted_best_in_data"] == pytest.approx(expected, rel=1e-10)


def test_threads_are_set_for_the_call_and_restored(monkeypatch):
    import botorch_mentor.proposals as module

    seen = []
    real = module.optimize_designs

    def recording(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "optimize_designs", recording)
    before = torch.get_num_threads()
    frame = _dna_frame(n=60)
    propose(frame, "binding", n=2, sequence_column="sequence", threads=2)
    propose(frame, "binding", n=2, sequence_column="sequence")
    assert seen == [2, 1] and torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        propose(frame, "binding", n=2, sequence_column="sequence", threads=0)


def test_the_spread_is_calibrated_by_default():
    """``std_<target>`` is the proxies' spread scaled to their held-out errors, not their raw
    disagreement."""
    frame = _dna_frame()
    out = propose(frame, "binding", n=6, sequence_column="sequence")
    model, codec = fit_table_model(frame, "binding", sequence_column="sequence")
    assert model.config.calibrate_variance
    X = codec.encode(out[["sequence"]]).to(model.train_X)
    with torch.no_grad():
        raw = model.predict_latent(model.to_latent(X)).std(0) * model.y_std
    scale = float(model.spread_scale)
    assert scale != 1.0
    np.testing.assert_allclose(out["std_binding"], scale * raw.numpy(), rtol=1e-8)


def test_proxies_are_float32_on_a_gpu_and_float64_on_the_cpu():
    from botorch_mentor.validation import precision

    assert precision("cuda") == torch.float32 and precision("cuda:1") == torch.float32
    assert precision("cpu") == torch.float64


def test_proposals_lie_exactly_inside_their_bounds():
    """Sparse counts (most rows 0, as element counts of materials) pushed to their lower
    bound: the latent transforms wrote -2.8e-17 for 0; every written value is now inside the
    data's box, and none is -0.0."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 3, size=(400, 10)) * (rng.random((400, 10)) < 0.3)
    columns = [f"e{i}" for i in range(10)]
    frame = pd.DataFrame(x, columns=columns)
    frame["t"] = x[:, :5].sum(1) - x[:, 5:].sum(1) + 0.1 * rng.standard_normal(400)
    values = propose(frame, "t", n=16)[columns].to_numpy()
    assert (values >= x.min(0)).all() and (values <= x.max(0)).all()
    assert not np.signbit(values).any()
    assert (values == 0).any()  # the ascent reached the lower bound


def _old_distinct_order(frame, codec, scores):
    """``_distinct_order`` as it was: Python tuples of each row's design as string keys."""
    keys = pd.Series(codec.keys(frame)).astype(str)
    mean_scores = pd.Series(scores).groupby(keys).transform("mean").to_numpy()
    first = np.flatnonzero(~keys.duplicated().to_numpy())
    return first[np.argsort(-mean_scores[first], kind="stable")], mean_scores


def test_codes_group_designs_as_their_keys_do():
    """Integer codes (one hash-based factorization, no Python tuple per row) identify the
    designs exactly as the row keys do: sequences by their letters, numbers by their exact
    value (-0.0 and 0.0 apart, as their keys' text is), across several frames."""
    from botorch_mentor.proposals import _distinct_order

    frame = _dna_frame(n=300, length=3)  # 64 possible 3-mers: many repeats
    codec = design_codec(frame, "binding", sequence_column="sequence")
    numeric = pd.DataFrame({"a": [0.0, -0.0, 0.0, 1.5, 1.5, 0.1 + 0.2, 0.3],
                            "b": [1.0, 1.0, 1.0, 2.0, 2.5, 7.0, 7.0], "y": range(7)})
    numeric_codec = design_codec(numeric, "y", design_columns=["a", "b"])
    for table, table_codec in ((frame, codec), (numeric, numeric_codec)):
        keys = pd.Series(table_codec.keys(table)).astype(str)
        codes = table_codec.codes(table)[0]
        assert codes.dtype == np.int64
        same_key = keys.to_numpy()[:, None] == keys.to_numpy()[None, :]
        assert (same_key == (codes[:, None] == codes[None, :])).all()
        scores = np.random.default_rng(1).standard_normal(len(table))
        order, means = _distinct_order(table, table_codec, scores)
        old_order, old_means = _old_distinct_order(table, table_codec, scores)
        assert np.array_equal(order, old_order) and np.array_equal(means, old_means)
    first, second = codec.codes(frame.iloc[:10], frame.iloc[5:20])
    assert np.array_equal(first[5:], second[:5])
    assert np.isin(second, first).tolist() == [s in set(frame["sequence"][:10])
                                               for s in frame["sequence"][5:20]]


def test_tokens_and_encoding_without_a_loop_over_letters(monkeypatch):
    import botorch_mentor.tables as tables

    frame = _dna_frame(n=500, length=7)
    codec = design_codec(frame, "binding", sequence_column="sequence")
    expected = torch.tensor([["ACGT".index(c) for c in s] for s in frame["sequence"]])
    array = codec.token_array(frame["sequence"])
    assert array.dtype == np.uint8 and np.array_equal(array, expected.numpy())
    assert torch.equal(codec.tokens(frame["sequence"].tolist()), expected)
    monkeypatch.setattr(tables, "ROW_BLOCK", 64)  # blocks of 64 rows, the last one short
    assert torch.equal(codec.encode(frame), sequences_to_logits(expected, 4))
    assert torch.equal(codec.tokens(frame["sequence"]), expected)
    with pytest.raises(KeyError, match="N"):
        codec.tokens(["ACGTACG", "ACGNACG"])
    with pytest.raises(ValueError, match="same length"):
        codec.tokens(["ACGTACG", "ACG"])
    protein = design_codec(pd.DataFrame({"s": ["MKLVW", "WYACD", "DEFGH"], "y": [1, 2, 3]}),
                           "y")
    assert protein.tokens(["MKLVW"]).tolist() == [["ACDEFGHIKLMNPQRSTVWY".index(c)
                                                    for c in "MKLVW"]]


def test_first_bad_letter_is_found_in_a_later_block(monkeypatch):
    import botorch_mentor.tables as tables

    monkeypatch.setattr(tables, "ROW_BLOCK", 16)
    sequences = ["ACGT"] * 40 + ["ACXT", "XCGT"]
    frame = pd.DataFrame({"s": sequences, "y": np.arange(42.0)})
    with pytest.raises(ValueError, match="letter 'X' at data row 41, column 's', position 3"):
        design_codec(frame, "y", alphabet="dna")


def test_propose_holds_one_copy_of_the_table_inputs(monkeypatch):
    """The table is encoded once: the model's copy is what the summaries read (no second
    ``codec.encode`` of the whole table), and the caller's ``X`` is let go before fitting."""
    import botorch_mentor.tables as tables

    frame = _dna_frame(n=120)
    encoded = []
    real = tables.DesignCodec.encode

    def counting(self, rows):
        encoded.append(len(rows))
        return real(self, rows)

    monkeypatch.setattr(tables.DesignCodec, "encode", counting)
    propose(frame, "binding", n=6, sequence_column="sequence")
    assert encoded.count(len(frame)) == 1
    rng = np.random.default_rng(0)
    X = rng.uniform(0.2, 0.8, size=(120, 2))
    numeric = pd.DataFrame(X, columns=["a", "b"]).assign(y=X.sum(1))
    encoded.clear()
    propose(numeric, "y", n=6, design_columns=["a", "b"])
    assert encoded.count(len(numeric)) == 1


def test_default_proposals_come_from_ascent_without_mentoring_and_say_so(monkeypatch):
    """The design presets ascend without mentoring (the panel's choice): ``propose`` calls
    ``optimize_designs`` with a config whose ``mentoring`` is False, reports that in
    ``attrs``, and ``changes={"mentoring": True}`` mentors with the raw step."""
    import botorch_mentor.proposals as proposals

    seen = []
    real = proposals.optimize_designs

    def spy(model, start, **kwargs):
        result = real(model, start, **kwargs)
        seen.append((model.config.mentoring, model.config.strength, result.disagreement.numel()))
        return result

    monkeypatch.setattr(proposals, "optimize_designs", spy)
    frame = _dna_frame(n=120)
    plain = propose(frame, "binding", n=6, sequence_column="sequence", seed=1)
    assert seen[-1] == (False, "raw", 0)  # no mentoring step ran
    assert plain.attrs["config"]["mentoring"] is False
    assert "without mentoring" in plain.attrs["method"]
    mentored = propose(frame, "binding", n=6, sequence_column="sequence", seed=1,
                       changes={"mentoring": True})
    mentoring, strength, steps = seen[-1]
    assert mentoring and strength == "raw" and steps > 0
    assert mentored.attrs["method"].startswith("parallel-mentoring of 3 MSE-trained proxies")
    assert "raw step" in mentored.attrs["method"]


def test_describe_method_names_every_configuration():
    from botorch_mentor import MentoringConfig
    from botorch_mentor.proposals import describe_method

    fast = MentoringConfig.fast()
    assert describe_method(fast.replace(mentoring=False)) == (
        "gradient ascent on the mean of 3 MSE-trained proxies, without mentoring (grad-mean; "
        "mentoring=True mentors)")
    assert describe_method(fast) == (
        "parallel-mentoring of 3 MSE-trained proxies (per-candidate, the paper's raw step)")
    assert describe_method(fast.replace(strength="scale_free", mode="shared", n_proxies=5,
                                        pretrain_loss="listnet")) == (
        "parallel-mentoring of 5 ListNet-trained proxies (shared, the scale-free step)")

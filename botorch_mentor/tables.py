r"""A user's table of designs and scores: reading it, choosing its design columns, encoding.

A table holds one design per row, a score column and, often, other columns (IDs, notes) that
are ignored. Designs are either

- one column of equal-length sequences over an alphabet (``dna`` = ACGT, ``rna`` = ACGU,
  ``protein`` = the 20 amino acids ACDEFGHIKLMNPQRSTVWY, or the letters themselves, whose
  order is the token order), encoded as design-bench's logits; or
- numeric columns (continuous designs).

Every problem is reported with its row ("data row k": the k-th row after the header) and
column, and the message names the option that fixes it.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from botorch_mentor.encoding import logits_to_sequences, sequences_to_logits

ROW_BLOCK = 1 << 14
"""Rows of a table converted at once (letters to tokens, tokens to logits): the conversion's
working memory stays bounded whatever the table's size."""

ALPHABETS = {
    "dna": "ACGT",
    "rna": "ACGU",
    "protein": "ACDEFGHIKLMNPQRSTVWY",
}
"""Named alphabets; their letter order is the token order."""


def read_design_table(path: str | os.PathLike) -> pd.DataFrame:
    r"""Read a CSV file of designs, with one-line errors for files that are not such a table.

    Raises:
        FileNotFoundError: no such file.
        ValueError: an empty, binary, header-only or malformed (ragged) file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    head = path.open("rb").read(65536)
    if not head.strip():
        raise ValueError(f"data file {path} is empty; it needs a header line and data rows.")
    if b"\x00" in head:
        offset = head.index(b"\x00")
        raise ValueError(
            f"data file {path} is binary (byte {offset} is NUL), not a CSV text file; export "
            "the table as CSV."
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not merely a character cut at the 64 KB boundary
            raise _not_utf8(path, error) from None
    _check_field_counts(path)  # also decodes the whole file: pandas meets only valid UTF-8
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"data file {path} has no columns; it needs a header line.") from None
    except pd.errors.ParserError as error:
        detail = str(error).strip().splitlines()[-1]
        raise ValueError(
            f"data file {path} is not a well-formed CSV table ({detail}); every line needs "
            "the same number of comma-separated fields as the header."
        ) from None
    if len(frame) == 0:
        raise ValueError(
            f"data file {path} has a header ({', '.join(map(str, frame.columns))}) but no data "
            "rows."
        )
    return frame


def _not_utf8(path: Path, error: UnicodeDecodeError) -> ValueError:
    return ValueError(
        f"data file {path} is not UTF-8 text (undecodable byte at offset {error.start}); save "
        "the table as a UTF-8 CSV."
    )


def _check_field_counts(path: Path) -> None:
    r"""Every row must have as many comma-separated fields as the header (pandas would
    otherwise turn extra fields into an index, silently)."""
    import csv

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            for number, row in enumerate(reader, start=1):
                if row and len(row) != len(header or []):
                    raise ValueError(
                        f"data file {path} is not a well-formed CSV table: data row {number} "
                        f"has {len(row)} comma-separated fields, the header has "
                        f"{len(header or [])}."
                    )
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error) from None
    except csv.Error as error:
        raise ValueError(f"data file {path} is not a well-formed CSV table ({error}).") from None


def _data_row(frame: pd.DataFrame, position: int) -> str:
    r"""How a row is named in messages: its 1-based data row (the header is not counted)."""
    return f"data row {position + 1}"


@dataclass
class DesignCodec:
    r"""How a table's designs become model inputs and back.

    ``alphabet`` is None for continuous designs; then ``columns`` are the numeric design
    columns. For sequences ``columns`` is the one sequence column and ``length`` its length.
    """

    columns: list[str]
    alphabet: str | None = None
    length: int | None = None

    @property
    def discrete(self) -> bool:
        return self.alphabet is not None

    def encode(self, frame: pd.DataFrame) -> torch.Tensor:
        r"""``n`` rows to an ``n x d`` float64 tensor (logits for sequences, converted
        ``ROW_BLOCK`` rows at a time into the one output tensor)."""
        if self.alphabet is None:
            return torch.tensor(frame[self.columns].to_numpy(dtype=float), dtype=torch.float64)
        tokens = self.token_array(frame[self.columns[0]])
        n_classes = len(self.alphabet)
        # Each letter's logits, computed once by ``sequences_to_logits`` itself: a sequence's
        # logits are its letters' rows of this table, the same numbers, looked up.
        letter_logits = sequences_to_logits(torch.arange(n_classes).unsqueeze(-1), n_classes)
        width = tokens.shape[1] * (n_classes - 1)
        X = torch.empty(tokens.shape[0], width, dtype=torch.float64)
        for start in range(0, tokens.shape[0], ROW_BLOCK):
            block = torch.from_numpy(tokens[start:start + ROW_BLOCK]).long()
            X[start:start + ROW_BLOCK] = letter_logits[block].reshape(-1, width)
        return X

    def tokens(self, sequences) -> torch.Tensor:
        r"""Sequences (a list, array or Series of strings) to an ``n x L`` long tensor of
        tokens (letters checked beforehand)."""
        return torch.from_numpy(self.token_array(sequences)).long()

    def token_array(self, sequences) -> np.ndarray:
        r"""Sequences to an ``n x L`` array of tokens in the smallest unsigned dtype that
        holds the alphabet (``uint8`` for up to 256 letters), converted ``ROW_BLOCK`` rows at
        a time without a Python loop over letters.

        Raises:
            KeyError: a letter outside the alphabet (the codec's checks come first).
            ValueError: sequences of different lengths.
        """
        return sequence_tokens(sequences, self.alphabet or "")

    def decode(self, X: torch.Tensor) -> pd.DataFrame:
        r"""An ``n x d`` tensor (model space) back to a frame of the design columns."""
        if self.alphabet is None:
            return pd.DataFrame(X.detach().cpu().numpy(), columns=self.columns)
        tokens = logits_to_sequences(X.detach().cpu(), self.length, len(self.alphabet))
        letters = np.array(list(self.alphabet))
        return pd.DataFrame({self.columns[0]: ["".join(row) for row in letters[tokens.numpy()]]})

    def keys(self, frame: pd.DataFrame) -> list[tuple]:
        r"""Hashable identity of each row's design (to find repeats and designs in the table).
        For large tables, ``codes`` gives the same identity as integers, vectorized."""
        if self.alphabet is None:
            return [tuple(row) for row in frame[self.columns].to_numpy(dtype=float)]
        return [(s,) for s in frame[self.columns[0]].tolist()]

    def codes(self, *frames: pd.DataFrame) -> list[np.ndarray]:
        r"""One ``int64`` code per row of each frame, from one factorization of all of them:
        two rows hold the same design (the same ``keys``) if and only if they have the same
        code. Sequences are compared as strings, numbers by their exact float64 value (so
        ``-0.0`` and ``0.0`` differ, as their keys do). Hash-based, no Python loop over rows.
        """
        sizes = [len(frame) for frame in frames]
        if self.alphabet is not None:
            values = np.concatenate([
                frame[self.columns[0]].astype(str).to_numpy(dtype=object) for frame in frames])
            codes = pd.factorize(values)[0]
        else:
            codes = np.zeros(sum(sizes), dtype=np.int64)
            for column in self.columns:
                bits = np.concatenate([frame[column].to_numpy(dtype=np.float64)
                                       for frame in frames]).view(np.int64)
                column_codes = pd.factorize(bits)[0]
                # the pair (codes so far, this column) as one integer below sum(sizes)^2
                codes = pd.factorize(codes * (int(column_codes.max(initial=0)) + 1)
                                     + column_codes)[0]
        return np.split(codes.astype(np.int64), np.cumsum(sizes)[:-1])


def sequence_tokens(sequences, alphabet: str) -> np.ndarray:
    r"""``n`` equal-length strings to an ``n x L`` array of their letters' positions in
    ``alphabet`` (``uint8`` up to 256 letters), ``ROW_BLOCK`` rows at a time.

    Raises:
        KeyError: a letter outside the alphabet.
        ValueError: strings of different lengths.
    """
    values = np.asarray(sequences, dtype=object).reshape(-1)
    dtype = np.uint8 if len(alphabet) <= 256 else np.uint32
    length = len(str(values[0])) if values.size else 0
    out = np.empty((values.size, length), dtype=dtype)
    lookup, top = _letter_lookup(alphabet)
    for start in range(0, values.size, ROW_BLOCK):
        block = values[start:start + ROW_BLOCK]
        points = _code_points(block, length)
        tokens = lookup[np.minimum(points, top)]
        bad = np.flatnonzero((tokens < 0).any(axis=1))
        if len(bad):
            row = int(bad[0])
            raise KeyError(chr(int(points[row, np.flatnonzero(tokens[row] < 0)[0]])))
        out[start:start + ROW_BLOCK] = tokens
    return out


def _letter_lookup(alphabet: str) -> tuple[np.ndarray, int]:
    r"""A table from code point to token (-1: not a letter of ``alphabet``), and its last
    index ``top``, a -1 sentinel: larger code points are clipped to it."""
    top = max((ord(c) for c in alphabet), default=0) + 1
    lookup = np.full(top + 1, -1, dtype=np.int64)
    for i, c in enumerate(alphabet):
        lookup[ord(c)] = i
    return lookup, top


def _code_points(block: np.ndarray, length: int) -> np.ndarray:
    r"""An object array of ``m`` strings of ``length`` characters to an ``m x length`` array
    of their Unicode code points, through numpy's fixed-width text; letter by letter in Python
    for the rare strings that text cannot hold as they are (a trailing NUL character, empty
    strings).

    Raises:
        ValueError: strings of different lengths.
    """
    if length == 0:
        return _code_points_by_letter(block, length)
    text = block.astype(str)
    if text.dtype.itemsize // 4 != length or (np.char.str_len(text) != length).any():
        return _code_points_by_letter(block, length)
    return text.view(np.uint32).reshape(len(block), length)


def _code_points_by_letter(block: np.ndarray, length: int) -> np.ndarray:
    r"""``_code_points`` in Python, one letter at a time (for the strings it cannot take)."""
    rows = [str(s) for s in block]
    if any(len(s) != length for s in rows):
        odd = next(s for s in rows if len(s) != length)
        raise ValueError(
            f"sequences must all have the same length: one has {len(odd)} letters, the first "
            f"has {length}."
        )
    return np.array([[ord(c) for c in s] for s in rows], dtype=np.int64).reshape(len(rows), length)


def design_codec(
    frame: pd.DataFrame,
    target: str,
    sequence_column: str | None = None,
    design_columns: list[str] | None = None,
    alphabet: str | None = None,
) -> DesignCodec:
    r"""Choose and check the design columns of ``frame``.

    With ``sequence_column`` or ``design_columns`` the choice is explicit and every other
    column except ``target`` is ignored. Without them: one text column is the sequence column;
    a table of numeric columns only uses all of them; anything else is ambiguous and raises,
    naming the options. The alphabet is ``alphabet`` (a name of ``ALPHABETS`` or the letters),
    or inferred when exactly one named alphabet fits.
    """
    if sequence_column is not None and design_columns is not None:
        raise ValueError("give either a sequence column or design columns, not both.")
    for column in ([sequence_column] if sequence_column else []) + list(design_columns or []):
        if column not in frame.columns:
            raise ValueError(
                f"design column {column!r} is not in the table; columns are "
                f"{list(map(str, frame.columns))}."
            )
        if column == target:
            raise ValueError(f"column {column!r} is the target; it cannot also be a design.")
    if sequence_column is None and design_columns is None:
        others = [c for c in frame.columns if c != target]
        if not others:
            raise ValueError("the table has no design columns besides the target.")
        text = [c for c in others if not pd.api.types.is_numeric_dtype(frame[c])]
        if not text:
            design_columns = others
        elif len(others) == 1:
            sequence_column = text[0]
        else:
            raise ValueError(
                f"cannot tell which columns hold the designs among {others}: name the sequence "
                "column with --sequence-column (sequence_column=) or the numeric design columns "
                "with --design-columns (design_columns=); other columns are then ignored."
            )
    if design_columns is not None:
        return _numeric_codec(frame, list(design_columns))
    assert sequence_column is not None
    return _sequence_codec(frame, sequence_column, alphabet)


def _numeric_codec(frame: pd.DataFrame, columns: list[str]) -> DesignCodec:
    if not columns:
        raise ValueError("design_columns must name at least one column.")
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))
        if len(bad):
            raise ValueError(
                f"design column {column!r} has a missing, non-numeric or non-finite value "
                f"{frame[column].iloc[bad[0]]!r} at {_data_row(frame, bad[0])}; drop or impute "
                "it."
            )
    return DesignCodec(columns=list(columns))


def _sequence_codec(frame: pd.DataFrame, column: str, alphabet: str | None) -> DesignCodec:
    raw = frame[column]
    missing = np.flatnonzero(raw.isna().to_numpy())
    if len(missing):
        raise ValueError(
            f"sequence column {column!r} is empty at {_data_row(frame, missing[0])}; drop "
            "that row."
        )
    sequences = raw.astype(str).tolist()
    lengths = Counter(len(s) for s in sequences)
    length = lengths.most_common(1)[0][0]
    if len(lengths) > 1:
        row = next(i for i, s in enumerate(sequences) if len(s) != length)
        raise ValueError(
            f"sequences in column {column!r} must all have the same length: "
            f"{_data_row(frame, row)} has {len(sequences[row])} letters, most rows have "
            f"{length}."
        )
    letters = _resolve_alphabet(alphabet, sequences, column, frame)
    bad = _first_letter_outside(sequences, letters, length)
    if bad is not None:
        row, position = bad
        letter = sequences[row][position]
        raise ValueError(
            f"letter {letter!r} at {_data_row(frame, row)}, column {column!r}, position "
            f"{position + 1} is not in the alphabet {letters}; fix the row or pass the "
            "alphabet that contains it with --alphabet (alphabet=)."
        )
    return DesignCodec(columns=[column], alphabet=letters, length=length)


def _first_letter_outside(sequences: list[str], letters: str, length: int
                          ) -> tuple[int, int] | None:
    r"""``(row, position)`` of the first letter (in row order, then position) of the
    ``length``-letter ``sequences`` that is not in ``letters``, or None; ``ROW_BLOCK`` rows at
    a time, without a Python loop over letters."""
    lookup, top = _letter_lookup(letters)
    values = np.asarray(sequences, dtype=object).reshape(-1)
    for start in range(0, values.size, ROW_BLOCK):
        block = values[start:start + ROW_BLOCK]
        points = _code_points(block, length)
        outside = lookup[np.minimum(points, top)] < 0
        rows = np.flatnonzero(outside.any(axis=1))
        if len(rows):
            row = int(rows[0])
            return start + row, int(np.flatnonzero(outside[row])[0])
    return None


NUCLEOTIDE_SHARE = 0.9
"""A column whose letters are at least this share A, C, G, T or U is read as nucleotides: a
few other letters in it are errors to report, not a reason to infer a protein alphabet."""


def _refuse_nucleotides_with_odd_letters(
    sequences: list[str], column: str, frame: pd.DataFrame
) -> None:
    text = "".join(sequences)
    share = sum(text.count(c) for c in "ACGTU") / max(len(text), 1)
    if share < NUCLEOTIDE_SHARE:
        return
    for row, sequence in enumerate(sequences):
        for position, letter in enumerate(sequence):
            if letter not in "ACGTU":
                raise ValueError(
                    f"column {column!r} looks like nucleotides ({share:.0%} A/C/G/T/U) but "
                    f"letter {letter!r} at {_data_row(frame, row)}, position {position + 1} is "
                    "not one; fix the row, or pass --alphabet (alphabet=) protein or the "
                    "letters themselves if it is meant."
                )


def _resolve_alphabet(
    alphabet: str | None, sequences: list[str], column: str, frame: pd.DataFrame
) -> str:
    if alphabet is not None:
        if not isinstance(alphabet, str) or not alphabet:
            raise ValueError(f"alphabet must be a name or a string of letters, got {alphabet!r}.")
        letters = ALPHABETS.get(alphabet.lower(), alphabet)
        if len(set(letters)) != len(letters) or len(letters) < 2:
            raise ValueError(
                f"alphabet {alphabet!r} must be one of {', '.join(ALPHABETS)} or at least two "
                "distinct letters (their order is the token order)."
            )
        return letters
    used = set("".join(sequences))
    fitting = [name for name, letters in ALPHABETS.items() if used <= set(letters)]
    exact = [name for name in fitting if used == set(ALPHABETS[name])]
    if len(fitting) == 1 or len(exact) == 1:
        name = (exact or fitting)[0]
        if name == "protein":
            _refuse_nucleotides_with_odd_letters(sequences, column, frame)
        return ALPHABETS[name]
    if not fitting:
        for row, sequence in enumerate(sequences):
            odd = [c for c in sequence if not any(c in a for a in ALPHABETS.values())]
            if odd:
                raise ValueError(
                    f"letter {odd[0]!r} at {_data_row(frame, row)}, column {column!r} belongs to "
                    f"no known alphabet ({', '.join(ALPHABETS)}); fix the row or pass the letters "
                    "with --alphabet (alphabet=), e.g. --alphabet ACGTN."
                )
        raise ValueError(
            f"the letters of column {column!r} ({''.join(sorted(used))}) mix alphabets; pass "
            "--alphabet (alphabet=) with dna, rna, protein or the letters themselves."
        )
    raise ValueError(
        f"the letters of column {column!r} ({''.join(sorted(used))}) fit several alphabets "
        f"({', '.join(fitting)}); pass --alphabet (alphabet=) to say which."
    )

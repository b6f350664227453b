r"""design-bench, without importing it: its data folder, or a live task object.

``from_design_bench_folder`` reads design-bench's data layout: every shard pair
``<root>/<subfolder>/<prefix>-x-<i>.npy`` (``N_i x L`` integer tokens) and
``<prefix>-y-<i>.npy`` (``N_i x 1`` scores), ``i = 0, 1, ...``, in shard order. TFBind8 is
``tf_bind_8-SIX6_REF_R1/tf_bind_8-{x,y}-0.npy`` (one shard, 65,792 rows); TFBind10 is
``tf_bind_10-pho4/tf_bind_10-{x,y}-{0..83}.npy`` (84 shards, 8,321,066 rows, every 10-mer
listed about 8 times with different scores). The task has design-bench's semantics:

- **Oracle**: exact, over every design the shards list; a design listed several times scores
  its *last* listed score (design-bench's exact oracle is a map filled in row order). It is a
  dense table (``DenseLookupOracle``): a design's tokens, read as a base-V number, index a
  table of ``V^L`` scores, so 8.3 million rows load without a Python dict.
- **Normalization**: by the min and max score of every row (TFBind10: -1.8585 / 2.1287).
- **Visible rows**: the rows at or below the 50th percentile of every row's score, in row
  order, each with its own listed score (a design listed twice can be visible twice).
  TFBind10: 4,161,482 rows, best 0.0053 (0.467 normalized).
- **max_samples**: optionally a fixed sample of the visible rows (``sample_rows``, seeded, the
  same on every machine); the task's name and source say so (``tfbind10-30k``).

A folder of more than ``CACHE_MIN_BYTES`` is read once and cached (``botorch_mentor.tasks.cache``):
the score table and the visible rows (as uint32 design indices with their scores), keyed by the
shards' names, sizes and modification times and ``PROCEDURE_VERSION``, checksummed. The folder
comes from the ``path`` argument or the ``DESIGN_BENCH_DATA`` environment variable. Files are
loaded with ``allow_pickle=False``: a file that would need unpickling is refused.

``from_design_bench_task`` wraps a live ``design_bench.make(...)`` object for users who have
design-bench working.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from botorch_mentor.tasks.base import OfflineTask
from botorch_mentor.tasks.cache import cache_directory, load_arrays, save_arrays, settings_key

ENV_VAR = "DESIGN_BENCH_DATA"
LAYOUTS = {
    "tfbind8": ("tf_bind_8-SIX6_REF_R1", "tf_bind_8", 4),
    "tfbind10": ("tf_bind_10-pho4", "tf_bind_10", 4),
}
"""Task name to (default subfolder, file prefix, alphabet size V)."""
HOW_TO_GET = (
    "design-bench's download server is gone; public copies of its data folders: the GitHub "
    "repository zhuyiyi-123/SOO-Bench holds TFBind10 (soo_bench/design_bench_data/"
    "tf_bind_10-pho4/, 168 files, 350 MB) and kaist-silab/bootgen holds TFBind8 and UTR "
    "(design_bench_data/tf_bind_8-SIX6_REF_R1/, design_bench_data/utr/). Copy such a folder "
    "into a data root (keeping its name) and point the library at the root: set the "
    "environment variable DESIGN_BENCH_DATA=/path/to/design_bench_data (command line and "
    "Python), or pass path=... to from_design_bench_folder (Python)."
)
PROCEDURE_VERSION = 1
"""Version of how a folder becomes a task's arrays; part of every cache key."""
CACHE_MIN_BYTES = 16 * 2**20
"""With ``cache=None``, folders whose shards hold more bytes than this are cached; smaller ones
(TFBind8's 2.4 MB) are read in milliseconds and never written to the cache."""
MAX_TABLE = 2**24
"""Largest design space ``V^L`` of a dense oracle table (TFBind10: 4^10 = 1,048,576)."""
VISIBLE_QUANTILE = 0.5
"""design-bench's visible split: the rows at or below this quantile of every row's score."""
_ARRAYS = ("scores", "visible_keys", "visible_y", "summary")


def load_npy(path: Path):
    r"""``np.load`` that never unpickles: object arrays are refused with a clear message."""
    if not path.is_file():
        raise FileNotFoundError(f"design-bench data file not found: {path}. {HOW_TO_GET}")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        raise ValueError(
            f"{path} holds pickled Python objects, which are never loaded (they can run code); "
            "save the array with a numeric dtype instead."
        ) from error


class DenseLookupOracle:
    r"""Exact oracle over a dense table: the tokens of a design of length L over V classes,
    read as a base-V number (first token most significant), index ``table``, the ``V^L``
    scores (NaN: a design the data never listed, which cannot be scored)."""

    def __init__(self, table: np.ndarray | Tensor, num_classes: int, length: int) -> None:
        table = torch.as_tensor(np.asarray(table)).to(torch.float64).reshape(-1)
        if table.numel() != num_classes**length:
            raise ValueError(
                f"the table must hold V^L = {num_classes}^{length} scores, got {table.numel()}."
            )
        self.num_classes, self.length = num_classes, length
        self.table = table
        """``V^L`` float64 scores, NaN where unknown."""
        self._powers = num_classes ** torch.arange(length - 1, -1, -1, dtype=torch.long)

    def __call__(self, designs: Tensor) -> Tensor:
        r"""``n x L`` integer tokens to their ``n`` float64 scores (on the CPU)."""
        if designs.dim() != 2 or designs.shape[-1] != self.length or designs.is_floating_point():
            raise ValueError(
                f"designs must be an n x {self.length} integer tensor, got "
                f"{designs.dtype} {tuple(designs.shape)}."
            )
        tokens = designs.long().cpu()
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.num_classes):
            raise ValueError(
                f"design tokens must lie in 0..{self.num_classes - 1}, got "
                f"{int(tokens.min())}..{int(tokens.max())}."
            )
        scores = self.table[(tokens * self._powers).sum(-1)]
        unknown = torch.isnan(scores)
        if bool(unknown.any()):
            raise ValueError(
                f"{int(unknown.sum())} design(s) are not in the look-up table; cannot score them."
            )
        return scores

    def known(self) -> int:
        r"""How many of the ``V^L`` designs have a score."""
        return int((~torch.isnan(self.table)).sum())


def sample_rows(count: int, max_samples: int, seed: int = 0) -> np.ndarray:
    r"""A fixed sample of ``max_samples`` of ``count`` rows: sorted row indices (int64).

    The rows kept are those whose hash ``splitmix64((seed << 32) + row)`` is smallest
    (splitmix64: Steele, Lea and Flood, OOPSLA 2014; a bijection of 64-bit integers, so no
    ties), computed with 64-bit integer arithmetic only: the same sample on every machine and
    numpy version, and a smaller sample with the same seed is part of every larger one.
    ``max_samples >= count`` keeps every row.
    """
    if not 0 <= seed < 2**31:
        raise ValueError(f"seed must lie in 0..2^31 - 1, got {seed!r}.")
    if max_samples < 1:
        raise ValueError(f"max_samples must be a positive number of rows, got {max_samples!r}.")
    if max_samples >= count:
        return np.arange(count, dtype=np.int64)
    with np.errstate(over="ignore"):
        z = (np.uint64(seed) << np.uint64(32)) + np.arange(count, dtype=np.uint64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return np.sort(np.argpartition(z, max_samples - 1)[:max_samples]).astype(np.int64)


def shard_files(task: str, path: str | os.PathLike | None = None,
                subfolder: str | None = None) -> list[tuple[Path, Path]]:
    r"""The ``(x, y)`` shard files of a design-bench folder, in shard order.

    Raises:
        FileNotFoundError: no data root, no such folder or no shard in it (the message says
            where to get the data), or a shard missing among them (the message names it).
    """
    if task not in LAYOUTS:
        raise ValueError(f"design-bench folder tasks are {sorted(LAYOUTS)}, got {task!r}.")
    root = path if path is not None else os.environ.get(ENV_VAR)
    if root is None:
        raise FileNotFoundError(f"no design-bench data folder given for {task}. {HOW_TO_GET}")
    default_sub, prefix, _ = LAYOUTS[task]
    folder = Path(root) / (subfolder or default_sub)
    pattern = re.compile(rf"{re.escape(prefix)}-([xy])-(0|[1-9][0-9]*)\.npy")
    found: dict[str, set[int]] = {"x": set(), "y": set()}
    if folder.is_dir():
        for entry in folder.iterdir():
            match = pattern.fullmatch(entry.name)
            if match:
                found[match[1]].add(int(match[2]))
    if not found["x"] and not found["y"]:
        raise FileNotFoundError(
            f"no design-bench {task} data at {folder}: expected its shards {prefix}-x-0.npy, "
            f"{prefix}-y-0.npy, {prefix}-x-1.npy, ... there. {HOW_TO_GET}"
        )
    count = max(found["x"] | found["y"]) + 1
    missing = [f"{prefix}-{kind}-{i}.npy" for i in range(count) for kind in "xy"
               if i not in found[kind]]
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6
                                          else "")
        raise FileNotFoundError(
            f"{folder} lacks {shown}: its shards run from 0 to {count - 1}, each an x and a y "
            "file, and all are read. Copy the missing files from where the folder came from."
        )
    return [(folder / f"{prefix}-x-{i}.npy", folder / f"{prefix}-y-{i}.npy")
            for i in range(count)]


def _read_shard(x_path: Path, y_path: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    r"""One shard, checked: ``N_i x L`` integer tokens and ``N_i`` scores."""
    x, y = load_npy(x_path), load_npy(y_path)
    if x.ndim != 2 or x.dtype.kind not in "iu":
        raise ValueError(f"{x_path} must hold an N x L integer array, got {x.dtype} {x.shape}.")
    if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[1] != 1) or y.dtype.kind not in "iuf":
        raise ValueError(f"{y_path} must hold N x 1 numeric scores, got {y.dtype} {y.shape}.")
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"shard length mismatch: {x_path.name} has {x.shape[0]} rows but {y_path.name} has "
            f"{y.shape[0]}; an x shard and its y shard must list the same rows."
        )
    if x.size and (int(x.min()) < 0 or int(x.max()) >= num_classes):
        raise ValueError(
            f"{x_path} holds tokens {int(x.min())}..{int(x.max())}; they must lie in "
            f"0..{num_classes - 1}."
        )
    y = y.reshape(-1)
    if not np.isfinite(y).all():
        raise ValueError(f"{y_path} holds NaN or infinite scores.")
    return x, y


def read_design_bench_table(task: str, path: str | os.PathLike | None = None,
                            subfolder: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Every row of a design-bench folder, as stored, in shard order: ``N x L`` tokens and
    ``N x 1`` scores (concatenated; TFBind8 gives design-bench's ``tf_bind_8-x-0.npy`` and
    ``tf_bind_8-y-0.npy`` arrays themselves). TFBind10 takes 370 MB this way; the task
    (``from_design_bench_folder``) never holds them."""
    files = shard_files(task, path, subfolder)
    xs, ys = [], []
    for x_path, y_path in files:
        x, y = _read_shard(x_path, y_path, LAYOUTS[task][2])
        _check_length(x, x_path, xs[0].shape[1] if xs else x.shape[1], files[0][0])
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys).reshape(-1, 1)


def _check_length(x: np.ndarray, x_path: Path, length: int, first: Path) -> None:
    r"""Refuse a shard whose sequences are not as long as the first shard's."""
    if x.shape[1] != length:
        raise ValueError(
            f"{x_path.name} holds sequences of length {x.shape[1]} but {first.name} of length "
            f"{length}; every shard must have the same length."
        )


def _build_arrays(files: list[tuple[Path, Path]], num_classes: int) -> dict[str, np.ndarray]:
    r"""Read every shard and return the task's arrays: ``scores`` (the ``V^L`` table, last
    listed score, NaN where unlisted), ``visible_keys`` (uint32) and ``visible_y`` (the visible
    rows as design indices and their own scores, in row order), and ``summary`` (float64: rows,
    L, y_min, y_max, visible threshold, shards)."""
    keys, scores, length = [], [], None
    for x_path, y_path in files:
        x, y = _read_shard(x_path, y_path, num_classes)
        if length is None:
            length = x.shape[1]
            if num_classes**length > MAX_TABLE:
                raise ValueError(
                    f"{x_path.name}: V^L = {num_classes}^{length} designs exceed the dense "
                    f"table's {MAX_TABLE}; use OfflineTask.from_lookup_table for such tables."
                )
            powers = num_classes ** np.arange(length - 1, -1, -1, dtype=np.int64)
        _check_length(x, x_path, length, files[0][0])
        keys.append((x.astype(np.int64) @ powers).astype(np.uint32))
        scores.append(y)
    keys_all, y_all = np.concatenate(keys), np.concatenate(scores)
    if y_all.dtype.kind != "f":
        y_all = y_all.astype(np.float64)
    if keys_all.size == 0:
        raise ValueError(f"the shards of {files[0][0].parent} hold no rows.")
    last = np.full(num_classes**length, -1, dtype=np.int64)
    np.maximum.at(last, keys_all, np.arange(keys_all.size, dtype=np.int64))
    table = np.full(num_classes**length, np.nan, dtype=y_all.dtype)
    listed = last >= 0
    table[listed] = y_all[last[listed]]
    threshold = float(np.percentile(y_all.astype(np.float64), 100.0 * VISIBLE_QUANTILE))
    visible = y_all <= threshold
    summary = [keys_all.size, length, float(y_all.min()), float(y_all.max()), threshold,
               len(files)]
    return {"scores": table, "visible_keys": keys_all[visible], "visible_y": y_all[visible],
            "summary": np.asarray(summary, dtype=np.float64)}


def _cache_path(files: list[tuple[Path, Path]], num_classes: int) -> tuple[Path, str]:
    r"""The cache file and key of a folder: its shards' names, sizes and modification times,
    the alphabet, the visible split and ``PROCEDURE_VERSION``."""
    stats = []
    for pair in files:
        for file in pair:
            stat = file.stat()
            stats.append([file.name, stat.st_size, stat.st_mtime_ns])
    key = settings_key({"procedure": "design-bench folder", "version": PROCEDURE_VERSION,
                        "num_classes": num_classes, "visible_quantile": VISIBLE_QUANTILE,
                        "folder": files[0][0].parent.name, "shards": stats})
    return cache_directory() / f"design-bench-{files[0][0].parent.name}-{key}.npz", key


def _digits(width: int, num_classes: int) -> np.ndarray:
    r"""``V^width x width`` uint8: row ``k`` holds the base-V digits of ``k``."""
    codes = np.arange(num_classes**width, dtype=np.int64)
    powers = num_classes ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((codes[:, None] // powers) % num_classes).astype(np.uint8)


def _decode(keys: np.ndarray, length: int, num_classes: int) -> Tensor:
    r"""``n`` design indices to ``n x L`` long tokens (first token most significant): the
    high and low halves of each index look up their digits in small tables."""
    low = length // 2
    base = num_classes**low
    high_digits, low_digits = _digits(length - low, num_classes), _digits(low, num_classes)
    keys = keys.astype(np.int64)
    tokens = np.concatenate([high_digits[keys // base], low_digits[keys % base]], axis=1)
    return torch.from_numpy(tokens).long()


def _label(count: int) -> str:
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


def from_design_bench_folder(
    task: str,
    path: str | os.PathLike | None = None,
    subfolder: str | None = None,
    *,
    max_samples: int | None = None,
    seed: int = 0,
    cache: bool | None = None,
    name: str | None = None,
) -> OfflineTask:
    r"""An exact-oracle task (``tfbind8`` or ``tfbind10``) from design-bench's data folder,
    with design-bench's semantics (module docstring): every shard, last listed score wins,
    visible rows at or below the median, normalization over every row.

    Args:
        task: ``tfbind8`` or ``tfbind10``.
        path: The data root; default ``$DESIGN_BENCH_DATA``.
        subfolder: Another transcription factor's folder (e.g. ``tf_bind_8-PBX4_REF_R2``).
        max_samples: Keep a fixed sample of this many visible rows (``sample_rows`` with
            ``seed``); default None: every visible row (design-bench's dataset; TFBind10:
            4,161,482 rows). The registered ``tfbind10-30k`` keeps 30,000.
        seed: The sample's seed (0..2^31 - 1).
        cache: Read and write the cache; default None: only for folders over
            ``CACHE_MIN_BYTES`` (TFBind10, not TFBind8).
        name: The task's name; default ``task`` (``tfbind10``), with the subfolder when not the
            default one, ``-<max_samples>`` (``tfbind10-30k``) and ``-seed<seed>`` when not 0.

    Returns:
        The task: ``x`` the ``n x L`` long visible designs, ``y`` their ``n x 1`` float64
        scores, ``oracle`` a ``DenseLookupOracle``; ``source`` names the folder, its rows and
        the sample.
    """
    if task not in LAYOUTS:
        raise ValueError(f"design-bench folder tasks are {sorted(LAYOUTS)}, got {task!r}.")
    if max_samples is not None and (isinstance(max_samples, bool) or max_samples < 1
                                    or not isinstance(max_samples, (int, np.integer))):
        raise ValueError(f"max_samples must be a positive number of rows or None, got "
                         f"{max_samples!r}.")
    if not 0 <= seed < 2**31:
        raise ValueError(f"seed must lie in 0..2^31 - 1, got {seed!r}.")
    num_classes = LAYOUTS[task][2]
    files = shard_files(task, path, subfolder)
    if cache is None:
        cache = sum(file.stat().st_size for pair in files for file in pair) > CACHE_MIN_BYTES
    data = None
    if cache:
        cache_file, key = _cache_path(files, num_classes)
        data = load_arrays(cache_file, key, _ARRAYS)
    if data is None:
        data = _build_arrays(files, num_classes)
        if cache:
            save_arrays(cache_file, key, data, _ARRAYS)
    rows, length, y_min, y_max, _, shards = data["summary"].tolist()
    length = int(length)
    keys, visible_y = data["visible_keys"], data["visible_y"]
    visible_rows = keys.size
    if max_samples is not None:
        kept = sample_rows(visible_rows, max_samples, seed)
        keys, visible_y = keys[kept], visible_y[kept]
    oracle = DenseLookupOracle(data["scores"], num_classes, length)
    folder = files[0][0].parent
    if name is None:
        name = task if subfolder in (None, LAYOUTS[task][0]) else f"{task}-{subfolder}"
        name += f"-{_label(max_samples)}" if max_samples is not None else ""
        name += f"-seed{seed}" if max_samples is not None and seed else ""
    source = (
        f"design-bench folder {folder}: {int(shards)} shard(s), {int(rows):,} rows, "
        f"{oracle.known():,} of {num_classes**length:,} designs scored (last listed score); "
        f"visible: {visible_rows:,} rows at or below the median"
    )
    if max_samples is not None:
        source += f"; a fixed sample of {keys.size:,} (max_samples={max_samples}, seed={seed})"
    return OfflineTask(
        name=name,
        x=_decode(keys, length, num_classes),
        y=torch.from_numpy(visible_y.astype(np.float64)).reshape(-1, 1),
        oracle=oracle,
        y_min=y_min,
        y_max=y_max,
        num_classes=num_classes,
        source=source,
    )


def from_design_bench_task(db_task, y_min: float, y_max: float, name: str = "") -> OfflineTask:
    r"""Wrap a live ``design_bench.make(...)`` task: its visible ``x``/``y``, its oracle
    (``db_task.predict``), its discreteness (``is_discrete``, ``num_classes``).

    ``y_min``/``y_max`` are the full-dataset bounds of the normalized score (design-bench's
    paper, Trabucco et al., ICML 2022, lists those of the standard tasks), since a live task
    only exposes its visible data.
    """
    for attribute in ("x", "y", "predict", "is_discrete"):
        if not hasattr(db_task, attribute):
            raise TypeError(
                f"db_task has no attribute {attribute!r}; pass the object returned by "
                "design_bench.make(...)."
            )
    discrete = bool(db_task.is_discrete)
    x = torch.as_tensor(np.asarray(db_task.x))
    y = torch.as_tensor(np.asarray(db_task.y), dtype=torch.float64).reshape(-1, 1)

    def oracle(designs: torch.Tensor) -> torch.Tensor:
        values = np.asarray(db_task.predict(designs.cpu().numpy()))
        return torch.as_tensor(values, dtype=torch.float64).reshape(-1)

    bounds = None
    if not discrete:
        x = x.to(torch.float64)
    return OfflineTask(
        name=name or getattr(db_task, "dataset_name", "design-bench"),
        x=x.long() if discrete else x,
        y=y,
        oracle=oracle,
        y_min=float(y_min),
        y_max=float(y_max),
        num_classes=int(db_task.num_classes) if discrete else None,
        bounds=bounds,
        source="design_bench.make(...)",
    )

r"""The on-disk cache of task data that takes minutes to build (MuJoCo searches, TFBind10's
84 shards): one ``.npz`` file per setting, keyed and checksummed.

Where: ``$BOTORCH_MENTOR_CACHE``, else ``$XDG_CACHE_HOME/botorch_mentor``, else
``~/.cache/botorch_mentor``. A file holds its arrays, the key of the settings that built them
(``settings_key``: a hash of every setting and version) and a sha256 digest of the arrays; a
file that is missing, truncated, altered or another key's reads as absent and is rebuilt.
Writes are atomic (a temporary file in the same folder, then a rename), and a write that
fails (a full disk, a read-only home) warns and leaves the caller's data in memory: minutes
of generation are never lost to the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

CACHE_VARIABLE = "BOTORCH_MENTOR_CACHE"
"""Environment variable naming the cache directory."""


def cache_directory() -> Path:
    r"""Where task data is cached (see the module docstring)."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "botorch_mentor"


def settings_key(settings: dict) -> str:
    r"""A 20-hex-digit key of ``settings`` (JSON-serializable; key order does not matter)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:20]


def digest(data: dict[str, np.ndarray], names: Iterable[str]) -> str:
    r"""sha256 over the names, dtypes, shapes and bytes of ``data[name]`` for ``names``."""
    hasher = hashlib.sha256()
    for name in names:
        array = np.ascontiguousarray(data[name])
        hasher.update(f"{name}{array.dtype}{array.shape}".encode())
        hasher.update(array.tobytes())
    return hasher.hexdigest()


def write_atomic(path: Path, write) -> None:
    r"""Call ``write(binary_stream)`` on a temporary file next to ``path``, flush it to disk,
    then rename it to ``path``: readers see the old file or the whole new one, never a part.
    Raises what the writing raised (the temporary file removed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save_arrays(path: Path, key: str, data: dict[str, np.ndarray], names: Iterable[str],
                compress: bool = False) -> bool:
    r"""Write ``data[name]`` for ``names`` with ``key`` and their digest, atomically.

    Returns:
        True when written; False when the write failed (an ``OSError``: disk full, no
        permission), after a warning that names the file and says the data stays in memory.
    """
    names = list(names)
    arrays = {name: data[name] for name in names}
    save = np.savez_compressed if compress else np.savez
    try:
        write_atomic(path, lambda stream: save(
            stream, key=np.asarray(key), digest=np.asarray(digest(arrays, names)), **arrays))
    except OSError as error:
        warnings.warn(
            f"could not write the task data cache {path} ({error}); the data is kept in memory "
            f"for this process and will be generated again next time. Set ${CACHE_VARIABLE} "
            "to a writable folder to keep it.", stacklevel=2)
        return False
    return True


def load_arrays(path: Path, key: str, names: Iterable[str]) -> dict[str, np.ndarray] | None:
    r"""The arrays ``names`` of a cache file written by ``save_arrays`` with ``key``, or None
    when the file is missing, or (with a warning) partial, corrupted or another key's."""
    path = Path(path)
    if not path.exists():
        return None
    names = list(names)
    try:
        with np.load(path, allow_pickle=False) as stored:
            data = {name: stored[name] for name in names}
            valid = str(stored["key"]) == key and str(stored["digest"]) == digest(data, names)
    except Exception:  # noqa: BLE001 - a truncated or overwritten file: any error means rebuild
        valid = False
    if not valid:
        warnings.warn(f"the cached task data {path} is incomplete, corrupted or stale; "
                      "rebuilding it.", stacklevel=2)
        return None
    return data

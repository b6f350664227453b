r"""The worker side of ``botorch_mentor.workers.WorkerPool``: run as
``python -m botorch_mentor._worker``, it reads length-prefixed pickled ``(function, argument)``
requests on stdin and answers each with a pickled ``(ok, result or error text)`` on stdout.

It imports only what a request names (``"module:function"``), never the caller's main module,
so it starts fast and works whatever started the parent: a script without an
``if __name__ == "__main__":`` guard, code piped to ``python -``, a notebook or the CLI.
"""

from __future__ import annotations

import importlib
import pickle
import struct
import sys
import traceback

HEADER = struct.Struct("<Q")
"""An 8-byte little-endian length before every pickled frame."""


def read_frame(stream) -> bytes | None:
    r"""One frame from ``stream``, or None at its end."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    return stream.read(size)


def write_frame(stream, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _function(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a function prints must not corrupt the frames
    while (frame := read_frame(stdin)) is not None:
        path, argument = pickle.loads(frame)
        try:
            reply = (True, _function(path)(*argument))
        except Exception:  # the parent raises it, with this traceback
            reply = (False, traceback.format_exc())
        write_frame(stdout, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main()

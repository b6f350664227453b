r"""The worker side of ``botorch_mentor.workers.WorkerPool``: run as
``python -m botorch_mentor._worker``, it reads length-prefixed pickled ``(function, argument)``
requests on stdin and answers each with pickled ``(status, value)`` frames on stdout:
``("ok", result)``, or for a function that returns a generator one ``("item", value)`` per
item and then ``("done", None)``; ``("error", traceback text)`` when it raises.

It imports only what a request names (``"module:function"``), never the caller's main module,
so it starts fast and works whatever started the parent: a script without an
``if __name__ == "__main__":`` guard, code piped to ``python -``, a notebook or the CLI.
"""

from __future__ import annotations

import importlib
import inspect
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

    def reply(status: str, value) -> None:
        write_frame(stdout, pickle.dumps((status, value), protocol=pickle.HIGHEST_PROTOCOL))

    while (frame := read_frame(stdin)) is not None:
        path, argument = pickle.loads(frame)
        try:
            result = _function(path)(*argument)
            if inspect.isgenerator(result):  # streamed: one frame per item, then "done"
                for item in result:
                    reply("item", item)
                reply("done", None)
            else:
                reply("ok", result)
        except Exception:  # the parent raises it, with this traceback
            reply("error", traceback.format_exc())


if __name__ == "__main__":
    main()

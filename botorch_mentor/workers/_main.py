r"""The worker side of ``botorch_mentor.workers.WorkerPool``.

A worker reads length-prefixed requests on stdin: an 8-byte request id, then the pickled
``("module:function", arguments)`` (the id is read before anything is unpickled, so a request
that cannot be unpickled is still answered under its id), and answers each with pickled
``(request_id, status, value)`` frames on a private file descriptor: ``("ok", result)``, or
for a function that returns a generator one ``("item", value)`` per item and then
``("done", None)``; ``("error", (exception, traceback text))`` when it raises (the exception
pickled, or None when it cannot be).

Frames never share a descriptor with anything else: at start the worker duplicates its
stdout to a private descriptor for the frames and points descriptor 1 at stderr, so that
whatever a function or C code prints (MuJoCo's warnings, a library's banner) lands in stderr.

It imports only what a request names, never the caller's main module, so it starts fast and
works whatever started the parent: a script without an ``if __name__ == "__main__":`` guard,
code piped to ``python -``, a notebook or the CLI.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pickle
import struct
import sys
import traceback

HEADER = struct.Struct("<Q")
"""An 8-byte little-endian length before every pickled frame."""
REQUEST_ID = struct.Struct("<Q")
"""The 8-byte little-endian id that opens every request's payload."""


def read_frame(stream) -> bytes | None:
    r"""One frame from a binary ``stream``, or None at its end."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


def write_frame(stream, payload: bytes) -> None:
    r"""``payload`` with its length header, flushed."""
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _function(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _error_value(error: BaseException) -> tuple[bytes | None, str]:
    text = traceback.format_exc()
    try:
        pickled = pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(pickled)  # an exception that pickles but cannot be rebuilt is sent as text
    except Exception:  # noqa: BLE001
        pickled = None
    return pickled, text


def main() -> None:
    frames = os.fdopen(os.dup(1), "wb")  # private: only frames are written here
    os.dup2(2, 1)  # C code writing to descriptor 1 now writes to stderr
    sys.stdout = sys.stderr
    stdin = sys.stdin.buffer

    def reply(request_id: int, status: str, value) -> None:
        write_frame(frames, pickle.dumps((request_id, status, value),
                                         protocol=pickle.HIGHEST_PROTOCOL))

    while (frame := read_frame(stdin)) is not None:
        (request_id,) = REQUEST_ID.unpack_from(frame)
        try:
            path, arguments = pickle.loads(frame[REQUEST_ID.size:])
            result = _function(path)(*arguments)
            if inspect.isgenerator(result):  # streamed: one frame per item, then "done"
                for item in result:
                    reply(request_id, "item", item)
                reply(request_id, "done", None)
            else:
                reply(request_id, "ok", result)
        except Exception as error:  # noqa: BLE001 - the parent raises it, with this traceback
            reply(request_id, "error", _error_value(error))


if __name__ == "__main__":
    main()

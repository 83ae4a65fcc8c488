"""How the service's HTTP workers talk to its writer process: frames on a local (Unix) socket.

A frame is a 4-byte big-endian length and a pickle. A worker opens the conversation with the
service's token (a secret the supervisor hands every process it starts; the socket itself lives
in a directory only the service's user may enter), then sends requests and reads answers, many
in flight at once, matched by their number:

* request: `(number, "run", function)`: run `function(platform)` as one command (the function is
  pickled with cloudpickle, so a route's closure travels with what it captured);
* request: `(number, "group", (kind, item))`: one item of a group kind (payment submissions that
  arrive together are one round, as in one process);
* request: `(number, "status", None)`: the writer's role and health, for `/readyz`;
* answer: `(number, ok, value)`: the result, or the exception the command raised.

Pickles are only ever read from a peer that presented the token.
"""

from __future__ import annotations

import asyncio
import hmac
import pickle
import struct
from typing import Any

import cloudpickle

HEADER = struct.Struct(">I")
FRAME_MAX = 256 * 1024 * 1024  # a screening list travels in one frame
TOKEN_BYTES = 32


class WireError(ConnectionError):
    """The peer sent something that is not a frame of this protocol, or went away."""


def dumps(message: Any, *, code: bool = False) -> bytes:
    """One frame. `code=True` pickles functions by value (cloudpickle)."""
    body = cloudpickle.dumps(message) if code else pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


async def read(reader: asyncio.StreamReader) -> Any:
    """The next frame's message (`WireError` when the peer is gone or sends garbage)."""
    try:
        size = HEADER.unpack(await reader.readexactly(HEADER.size))[0]
        if size > FRAME_MAX:
            raise WireError(f"a frame of {size} bytes is over the limit of {FRAME_MAX}")
        return pickle.loads(await reader.readexactly(size))  # noqa: S301 (an authenticated peer)
    except (asyncio.IncompleteReadError, ConnectionError) as gone:
        raise WireError(f"the peer closed the connection: {gone}") from gone


async def greet(writer: asyncio.StreamWriter, token: bytes) -> None:
    writer.write(HEADER.pack(len(token)) + token)
    await writer.drain()


async def check_greeting(reader: asyncio.StreamReader, token: bytes) -> bool:
    """Whether the peer's first frame is the token (read raw: nothing is unpickled before)."""
    try:
        size = HEADER.unpack(await reader.readexactly(HEADER.size))[0]
        if size != len(token):
            return False
        return hmac.compare_digest(await reader.readexactly(size), token)
    except (asyncio.IncompleteReadError, ConnectionError):
        return False

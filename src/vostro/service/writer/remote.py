"""An HTTP worker's writer: the same port as `thread.Writer` (`run`, `run_grouped`, `alive`),
answered by the writer process over the service's local socket (`wire`).

The worker keeps one connection, and many commands in flight on it. When the writer process goes
away, every command still waiting is answered 503 (it may or may not have committed: the client
sends it again with the same UETR or Idempotency-Key, and it takes effect at most once), new
commands are refused 503 at once, and the worker connects again as soon as the writer is back.
Every `STATUS_EVERY_S` it asks the writer its role, which `/readyz` reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from vostro.errors import InvariantViolation
from vostro.ledger.writer import WriterStopped
from vostro.platform import Platform
from vostro.service import problems
from vostro.service.writer import wire

T = TypeVar("T")
log = logging.getLogger("vostro.worker")
STATUS_EVERY_S = 0.5
RECONNECT_S = 0.1


class RemoteWriter:
    def __init__(self, socket_path: str, token: bytes) -> None:
        self.socket_path = socket_path
        self.token = token
        self.status: dict[str, Any] = {"role": "connecting", "detail": "no writer process yet"}
        self._out: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._numbers = itertools.count()
        self._tasks: list[asyncio.Task[None]] = []

    # --------------------------------------------------------------- the port
    @property
    def role(self) -> str:
        return str(self.status.get("role"))

    @property
    def alive(self) -> bool:
        return self._out is not None and self.role == "active"

    @property
    def pid(self) -> int | None:
        pid = self.status.get("pid")
        return pid if isinstance(pid, int) else None

    @property
    def stopped(self) -> str | None:
        """Why writes are refused now (None while the writer is active)."""
        return None if self.alive else str(self.status.get("detail") or self.role)

    def start(self) -> None:
        """Connect, and keep connected (call from the worker's event loop)."""
        self._tasks = [asyncio.ensure_future(self._keep_connected())]

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._out is not None:
            self._out.close()

    async def run(self, fn: Callable[[Platform], T]) -> T:
        result: T = await self._ask("run", fn, code=True)
        return result

    async def run_grouped(self, group: str, item: Any) -> Any:
        return await self._ask("group", (group, item))

    async def exposition(self) -> bytes:
        """The writer process's own metrics (its rounds), or nothing while it is away."""
        try:
            exposition: bytes = await self._ask("metrics", None)
        except problems.Problem:
            return b""
        return exposition

    # --------------------------------------------------------------- the wire
    async def _ask(self, kind: str, payload: Any, *, code: bool = False) -> Any:
        out = self._out
        if out is None:
            raise problems.writer_unavailable(str(self.status.get("detail") or "not connected"))
        number = next(self._numbers)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        try:
            out.write(wire.dumps((number, kind, payload), code=code))
            return await future
        finally:
            self._pending.pop(number, None)

    async def _keep_connected(self) -> None:
        while True:
            try:
                reader, out = await asyncio.open_unix_connection(
                    self.socket_path, limit=wire.FRAME_MAX
                )
            except OSError as error:
                self.status = {"role": "unavailable", "detail": f"writer process: {error}"}
                await asyncio.sleep(RECONNECT_S)
                continue
            await wire.greet(out, self.token)
            self._out = out
            watching = asyncio.ensure_future(self._watch())
            try:
                await self._read_answers(reader)
            finally:
                watching.cancel()
                self._out = None
                out.close()
                self._fail_pending()
            await asyncio.sleep(RECONNECT_S)

    async def _read_answers(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(wire.WireError):
            while True:
                number, ok, value = await wire.read(reader)
                future = self._pending.get(number)
                if future is None or future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    if isinstance(value, InvariantViolation | WriterStopped):
                        self.status = {"role": "stopped", "detail": str(value)}  # at once
                    future.set_exception(value)
        log.warning("the writer process went away; writes are refused until it is back")
        self.status = {"role": "unavailable", "detail": "the writer process went away"}

    async def _watch(self) -> None:
        while True:
            try:
                self.status = await self._ask("status", None)
            except problems.Problem:
                return
            await asyncio.sleep(STATUS_EVERY_S)

    def _fail_pending(self) -> None:
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(
                    problems.writer_unavailable("the writer process went away during the request")
                )

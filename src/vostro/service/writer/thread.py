"""The single writer inside the service.

Request handlers never write. They hand the writer a command (a function of the platform) and
await its result; the writer is one thread that owns the platform's write side and takes commands
from its queue in rounds: whatever has arrived, up to a batch limit. Payment submissions that
arrive together are run as one group (`Payments.submit_many`), so
under load many payments share each ledger batch without their senders noticing.

A broken invariant (`InvariantViolation`, then `WriterStopped`) stops the writer loudly: every
later command is refused with 503 and `/readyz` says why, while reads go on. Readers read
committed data from the database and never wait for the writer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from vostro.errors import InvariantViolation, invariant
from vostro.ledger.writer import WriterStopped
from vostro.platform import Platform
from vostro.service import problems
from vostro.service.metrics import Metrics
from vostro.service.problems import Problem

T = TypeVar("T")
log = logging.getLogger("vostro.writer")

# A group handler runs many commands of one kind at once; it returns, per item, a result or the
# exception that item raised.
GroupHandler = Callable[[Platform, list[Any]], list[Any]]


@dataclass(slots=True)
class _Command:
    fn: Callable[[Platform], Any] | None
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    queued_at: float
    group: str | None = None
    item: Any = None


class Writer:
    def __init__(
        self,
        platform: Platform,
        metrics: Metrics,
        *,
        batch_max: int = 256,
        housekeeping: Callable[[Platform], None] | None = None,
        housekeeping_every_s: float = 5.0,
    ) -> None:
        self.platform = platform
        self.metrics = metrics
        self.batch_max = batch_max
        self.housekeeping = housekeeping
        self.housekeeping_every_s = housekeeping_every_s
        self.groups: dict[str, GroupHandler] = {}
        self.stopped: BaseException | None = None
        self._queue: queue.SimpleQueue[_Command | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="vostro-writer", daemon=True)

    def start(self) -> None:
        memo = getattr(self.platform, "settings_memo", None)
        if memo is not None:  # this thread is the only writer: it may keep the settings
            memo.keep()
        self._thread.start()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self.stopped is None

    @property
    def role(self) -> str:
        return "active" if self.alive else "stopped"

    @property
    def pid(self) -> int:
        return os.getpid()

    async def exposition(self) -> bytes:
        return b""  # its rounds are in the service's own metrics

    async def run(self, fn: Callable[[Platform], T]) -> T:
        """Run `fn(platform)` on the writer and return its result (or raise its exception)."""
        return await self._enqueue(fn, None, None)

    async def run_grouped(self, group: str, item: Any) -> Any:
        """Run one item of a group kind; items that arrive together run as one group."""
        return await self._enqueue(None, group, item)

    async def _enqueue(
        self, fn: Callable[[Platform], Any] | None, group: str | None, item: Any
    ) -> Any:
        if not self.alive:
            raise self._refusal()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put(_Command(fn, future, loop, time.perf_counter(), group, item))
        return await future

    # ----------------------------------------------------------------- the thread
    def _loop(self) -> None:
        next_housekeeping = time.monotonic() + self.housekeeping_every_s
        while True:
            timeout = max(0.0, next_housekeeping - time.monotonic())
            try:
                first = self._queue.get(timeout=timeout)
            except queue.Empty:
                first = None
                if self.stopped is None:
                    self._housekeep()
                next_housekeeping = time.monotonic() + self.housekeeping_every_s
                continue
            if first is None:
                return
            if time.monotonic() >= next_housekeeping and self.stopped is None:
                self._housekeep()  # due under load too: deadlines and days keep their times
                next_housekeeping = time.monotonic() + self.housekeeping_every_s
            batch = [first]
            while len(batch) < self.batch_max:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this round, then stop
                    break
                batch.append(more)
            self._round(batch)

    def _round(self, batch: list[_Command]) -> None:
        started = time.perf_counter()
        self.metrics.writer_batch.observe(len(batch))
        for command in batch:
            self.metrics.writer_wait_seconds.observe(started - command.queued_at)
        grouped: dict[str, list[_Command]] = {}
        for command in batch:
            if command.group is not None:
                grouped.setdefault(command.group, []).append(command)
                continue
            invariant(command.fn is not None, "a command without a group has a function")
            assert command.fn is not None
            self._call(command, command.fn)
        for group, commands in grouped.items():
            self._call_group(group, commands)
        self.metrics.writer_seconds.observe(time.perf_counter() - started)

    def _call(self, command: _Command, fn: Callable[[Platform], Any]) -> None:
        if self.stopped is not None:
            _deliver(command, self._refusal())
            return
        try:
            self._forget_settings()  # a command may change modes, limits or fees
            _deliver(command, fn(self.platform), ok=True)
        except (WriterStopped, InvariantViolation) as stop:
            self._stop(stop)
            _deliver(command, stop)
        except BaseException as error:
            _deliver(command, error)

    def _call_group(self, group: str, commands: list[_Command]) -> None:
        if self.stopped is not None:
            for command in commands:
                _deliver(command, self._refusal())
            return
        try:
            results = self.groups[group](self.platform, [c.item for c in commands])
        except (WriterStopped, InvariantViolation) as stop:
            self._stop(stop)
            for command in commands:
                _deliver(command, stop)
            return
        except BaseException as error:
            for command in commands:
                _deliver(command, error)
            return
        for command, result in zip(commands, results, strict=True):
            _deliver(command, result, ok=not isinstance(result, BaseException))

    def _forget_settings(self) -> None:
        memo = getattr(self.platform, "settings_memo", None)
        if memo is not None:
            memo.forget()

    def _housekeep(self) -> None:
        if self.housekeeping is None:
            return
        self._forget_settings()
        try:
            self.housekeeping(self.platform)
        except (WriterStopped, InvariantViolation) as stop:
            self._stop(stop)
        except Exception:
            log.exception("housekeeping failed; it runs again next round")
        finally:
            self._forget_settings()  # it may have opened or closed a day

    def _refusal(self) -> Problem:
        return problems.writer_stopped(self.stopped)

    def _stop(self, stop: BaseException) -> None:
        self.stopped = stop
        log.critical("the writer stopped: %s", stop)


def _deliver(command: _Command, outcome: Any, *, ok: bool = False) -> None:
    def settle() -> None:
        if command.future.done():
            return
        if ok:
            command.future.set_result(outcome)
        else:
            command.future.set_exception(outcome)

    command.loop.call_soon_threadsafe(settle)

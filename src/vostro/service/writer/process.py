"""The writer process of `vostro serve --workers N`: the one process that writes.

It listens on the service's local socket (`wire`), then takes the writer lock. While another
process holds the lock (a second `vostro serve` on the same PostgreSQL database, or on the same
SQLite file) it is a **standby**: it answers every command with 503 and `Retry-After`, and tries
the lock again every `LOCK_RETRY_S`. When it has the lock it loads the writer's state from the
database, like any writer starting, and becomes **active**: each worker's command goes to the
writer thread (`thread.Writer`), so submissions from every worker that arrive together are one
round of group commit, and each answer goes back once the round has committed.

A worker that goes away leaves its commands to finish; a writer process that dies takes nothing
acknowledged with it (an answer is sent only after its commit), and the workers answer 503 until
the supervisor has started it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from vostro.config import Settings
from vostro.errors import WriterLockHeld
from vostro.platform import Platform
from vostro.service import logs, problems
from vostro.service.metrics import Metrics
from vostro.service.writer import wire
from vostro.service.writer.build import build_writer
from vostro.service.writer.thread import Writer

log = logging.getLogger("vostro.writer")
PR_SET_PDEATHSIG = 1  # prctl(2)
GC_YOUNG_THRESHOLD = 100_000  # allocations between young collections (Python's default: 700)
LOCK_RETRY_S = 0.25  # a standby notices a dead writer's released lock within this (plus load)


class WriterProcess:
    def __init__(
        self, settings: Settings, socket_path: str, token: bytes, *, housekeeping: bool = True
    ) -> None:
        self.settings = settings
        self.socket_path = socket_path
        self.token = token
        self.housekeeping = housekeeping
        self.metrics = Metrics(http=False)
        self.writer: Writer | None = None
        self.waiting: str | None = None  # why it is a standby
        self._stop = threading.Event()
        self._stopper: Callable[[], object] = self._stop.set

    def stop(self) -> None:
        """Stop serving (from any thread): the writer finishes its round and closes."""
        self._stopper()

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        if self.writer is not None:
            if self.writer.alive:
                return {"role": "active", "pid": os.getpid()}
            return {"role": "stopped", "pid": os.getpid(), "detail": str(self.writer.stopped)}
        return {"role": "standby", "pid": os.getpid(), "detail": self.waiting}

    # ------------------------------------------------------------------ serving
    async def serve(self, *, signals: bool = True) -> None:
        """Listen, take the lock (a standby until then), write until SIGTERM or `stop()`."""
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        self._stopper = lambda: loop.call_soon_threadsafe(done.set)
        if signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, done.set)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        server = await asyncio.start_unix_server(
            self._client, path=self.socket_path, limit=wire.FRAME_MAX
        )
        os.chmod(self.socket_path, 0o600)
        acquiring = asyncio.ensure_future(asyncio.to_thread(self._acquire))
        stopping = asyncio.ensure_future(done.wait())
        await asyncio.wait({acquiring, stopping}, return_when=asyncio.FIRST_COMPLETED)
        self._stop.set()
        platform = await acquiring
        if platform is not None and not done.is_set():
            self.writer = build_writer(
                platform, self.settings, self.metrics, housekeeping=self.housekeeping
            )
            self.writer.start()
            quiet_collector()  # the state it loaded stays out of every collection
            log.info("the writer is active", extra={"database": platform.store.display_url})
            await done.wait()
        server.close()
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)
        if platform is not None:
            platform.close()
        log.info("the writer process stopped")

    def _acquire(self) -> Platform | None:
        """The writer's platform, once this process holds the writer lock (None if stopped)."""
        while True:
            try:
                return Platform.open(self.settings.database_url, settings=self.settings)
            except WriterLockHeld as held:
                if self.waiting is None:
                    log.info("standby: waiting for the writer lock", extra={"holder": str(held)})
                self.waiting = f"standby: {held}"
            if self._stop.wait(LOCK_RETRY_S):
                return None

    async def _client(self, reader: asyncio.StreamReader, out: asyncio.StreamWriter) -> None:
        if not await wire.check_greeting(reader, self.token):
            out.close()
            return
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                number, kind, payload = await wire.read(reader)
                task = asyncio.ensure_future(self._answer(number, kind, payload, out))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except wire.WireError:
            pass  # the worker went away; its commands still finish
        finally:
            out.close()

    async def _answer(
        self, number: int, kind: str, payload: Any, out: asyncio.StreamWriter
    ) -> None:
        try:
            value, ok = await self._do(kind, payload), True
        except BaseException as error:  # every refusal goes back to the worker
            value, ok = error, False
        try:
            frame = wire.dumps((number, ok, value))
        except Exception as unpicklable:  # the answer must still arrive
            log.exception("an answer could not be sent back to its worker")
            frame = wire.dumps((number, False, problems.internal_from(unpicklable)))
        if not out.is_closing():
            out.write(frame)

    async def _do(self, kind: str, payload: Any) -> Any:
        if kind == "status":
            return self.status()
        if kind == "metrics":
            return self.metrics.exposition()
        writer = self.writer
        if writer is None:
            raise problems.standby(self.waiting)
        if kind == "run":
            return await writer.run(payload)
        if kind == "group":
            group, item = payload
            return await writer.run_grouped(group, item)
        raise problems.internal()


def quiet_collector() -> None:
    """Full garbage collections over everything loaded at start (the libraries, the app, the
    writer's state) stall every request in flight (about 100 ms each, seen in profiles): keep
    those objects out of every collection, and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 1000)


def die_with_parent() -> None:
    """Have the kernel stop this process when the supervisor that started it dies, however it
    dies (SIGKILL included): an orphaned writer would keep the writer lock from a standby."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the supervisor died before the request took hold
        os.kill(os.getpid(), signal.SIGTERM)


def writer_main(settings_json: str, socket_path: str, token: bytes, housekeeping: bool) -> None:
    """The writer process's entry point (started by `service.workers`)."""
    die_with_parent()
    settings = Settings.model_validate_json(settings_json)
    logs.configure(os.environ.get("VOSTRO_LOG_LEVEL", "INFO"))
    started = time.monotonic()
    process = WriterProcess(settings, socket_path, token, housekeeping=housekeeping)
    asyncio.run(process.serve())
    log.debug("writer process ran", extra={"seconds": round(time.monotonic() - started, 1)})

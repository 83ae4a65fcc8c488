"""`vostro serve --workers N`: N HTTP worker processes and one writer process, supervised.

The supervisor (this process) makes a private directory for the service's local socket and a
token, starts the writer process (`writer.process`), binds the listening socket and starts the
workers under uvicorn's multiprocess supervisor, which restarts a worker that dies. Each worker
listens on a socket of its own bound to the same address (`SO_REUSEPORT`), so the kernel spreads
new connections evenly over the workers: on one shared socket the worker that woke first
accepted most of a burst of connections, and kept one core busy while the other waited. The writer
process is supervised beside them: when it dies it is started again, and the workers, which
answer 503 meanwhile, connect to it as soon as it listens. A writer that keeps failing at start
(a wrong database URL, a schema out of date) stops the service instead of being restarted for
ever.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from vostro.config import Settings
from vostro.service.app import SOCKET_ENV, TOKEN_ENV
from vostro.service.writer.process import writer_main

log = logging.getLogger("vostro.supervisor")
QUICK_FAILURE_S = 5.0  # a writer process that dies sooner than this failed to start
QUICK_FAILURES_MAX = 3
SOCKET_WAIT_S = 30.0
LISTEN_BACKLOG = 2048  # as uvicorn's own


@dataclass(slots=True)
class WriterSpec:
    settings: Settings
    socket_path: str
    token: bytes
    housekeeping: bool = True


def listening_socket(host: str, port: int, *, listen: bool = True) -> socket.socket:
    """A TCP socket bound to (host, port) with `SO_REUSEPORT`, listening unless told not to (a
    bound socket that does not listen holds the address and receives no connections)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if listen:
            sock.listen(LISTEN_BACKLOG)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


class Supervisor(Multiprocess):
    """uvicorn's worker supervisor, which also keeps the writer process running and gives each
    worker its own listening socket."""

    def __init__(self, config: uvicorn.Config, held: socket.socket, spec: WriterSpec):
        self._held = held  # the address, bound (not listening) until the workers listen on it
        self._port = held.getsockname()[1]
        self._handed: list[socket.socket] = []
        super().__init__(config, [])
        self.spec = spec
        self.writer: BaseProcess | None = None
        self.writer_started = 0.0
        self.quick_failures = 0

    @property
    def sockets(self) -> list[socket.socket]:
        """What uvicorn gives the worker it starts next: a listening socket of its own (the
        worker inherits it as it starts; this process closes its copy right after)."""
        sock = listening_socket(self.config.host, self._port)
        self._handed.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, _: list[socket.socket]) -> None:
        pass  # uvicorn's shared sockets: none, each worker has its own

    def _close_handed(self) -> None:
        for sock in self._handed:
            sock.close()
        self._handed.clear()

    def init_processes(self) -> None:
        self._start_writer()
        deadline = time.monotonic() + SOCKET_WAIT_S
        while not os.path.exists(self.spec.socket_path) and time.monotonic() < deadline:
            if self.writer is not None and not self.writer.is_alive():
                break
            time.sleep(0.05)
        super().init_processes()
        self._close_handed()
        self._held.close()

    def restart_all(self) -> None:
        super().restart_all()
        self._close_handed()

    def handle_ttin(self) -> None:
        super().handle_ttin()
        self._close_handed()

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        self._close_handed()
        if self.should_exit.is_set() or self.writer is None or self.writer.is_alive():
            return
        lived = time.monotonic() - self.writer_started
        log.error(
            "the writer process died; starting it again",
            extra={"pid": self.writer.pid, "exitcode": self.writer.exitcode},
        )
        self.quick_failures = self.quick_failures + 1 if lived < QUICK_FAILURE_S else 0
        if self.quick_failures >= QUICK_FAILURES_MAX:
            log.critical("the writer process fails as it starts; stopping the service")
            self.should_exit.set()
            return
        self._start_writer()

    def terminate_all(self) -> None:
        super().terminate_all()
        if self.writer is not None and self.writer.is_alive():
            self.writer.terminate()

    def join_all(self) -> None:
        super().join_all()
        if self.writer is not None:
            self.writer.join(timeout=60)

    def _start_writer(self) -> None:
        spawn = multiprocessing.get_context("spawn")
        spec = self.spec
        self.writer = spawn.Process(
            target=writer_main,
            args=(spec.settings.model_dump_json(), spec.socket_path, spec.token, spec.housekeeping),
            name="vostro-writer",
        )
        self.writer.start()
        self.writer_started = time.monotonic()


def serve(settings: Settings, host: str, port: int, workers: int, log_level: str) -> None:
    """Run the service as `workers` HTTP processes and one writer process until stopped."""
    runtime = tempfile.mkdtemp(prefix="vostro-")  # mode 0700: only this user reaches the socket
    spec = WriterSpec(settings, os.path.join(runtime, "writer.sock"), secrets.token_bytes(32))
    os.environ["VOSTRO_DATABASE_URL"] = settings.database_url
    os.environ["VOSTRO_LOG_LEVEL"] = log_level
    os.environ[SOCKET_ENV] = spec.socket_path
    os.environ[TOKEN_ENV] = spec.token.hex()
    config = uvicorn.Config(
        "vostro.service.app:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )
    held = listening_socket(host, port, listen=False)  # a port in use fails here, at once
    try:
        Supervisor(config, held, spec).run()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)

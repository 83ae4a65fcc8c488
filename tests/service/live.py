"""The real service under uvicorn on a free loopback port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from vostro.service.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(database_url: str, **app_options: object) -> Iterator[str]:
    """Serve the app; yields its base URL once /readyz answers."""
    port = free_port()
    app = create_app(database_url, **app_options)  # type: ignore[arg-type]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the service did not become ready within 20 s")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def writer_beside(
    database_url: str, *, settings: Any = None, housekeeping: bool = False
) -> Iterator[tuple[str, bytes]]:
    """The service's writer process (`WriterProcess`, the code `vostro serve --workers N` runs
    in its own process) in a thread, on a socket of its own: yields (socket, token) for
    `worker_app` once it listens. Commands and answers cross the real socket, pickled."""
    import asyncio
    import os
    import secrets
    import tempfile

    from vostro.config import Settings
    from vostro.service.writer.process import WriterProcess

    with tempfile.TemporaryDirectory(prefix="vostro-w-") as runtime:
        path, token = os.path.join(runtime, "writer.sock"), secrets.token_bytes(32)
        chosen = settings or Settings(database_url=database_url)
        process = WriterProcess(chosen, path, token, housekeeping=housekeeping)
        thread = threading.Thread(
            target=lambda: asyncio.run(process.serve(signals=False)), daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 20
        while process.status()["role"] != "active":
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the writer process did not become active within 20 s")
            time.sleep(0.02)
        try:
            yield path, token
        finally:
            process.stop()
            thread.join(timeout=30)

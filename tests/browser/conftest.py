"""A real service and a real headless Chromium for the dashboard's browser tests.

The service runs under uvicorn in a background thread on a free local port, on a SQLite file of
its own. Chromium is Debian's (`/usr/bin/chromium`); a browser is never downloaded. Without it the
tests skip and say why, unless VOSTRO_REQUIRE_BROWSER=1 (set by CI), which fails them instead.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from vostro.platform import Platform
from vostro.service import bootstrap
from vostro.service.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT_S = 15.0  # uvicorn binds in well under a second; this is a hang guard
WRITER_CALL_TIMEOUT_S = 15.0


def require_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("VOSTRO_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (VOSTRO_REQUIRE_BROWSER=1: this run must test the dashboard)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Running:
    """The service under test: its address, the operator's key and the app itself."""

    base_url: str
    operator_key: str
    app: Any

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key or self.operator_key}"},
            timeout=10.0,
        )

    def on_writer(self, fn: Callable[[Platform], Any]) -> Any:
        """Run `fn(platform)` on the service's single writer: operator set-up that has no HTTP
        endpoint (treasury settings). A thread of its own keeps asyncio clear of Playwright's
        event loop."""
        writer = self.app.state.service.writer
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, writer.run(fn)).result(WRITER_CALL_TIMEOUT_S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Running]:
    url = f"sqlite:///{tmp_path / 'vostro.db'}"
    key = bootstrap.prepare(url)
    app = create_app(url, housekeeping=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the service did not start")
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", key, app)
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_TIMEOUT_S)

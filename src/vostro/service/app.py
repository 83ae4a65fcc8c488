"""The vostro HTTP service: `create_app(url)` assembles the web layer (`web/`) and its writer
(`writer/`) on one platform; `worker_app()` is the same web layer in an HTTP worker of
`vostro serve --workers N`, whose writer is the service's writer process.

One process owns the ledger's single writer; every write of every request goes through it, and
every read goes to the database directly.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vostro.config import Settings
from vostro.platform import Platform
from vostro.service import logs
from vostro.service.web import app as web
from vostro.service.web.context import Service
from vostro.service.writer.process import die_with_parent, quiet_collector

log = logging.getLogger("vostro.service")


def create_app(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    housekeeping: bool = True,
) -> FastAPI:
    """The app on `database_url` (else the settings' own), with the settings given (else read
    from the environment now)."""
    chosen = settings or Settings()
    if database_url is not None:
        chosen = Settings(**{**chosen.model_dump(), "database_url": database_url})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform.open(chosen.database_url, settings=chosen)
        service = Service.in_process(platform, chosen, housekeeping=housekeeping)
        app.state.service = service
        service.writer.start()
        log.info("serving", extra={"database": platform.store.display_url})
        try:
            yield
        finally:
            service.writer.close()
            platform.close()

    return web.build(lifespan)


SOCKET_ENV = "VOSTRO_WRITER_SOCKET"
TOKEN_ENV = "VOSTRO_WRITER_TOKEN"  # noqa: S105 (the name of the variable, not a secret)


def worker_app(
    socket: str | None = None, token: bytes | None = None, settings: Settings | None = None
) -> FastAPI:
    """An HTTP worker (uvicorn's app factory): reads on its own pooled connections, writes
    through the writer process on `socket` (default: `$VOSTRO_WRITER_SOCKET`, which
    `service.workers` sets, as it sets the token)."""
    deployed = socket is None  # started by the supervisor, not embedded in a test
    if deployed:
        die_with_parent()
        logs.configure(os.environ.get("VOSTRO_LOG_LEVEL", "INFO"))
    path = os.environ[SOCKET_ENV] if socket is None else socket
    secret = bytes.fromhex(os.environ[TOKEN_ENV]) if token is None else token
    chosen = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform.open(chosen.database_url, settings=chosen, read_only=True)
        service = Service.worker(platform, chosen, path, secret)
        app.state.service = service
        service.writer.start()
        if deployed:
            quiet_collector()
        log.info("worker serving", extra={"database": platform.store.display_url})
        try:
            yield
        finally:
            service.writer.close()
            platform.close()

    return web.build(lifespan)

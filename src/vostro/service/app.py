"""The vostro HTTP service: `create_app(url)` assembles the web layer (`web/`) and its writer
(`writer/`) on one platform.

One process owns the ledger's single writer (`Writer`); every write of every request goes through
it, and every read goes to the database directly. `vostro serve` runs this app under uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vostro.config import Settings
from vostro.platform import Platform
from vostro.service.web import app as web
from vostro.service.web.context import Service

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
        service = Service(platform, chosen, housekeeping=housekeeping)
        app.state.service = service
        service.writer.start()
        log.info("serving", extra={"database": platform.store.display_url})
        try:
            yield
        finally:
            service.writer.close()
            platform.close()

    return web.build(lifespan)

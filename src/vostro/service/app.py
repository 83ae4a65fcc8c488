"""The vostro HTTP service: `create_app(url)` assembles the API, its writer and the dashboard.

One process owns the ledger's single writer (`Writer`); every write of every request goes through
it, and every read goes to the database directly. `vostro serve` runs this app under uvicorn.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vostro.config import Settings
from vostro.platform import Platform
from vostro.service import middleware, problems
from vostro.service.auth import KeyRing, Principal, Role
from vostro.service.groups import install_groups
from vostro.service.housekeeping import Housekeeper
from vostro.service.metrics import Metrics
from vostro.service.problems import Problem
from vostro.service.settings import ServiceSettings
from vostro.service.writer import Writer
from vostro.store.readmodels import payments_by_state
from vostro.store.repositories import idempotency

log = logging.getLogger("vostro.service")

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key, sent as `Authorization: Bearer vk_...`",
)


class RateLimiter:
    """A token bucket per API key: `rate` requests a second, saving up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str) -> float:
        """0 if the request may go ahead, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[key_id] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key_id] = (tokens - 1, now)
            return 0.0


class Service:
    """Everything a request needs: the platform (reads), the writer (writes), keys, settings."""

    def __init__(
        self,
        platform: Platform,
        settings: ServiceSettings,
        core: Settings,
        *,
        housekeeping: bool = True,
    ) -> None:
        self.platform = platform
        self.settings = settings
        self.xsd_dir = core.iso20022_xsd_dir
        self.engine = platform.store.engine
        self.metrics = Metrics()
        self.keys = KeyRing(self.engine)
        self.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
        self.writer = Writer(
            platform,
            self.metrics,
            batch_max=settings.writer_batch_max,
            housekeeping=Housekeeper(settings.lsm_every_s) if housekeeping else None,
            housekeeping_every_s=settings.housekeeping_every_s,
        )
        install_groups(self.writer)
        self.metrics.watch(self._snapshot)

    def _snapshot(self) -> tuple[dict[str, int], dict[str, int]]:
        return payments_by_state(self.engine), self.platform.settlement_views.queue_depth()

    def idempotency_lookup(self, principal: str, key: str) -> dict[str, Any] | None:
        return idempotency.lookup(self.engine, principal, key)

    async def idempotency_store(
        self, principal: str, key: str, fingerprint: bytes, status: int, media: str, body: bytes
    ) -> None:
        def save(platform: Platform) -> None:
            del platform
            idempotency.store(self.engine, principal, key, fingerprint, status, media, body)

        try:
            await self.writer.run(save)
        except Exception:  # a concurrent process kept it first: the stored one stands
            log.warning("idempotency record not kept", extra={"key_id": principal})


def create_app(
    database_url: str | None = None,
    *,
    settings: ServiceSettings | None = None,
    housekeeping: bool = True,
) -> FastAPI:
    core = Settings() if database_url is None else Settings(database_url=database_url)
    service_settings = settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = Platform.open(core.database_url)
        service = Service(platform, service_settings, core, housekeeping=housekeeping)
        app.state.service = service
        service.writer.start()
        log.info("serving", extra={"database": platform.store.display_url})
        try:
            yield
        finally:
            service.writer.close()
            platform.close()

    app = FastAPI(
        title="vostro",
        version="0.1.0",
        summary="Settlement of cross-border payments in local currencies (INR/RUB)",
        description=(
            "Participant banks submit payments (JSON or ISO 20022 pacs.008/pacs.009), read their "
            "accounts, statements and payments; the operator runs settlement, the rupee vostro "
            "treasury, keys and compliance. Money is always an integer number of minor units. "
            "Errors are RFC 9457 problem details carrying the ISO 20022 reason code where there "
            "is one. Send an `Idempotency-Key` header to make any POST safe to retry."
        ),
        lifespan=lifespan,
    )
    problems.install(app)
    app.add_middleware(middleware.Gate)

    from vostro.service import routes_admin, routes_compliance, routes_core, routes_web

    app.include_router(routes_core.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_compliance.router)
    app.include_router(routes_web.router)
    return app


# ------------------------------------------------------------------ dependencies
def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),  # noqa: B008
) -> Principal:
    """The caller, from its API key; refused with 401 (no, malformed, unknown or revoked key) or
    429 (over its rate limit)."""
    service = service_of(request)
    if credentials is None:
        raise Problem(
            401,
            "unauthenticated",
            "API key required",
            "send an API key as `Authorization: Bearer vk_...`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    who = service.keys.check(credentials.credentials)
    if who is None:
        raise Problem(
            401,
            "bad-key",
            "API key refused",
            "the API key is malformed, unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    wait = service.limiter.take(who.key_id)
    if wait:
        raise Problem(
            429,
            "rate-limited",
            "Too many requests",
            f"this API key is over its rate limit of {service.settings.rate_limit_per_s:g} "
            "requests a second",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    request.state.principal = who
    return who


def origin(request: Request) -> str | None:
    return request.client.host if request.client else None


def require(who: Principal, *roles: Role) -> None:
    """Role check for actions: a role that may never do this gets 403."""
    if who.role not in roles:
        raise problems.forbidden(f"the {who.role} role may not do this")

"""The FastAPI app: its OpenAPI description, the problem handlers, the gate every request passes
and the routers, one per resource. `service/app.py` gives it its lifespan (platform and writer)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from vostro.service.web import handlers
from vostro.service.web.middleware import Gate
from vostro.service.web.routes import (
    compliance,
    dashboard,
    days,
    exports,
    fx,
    keys,
    participants,
    payments,
    settlement,
    treasury,
)

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
# A request is matched against the routes in this order, one by one: payments first, the busiest
# by far.
ROUTERS = (
    payments,
    participants,
    fx,
    settlement,
    treasury,
    days,
    keys,
    compliance,
    exports,
    dashboard,
)


def build(lifespan: Lifespan) -> FastAPI:
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
    handlers.install(app)
    app.add_middleware(Gate)
    for module in ROUTERS:
        # The routes themselves, not the router: each already carries its path, tags and
        # responses, and an included router is walked again on every request (a quarter of a
        # worker's time went to matching through the included routers).
        for route in module.router.routes:
            app.router.routes.append(route)
    return app

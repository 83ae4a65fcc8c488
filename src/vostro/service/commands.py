"""Writes over HTTP: each runs on the single writer and leaves one audit entry (who, what, when,
from where, and whether it was done or refused)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from vostro import audit
from vostro.platform import Platform
from vostro.service.auth import Principal

T = TypeVar("T")


async def act(
    request: Request,
    who: Principal,
    action: str,
    subject: str,
    fn: Callable[[Platform], T],
    **detail: Any,
) -> T:
    from vostro.service.app import origin, service_of

    where = origin(request)

    def run(platform: Platform) -> T:
        try:
            result = fn(platform)
        except Exception as refused:
            with platform.store.engine.begin() as conn:
                audit.record(
                    conn,
                    who.name,
                    action,
                    subject,
                    origin=where,
                    outcome=f"refused: {refused}",
                    **detail,
                )
            raise
        with platform.store.engine.begin() as conn:
            audit.record(conn, who.name, action, subject, origin=where, outcome="done", **detail)
        return result

    return await service_of(request).writer.run(run)

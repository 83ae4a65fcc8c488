"""Writes over HTTP: each runs on the single writer as one unit of work with its audit entry (who,
what, when, from where, done); a refused one rolls back and leaves an entry saying why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

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
            with platform.unit() as uow:  # the command and its audit entry commit together
                result = fn(platform)
                uow.audit.record(who.name, action, subject, origin=where, outcome="done", **detail)
                uow.commit()
        except Exception as refused:
            with platform.unit() as uow:  # the refusal, in a unit of its own
                uow.audit.record(
                    who.name,
                    action,
                    subject,
                    origin=where,
                    outcome=f"refused: {refused}",
                    **detail,
                )
                uow.commit()
            raise
        return result

    return await service_of(request).writer.run(run)

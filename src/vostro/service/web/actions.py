"""A write made over HTTP: the request's caller and origin, and the command, run on the writer as
one audited unit of work (`writer.commands.audited`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from vostro.platform import Platform
from vostro.service.auth import Principal
from vostro.service.web.deps import origin, service_of
from vostro.service.writer.commands import Audit, audited

T = TypeVar("T")


async def act(
    request: Request,
    who: Principal,
    action: str,
    subject: str,
    fn: Callable[[Platform], T],
    **detail: Any,
) -> T:
    audit = Audit(who.name, action, subject, origin(request), detail)
    return await service_of(request).writer.run(audited(audit, fn))

"""The request dependencies, in one module: the service, the caller (`principal`, from its API
key and within its rate limit), where the request came from, and the role check. Routes take
them as the `Who` and `Svc` annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vostro.service.auth import Principal, Role
from vostro.service.problems import Problem, forbidden
from vostro.service.web.context import Service

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key, sent as `Authorization: Bearer vk_...`",
)


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),  # noqa: B008
) -> Principal:
    """The caller, from its API key; refused with 401 (no, malformed, unknown or revoked key) or
    429 (over its rate limit). On the event loop: the key is checked in memory (its row is read
    again at most every two seconds), which costs less than a hop to a thread."""
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
        raise forbidden(f"the {who.role} role may not do this")


async def _service(request: Request) -> Service:
    return service_of(request)


Who = Annotated[Principal, Depends(principal)]
Svc = Annotated[Service, Depends(_service)]

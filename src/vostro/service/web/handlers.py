"""Problems on the wire: the exception handlers that answer every refusal as RFC 9457 problem
details, from the table in `service/problems.py`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from vostro.errors import VostroError
from vostro.service import problems
from vostro.service.problems import MEDIA_TYPE, Problem

log = logging.getLogger("vostro.service")


def response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.detail_body(instance).model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves at the request's path (Starlette names only the first
    matching route's in a 405)."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches({**scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return response(exc, request.url.path)

    @app.exception_handler(VostroError)
    async def _domain(request: Request, exc: VostroError) -> JSONResponse:
        return response(problems.from_error(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return response(problems.invalid(exc.errors()), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
        problem = problems.http_error(exc.status_code, str(exc.detail), headers)
        return response(problem, request.url.path)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return response(problems.internal(), request.url.path)

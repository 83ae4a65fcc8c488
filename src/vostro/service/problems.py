"""Errors as RFC 9457 problem details (`application/problem+json`).

Every refusal the API makes is a `Problem`: an HTTP status, a stable `type` (a URN naming the kind
of problem), a short `title`, a `detail` a person can act on and, where the domain has one, the
ISO 20022 reason `code` (AM04, AM05, RR04...) the same refusal would carry in a pacs.002.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from vostro.compliance.admin import NoSuchList
from vostro.compliance.lists import ListError
from vostro.errors import VostroError
from vostro.payments.holds import NoSuchPayment, NotHeld
from vostro.payments.model import PaymentRejected

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("vostro.service")


class ProblemDetail(BaseModel):
    """RFC 9457 problem details, with vostro's extension members."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str | None = None  # ISO 20022 external status reason code, where there is one
    errors: list[dict[str, Any]] | None = None  # field-level errors of a malformed request


class Problem(Exception):
    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.code, self.errors, self.headers = code, errors, headers


_PROBLEM_CONTENT = {
    MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}},
}
# The refusals every `/v1` operation may give, documented in the OpenAPI document.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDetail, "description": what, "content": _PROBLEM_CONTENT}
    for status, what in (
        (400, "A body that cannot be read at all (FF01)"),
        (401, "No, a malformed, unknown or revoked API key"),
        (403, "The caller's role may not do this"),
        (404, "Not found, or not the caller's to see"),
        (409, "Conflict: a duplicate payment (AM05) or a request still in progress"),
        (413, "Request body too large"),
        (422, "Invalid request (FF01) or refused by the domain, with its ISO reason code"),
        (429, "Over the API key's rate limit"),
        (503, "The writer stopped to protect the ledger"),
    )
}


def not_found(what: str) -> Problem:
    """The one answer for anything missing or not the caller's to see (no existence leaks)."""
    return Problem(404, "not-found", "Not found", f"no {what} here for this API key")


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", "Not allowed", detail)


def response(problem: Problem, instance: str | None = None) -> JSONResponse:
    body = ProblemDetail(
        type=f"urn:vostro:problem:{problem.kind}",
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        instance=instance,
        code=problem.code,
        errors=problem.errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


def from_domain(error: VostroError) -> Problem:
    """A domain refusal as a problem: payments carry their ISO reason code; a missing payment or
    list is 404, a decision on a payment no longer held 409, an unreadable list 422 FF01."""
    if isinstance(error, NoSuchPayment | NoSuchList):
        return Problem(404, "not-found", "Not found", str(error))
    if isinstance(error, NotHeld):
        return Problem(409, "not-held", "Not held", str(error))
    if isinstance(error, ListError):
        return Problem(422, "bad-list", "List refused", str(error), code="FF01")
    if isinstance(error, PaymentRejected):
        status = 409 if error.code == "AM05" else 422
        return Problem(
            status,
            f"payment-{error.code.lower()}",
            "Payment refused",
            error.reason,
            code=str(error.code),
        )
    return Problem(422, "refused", "Request refused", str(error))


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return response(exc, request.url.path)

    @app.exception_handler(VostroError)
    async def _domain(request: Request, exc: VostroError) -> JSONResponse:
        return response(from_domain(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return response(invalid(exc.errors()), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            400: "Malformed request",
            404: "Not found",
            405: "Method not allowed",
            413: "Request too large",
        }
        problem = Problem(
            exc.status_code,
            "http-" + str(exc.status_code),
            titles.get(exc.status_code, "HTTP error"),
            str(exc.detail),
            code="FF01" if exc.status_code == 400 else None,
            headers=dict(exc.headers or {}),
        )
        return response(problem, request.url.path)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        problem = Problem(
            500, "internal", "Internal error", "the request failed inside vostro; it is logged"
        )
        return response(problem, request.url.path)


def invalid(errors: Any) -> Problem:
    """A malformed request body or parameter (422, FF01), naming each bad field."""
    listed = [
        {
            "location": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "")),
        }
        for error in errors
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in listed) or "malformed request"
    return Problem(422, "invalid-request", "Invalid request", detail, code="FF01", errors=listed)

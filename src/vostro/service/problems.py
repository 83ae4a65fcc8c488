"""Errors as RFC 9457 problem details (`application/problem+json`), in one place.

Every refusal the API makes is a `Problem`: an HTTP status, a stable `type` (a URN naming the kind
of problem), a short `title`, a `detail` a person can act on and, where the domain has one, the
ISO 20022 reason `code` (AM04, AM05, RR04...) the same refusal would carry in a pacs.002.

`REFUSALS` is the one table from a domain exception class to its problem; `from_error` looks an
exception up in it (its most specific class that is listed). The web layer's handlers
(`web/handlers.py`) turn problems into responses. No web framework here: the writer refuses with
a `Problem` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from vostro.calendar.model import CalendarError
from vostro.compliance.admin import NoSuchList
from vostro.compliance.lists import ListError
from vostro.errors import InvalidText, Reducible, UnknownCurrency, VostroError
from vostro.ledger.types import CreateTransferResult
from vostro.participants.bic import InvalidBic
from vostro.payments.holds import NoSuchPayment, NotHeld
from vostro.payments.model import PaymentRejected
from vostro.service.auth import KeyAlreadyRevoked

MEDIA_TYPE = "application/problem+json"


class ProblemDetail(BaseModel):
    """RFC 9457 problem details, with vostro's extension members."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str | None = None  # ISO 20022 external status reason code, where there is one
    errors: list[dict[str, Any]] | None = None  # field-level errors of a malformed request


class Problem(Reducible):
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

    def detail_body(self, instance: str | None) -> ProblemDetail:
        return ProblemDetail(
            type=f"urn:vostro:problem:{self.kind}",
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            code=self.code,
            errors=self.errors,
        )


@dataclass(frozen=True, slots=True)
class Refusal:
    """How one kind of domain refusal shows on the wire."""

    status: int
    kind: str
    title: str
    code: str | None = None  # ISO 20022 reason code


# Domain exception class -> its problem (the detail is the exception's message). A payment's
# refusal carries its own ISO code: see `PAYMENT_STATUS`.
REFUSALS: dict[type[Exception], Refusal] = {
    NoSuchPayment: Refusal(404, "not-found", "Not found"),
    NoSuchList: Refusal(404, "not-found", "Not found"),
    NotHeld: Refusal(409, "not-held", "Not held"),
    ListError: Refusal(422, "bad-list", "List refused", "FF01"),
    KeyAlreadyRevoked: Refusal(409, "key-revoked", "Key already revoked"),
    InvalidBic: Refusal(422, "invalid-bic", "Not a BIC", "FF01"),
    UnknownCurrency: Refusal(422, "unknown-currency", "Unknown currency", "AM03"),
    InvalidText: Refusal(422, "invalid-request", "Invalid request", "FF01"),
    CalendarError: Refusal(422, "calendar-refused", "Calendar change refused", "FF01"),
    # Anything else was well formed (the schema checked it) and is refused by what vostro holds
    # now: who is registered, in which currencies, in which role, in which state.
    VostroError: Refusal(409, "refused", "Request refused"),
}
# A refused payment: 422, but a duplicate (AM05) and an action on a payment in the wrong state
# (NARR: "is settled, not queued") are conflicts with what is stored.
PAYMENT_STATUS: dict[str, int] = {"AM05": 409, "NARR": 409}
PAYMENT_STATUS_DEFAULT = 422
# Ledger results of a funding transfer that are not refusals, and the ISO code of those that are
# (AM04: insufficient funds); any other result is refused without a code.
FUNDED = frozenset({CreateTransferResult.OK, CreateTransferResult.EXISTS})
FUNDING_CODES: dict[CreateTransferResult, str] = {
    CreateTransferResult.EXCEEDS_CREDITS: "AM04",
    CreateTransferResult.EXCEEDS_DEBITS: "AM04",
    CreateTransferResult.EXCEEDS_PENDING_TRANSFER_AMOUNT: "AM04",
    CreateTransferResult.AMOUNT_EXCEEDS_MAX: "AM04",
}


def from_error(error: VostroError) -> Problem:
    """A domain refusal as a problem, from the table."""
    if isinstance(error, PaymentRejected):
        return Problem(
            PAYMENT_STATUS.get(error.code, PAYMENT_STATUS_DEFAULT),
            f"payment-{error.code.lower()}",
            "Payment refused",
            error.reason,
            code=str(error.code),
        )
    refusal = next(REFUSALS[c] for c in type(error).__mro__ if c in REFUSALS)
    return Problem(refusal.status, refusal.kind, refusal.title, str(error), code=refusal.code)


def funding_refused(result: CreateTransferResult) -> Problem:
    """A funding or defunding transfer the ledger refused: a retry with the same transfer id but
    other fields is a conflict (409); anything else 422."""
    return Problem(
        409 if str(result).startswith("exists_with_different") else 422,
        f"funding-{result}",
        "Funding refused",
        f"the ledger refused the transfer: {result}",
        code=FUNDING_CODES.get(result),
    )


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
        (
            409,
            "Conflict with what vostro holds now: a duplicate (AM05), a payment in another "
            "state, a participant not in that role or currency, a request still in progress",
        ),
        (413, "Request body too large"),
        (422, "Invalid request (FF01) or refused by the domain, with its ISO reason code"),
        (429, "Over the API key's rate limit"),
        (
            503,
            "No writer to take the change: it stopped to protect the ledger, is starting "
            "again, or this service is a standby (see `Retry-After`)",
        ),
    )
}
# Titles of the framework's own HTTP errors (routing, malformed requests).
HTTP_TITLES = {
    400: "Malformed request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
}


def not_found(what: str) -> Problem:
    """The one answer for anything missing or not the caller's to see (no existence leaks)."""
    return Problem(404, "not-found", "Not found", f"no {what} here for this API key")


def forbidden(detail: str) -> Problem:
    return Problem(403, "forbidden", "Not allowed", detail)


def http_error(status: int, detail: str, headers: dict[str, str]) -> Problem:
    return Problem(
        status,
        "http-" + str(status),
        HTTP_TITLES.get(status, "HTTP error"),
        detail,
        code="FF01" if status == 400 else None,
        headers=headers,
    )


def internal() -> Problem:
    return Problem(
        500, "internal", "Internal error", "the request failed inside vostro; it is logged"
    )


def writer_stopped(reason: BaseException | None) -> Problem:
    return Problem(
        503,
        "writer-stopped",
        "Writer stopped",
        f"vostro stopped taking writes to protect the ledger: {reason}",
        headers={"Retry-After": "60"},
    )


def internal_from(error: BaseException) -> Problem:
    """A failure inside the writer that cannot travel to its worker as it is."""
    return Problem(
        500, "internal", "Internal error", f"the request failed inside vostro's writer: {error}"
    )


def standby(waiting: str | None) -> Problem:
    """A write sent to a service that is not (yet) the writer: another process holds the lock."""
    return Problem(
        503,
        "standby",
        "Standby",
        "this vostro service is a standby and takes no writes until the active one stops"
        + (f" ({waiting})" if waiting else ""),
        headers={"Retry-After": "1"},
    )


def writer_unavailable(why: str) -> Problem:
    """A worker with no writer to hand its command to (it is starting, or starting again)."""
    return Problem(
        503,
        "writer-unavailable",
        "Writer unavailable",
        f"vostro's writer process is not answering ({why}); send the request again with the "
        "same UETR or Idempotency-Key: it takes effect at most once",
        headers={"Retry-After": "1"},
    )


def invalid(errors: Any) -> Problem:
    """A malformed request body or parameter (422, FF01), naming each bad field."""
    listed = [
        {
            "location": ".".join(str(part) for part in error.get("loc", ())),
            "message": _message(error),
        }
        for error in errors
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in listed) or "malformed request"
    return Problem(422, "invalid-request", "Invalid request", detail, code="FF01", errors=listed)


def _message(error: Any) -> str:
    """A field's error as a sentence: a check of ours (`vostro.text`) says itself, without the
    validator's "Value error, " in front."""
    cause = (error.get("ctx") or {}).get("error")
    if error.get("type") == "value_error" and isinstance(cause, InvalidText):
        return str(cause)
    return str(error.get("msg", ""))

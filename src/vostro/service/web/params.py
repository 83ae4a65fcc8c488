"""The types of path and query parameters, exact in the OpenAPI document: a BIC, an ISO 4217
code vostro settles (an enum of them), a UETR, a list name, a key id, a flow. A value outside
its type is refused by FastAPI with 422 FF01 before a handler runs."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from vostro.compliance.admin import LIST_NAME_RE
from vostro.compliance.limits import FLOWS
from vostro.money import settled_codes
from vostro.participants.bic import bic_pattern

BIC_PATTERN = bic_pattern()
UETR_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
LIST_NAME_PATTERN = LIST_NAME_RE.pattern


def _settled(code: str) -> str:
    if code not in settled_codes():
        raise ValueError(f"{code!r} is not an ISO 4217 currency vostro settles")
    return code


CURRENCY_SCHEMA = {
    "type": "string",
    "enum": list(settled_codes()),
    "description": "ISO 4217 code of a currency with a minor unit",
}
# A currency as a path or query parameter, and as a body field (schemas.CurrencyCode).
Settled = Annotated[str, AfterValidator(_settled), WithJsonSchema(CURRENCY_SCHEMA)]

BicPath = Annotated[str, Path(pattern=BIC_PATTERN, description="BIC (ISO 9362), 8 or 11")]
PayerPath = Annotated[
    str,
    Path(
        pattern=rf"^({BIC_PATTERN[1:-1]}|\*)$",
        description="A payer's BIC, or `*` for every payer",
    ),
]
CurrencyPath = Annotated[Settled, Path(description="ISO 4217 code")]
UetrPath = Annotated[str, Path(pattern=UETR_PATTERN, description="The payment's UETR")]
ListNamePath = Annotated[
    str, Path(pattern=LIST_NAME_PATTERN, description="1-64 letters, digits, '.', '_' or '-'")
]
KeyIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{8}$", description="The key's id")]
QuoteIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The quote's id")]
Flow = Literal["trade", "remittance", "transfer", "return", "*"]
FLOW_NAMES = (*FLOWS, "*")


# The largest integer every JSON parser reads exactly (2^53 - 1): no amount, cap or threshold in
# a request may exceed it, so a client in any language sends and reads it without rounding.
JSON_INT_MAX = 2**53 - 1
StrictBool = Annotated[bool, Field(strict=True)]


def _json_integer(value: object) -> object:
    """An integer as JSON Schema counts one: a number with no fraction (`5` or `5.0`), never a
    boolean, a string or `5.5`. Its value is exact: a float here is at most 2^53 - 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON integer")
    if isinstance(value, float):
        if not value.is_integer() or abs(value) > JSON_INT_MAX:
            raise ValueError("must be a JSON integer (no fraction, at most 2^53 - 1)")
        return int(value)
    return value


# After an int's bounds in its Annotated (`Annotated[int, Field(ge=0), JSON_INTEGER]`), so the
# bounds stay in the JSON schema.
JSON_INTEGER = BeforeValidator(_json_integer)


def _iso_date_text(value: object) -> object:
    """A date only as ISO 8601 text (YYYY-MM-DD), never a number of seconds."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]

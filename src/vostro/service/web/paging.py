"""Cursor paging for every list the API serves.

A page is `{"items": [...], "next_cursor": "..."}`, and the same next page is linked in an RFC 8288
`Link: <...>; rel="next"` header. The cursor is the sort key of the last item served: a unique,
ordered key (an id, or a time with the row's unique id after it, never a time alone), its parts
joined by `~`. Clients pass it back as they got it. Each list documents its cursor's exact
pattern, and any cursor of that pattern is a position in the list: the next page holds the rows
strictly after it. So a walk sees every row that was there when it began exactly once, whatever
arrives meanwhile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from vostro.ledger.types import INT64_MAX
from vostro.service.problems import invalid
from vostro.service.web.params import FLOW_NAMES, LIST_NAME_PATTERN, UETR_PATTERN

T = TypeVar("T")

LIMIT_MAX = 500  # the largest page of any list
SEPARATOR = "~"

Key = tuple[int | str, ...]

# The parts a cursor is made of: a non-negative 64-bit integer, a UETR, a BIC, a name.
INT = r"(0|[1-9][0-9]{0,18})"  # up to 19 digits: nanosecond times; read at most INT64_MAX
UETR = UETR_PATTERN[1:-1]  # the parameters' patterns, unanchored
BIC = r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?"  # any BIC-shaped key is a position


@dataclass(frozen=True)
class Cursor:
    """A list's cursor: its parts' patterns and types, in key order."""

    parts: tuple[tuple[str, type], ...]

    @property
    def pattern(self) -> str:
        return "^" + SEPARATOR.join(p for p, _ in self.parts) + "$"

    def query(self) -> Any:
        return Query(
            pattern=self.pattern,
            description="The `next_cursor` of the previous page (omit for the first page)",
        )

    def decode(self, cursor: str | None) -> Key | None:
        if cursor is None:
            return None
        if not re.fullmatch(self.pattern, cursor):  # the query's pattern already holds
            raise invalid([{"loc": ("query", "cursor"), "msg": "not a cursor of this list"}])
        split = cursor.split(SEPARATOR)
        return tuple(_part(text, kind) for text, (_, kind) in zip(split, self.parts, strict=True))


def _part(text: str, kind: type) -> int | str:
    """A cursor part as its type. No stored key exceeds INT64_MAX, so a larger number is the
    same position as INT64_MAX."""
    if kind is int:
        return min(int(text), INT64_MAX)
    return text


BY_ID = Cursor(((INT, int),))
BY_TIME_AND_UETR = Cursor(((INT, int), (UETR, str)))
BY_QUEUE_ORDER = Cursor(((INT, int), (INT, int), (UETR, str)))
BY_BIC = Cursor(((BIC, str),))
BY_KEY_ID = Cursor(((r"[0-9a-f]{8}", str),))
BY_LIST_NAME = Cursor(((LIST_NAME_PATTERN[1:-1], str),))
FLOWS = "|".join(re.escape(flow) for flow in FLOW_NAMES)
BY_LIMIT = Cursor(((rf"(\*|{BIC})", str), (rf"({FLOWS})", str), (r"[A-Z]{3}", str)))


LimitQuery = Query(ge=1, le=LIMIT_MAX, description=f"Items per page (1 to {LIMIT_MAX})")


class Page(BaseModel, Generic[T]):
    """One page of a list, and the cursor of the next (null on the last page)."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null when this page is the last"
    )


def encode(key: Key) -> str:
    return SEPARATOR.join(str(part) for part in key)


def page(
    request: Request,
    response: Response,
    rows: list[T],
    limit: int,
    key: Callable[[T], Key],
) -> tuple[list[T], str | None]:
    """The first `limit` of `rows` (which the caller read as `limit + 1`, to know whether more
    follow) and the next page's cursor, also set as the response's `Link` header."""
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    cursor = encode(key(kept[-1]))
    url = request.url.include_query_params(cursor=cursor, limit=limit)
    response.headers["Link"] = f'<{url}>; rel="next"'
    return kept, cursor


def after(rows: list[T], start: Key | None, key: Callable[[T], Key], limit: int) -> list[T]:
    """A page read from a short list held whole (participants, keys, limits, lists): the rows
    after `start` in key order, `limit + 1` of them."""
    ordered = sorted(rows, key=key)
    if start is not None:
        ordered = [row for row in ordered if key(row) > start]
    return ordered[: limit + 1]

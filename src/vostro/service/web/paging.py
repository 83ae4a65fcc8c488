"""Cursor paging for every list the API serves.

A page is `{"items": [...], "next_cursor": "..."}`, and the same next page is linked in an RFC 8288
`Link: <...>; rel="next"` header. The cursor is opaque to clients: the sort key of the last item
served, a tuple of a unique, ordered key (an id, or a time with the row's unique id after it, never
a time alone), base64url-encoded JSON. The next page holds the rows strictly after that key, so a
walk sees every row that was there when it began exactly once, whatever arrives meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from vostro.service.problems import invalid

T = TypeVar("T")

LIMIT_MAX = 500  # the largest page of any list
CURSOR_MAX = 512  # characters: a cursor is a few ids, never more
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"

Key = tuple[int | str, ...]


class Page(BaseModel, Generic[T]):
    """One page of a list, and the cursor of the next (null on the last page)."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null when this page is the last"
    )


CursorParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=CURSOR_MAX,
        pattern=CURSOR_PATTERN,
        description="The `next_cursor` of the previous page (omit for the first page)",
    ),
]


LimitQuery = Query(ge=1, le=LIMIT_MAX, description=f"Items per page (1 to {LIMIT_MAX})")


def encode(key: Key) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str | None, shape: Sequence[type]) -> Key | None:
    """The key a cursor carries, checked against the list's key shape (422 FF01 if it is not one
    of this list's cursors)."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError):
        key = None
    if (
        not isinstance(key, list)
        or len(key) != len(shape)
        or not all(type(part) is kind for part, kind in zip(key, shape, strict=True))
    ):
        raise invalid(
            [{"loc": ("query", "cursor"), "msg": "not a cursor of this list; pass next_cursor"}]
        )
    return tuple(key)


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

"""`--all` for the list commands: the whole list read a page at a time, each page keyed on the
last row of the one before (the same keysets as the API's cursors), so a long list never sits in
one query and a row arriving meanwhile neither repeats nor hides another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

T = TypeVar("T")
PAGE = 500  # rows read at a time

AllFlag = Annotated[bool, typer.Option("--all", help="Every row, read a page at a time")]


def rows(
    fetch: Callable[[Any, int], list[T]], key: Callable[[T], Any], limit: int, every: bool
) -> list[T]:
    """The first `limit` rows, or with `every` all of them; `fetch(after, n)` reads the `n`
    rows after the key `after` (None: from the start)."""
    if not every:
        return fetch(None, limit)
    found: list[T] = []
    after = None
    while True:
        page = fetch(after, PAGE)
        found += page
        if len(page) < PAGE:
            return found
        after = key(page[-1])

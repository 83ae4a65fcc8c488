"""Cursor paging: every list endpoint walked through 360 rows, twelve pages, while new rows arrive
between pages. Every row that was there when the walk began is seen exactly once, no row twice, and
each page's `Link: rel="next"` header carries the same cursor as its body."""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import SBI, UCO, Api

ROWS = 360
PAGE = 30  # twelve pages
LATIN = Path(__file__).parents[1] / "fixtures" / "sanctions" / "latin.ftm.json"
NDJSON = {"content-type": "application/x-ndjson"}


def walk(
    api: Api,
    path: str,
    key: str | Callable[[dict[str, Any]], Any],
    arrive: Callable[[int], object],
    **params: Any,
) -> list[Any]:
    """Every item of the list, page after page, with `arrive(n)` adding a row after each page;
    the `Link` header and `next_cursor` must agree."""
    seen: list[Any] = []
    query: dict[str, Any] = {"limit": PAGE, **params}
    for n in range(ROWS):  # far more pages than it can take
        response = api.client.get(path, params=query, headers=api.operator)
        assert response.status_code == 200, response.text
        body = response.json()
        items = body["items"] if "items" in body else body["lines"]
        seen += [key(item) if callable(key) else item[key] for item in items]
        cursor = body["next_cursor"]
        link = response.headers.get("link")
        if cursor is None:
            assert link is None
            return seen
        url = httpx.URL(link.removeprefix("<").split(">;")[0])
        assert link.endswith('rel="next"') and url.params["cursor"] == cursor
        query["cursor"] = cursor
        arrive(n)
    raise AssertionError(f"{path} did not end")


def exactly_once(seen: list[Any], before: set[Any]) -> None:
    assert len(seen) == len(set(seen)), "a row was seen twice"
    assert before <= set(seen), f"{len(before - set(seen))} rows never seen"


def bics(prefix: str, n: int) -> list[str]:
    letters = string.ascii_uppercase
    return [f"{prefix}{letters[i // 26 % 26]}{letters[i % 26]}INBB" for i in range(n)]


def register(api: Api, bic: str) -> None:
    body = {"bic": bic, "name": f"Bank {bic}", "roles": ["bank"], "currencies": ["INR"]}
    api.ok("POST", "/v1/participants", 201, json=body)


def test_payments_statement_lines_and_audit(api: Api) -> None:
    uetrs = {api.pay(SBI, UCO, 1_00)["uetr"] for _ in range(ROWS)}
    arrive = lambda n: api.pay(SBI, UCO, 2_00)  # noqa: E731
    exactly_once(walk(api, "/v1/payments", "uetr", arrive), uetrs)
    exactly_once(walk(api, "/v1/payments", "uetr", arrive, state="settled"), uetrs)
    lines = walk(api, f"/v1/participants/{SBI}/statement", "transfer_id", arrive, currency="INR")
    assert len(lines) == len(set(lines)) >= ROWS
    audit = api.ok("GET", "/v1/audit?limit=500")["items"]
    ids = walk(api, "/v1/audit", "id", arrive)
    exactly_once(ids, {e["id"] for e in audit})
    assert ids == sorted(ids, reverse=True) and len(ids) >= ROWS


# The (time, UETR) keyset runs on both stores in the payments walk above; the queue's and the
# holds' are the same construct, walked on SQLite.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_queue_and_holds(api: Api) -> None:
    queued = {api.pay(UCO, SBI, 1_00)["uetr"] for _ in range(ROWS)}  # UCO has no liquidity
    exactly_once(walk(api, "/v1/queue", "uetr", lambda n: api.pay(UCO, SBI, 1_00)), queued)
    api.ok(
        "PUT",
        "/v1/compliance/lists/sanctions?format=ftm",
        content=LATIN.read_bytes(),
        headers=api.operator | NDJSON,
    )
    hit = {"creditor_name": "Газпромбанк"}
    held = {api.pay(SBI, UCO, 1_00, **hit)["uetr"] for _ in range(ROWS)}
    exactly_once(
        walk(api, "/v1/compliance/holds", "uetr", lambda n: api.pay(SBI, UCO, 1, **hit)), held
    )


# Lists held whole, and plain id keysets: the same on both stores, walked on SQLite. The keysets
# on (time, UETR) tuples above run on both.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_participants_limits_and_keys(api: Api) -> None:
    made = bics("PG", ROWS)
    for bic in made:
        register(api, bic)
    later = iter(bics("PH", ROWS))
    seen = walk(api, "/v1/participants", "bic", lambda n: register(api, next(later)))
    exactly_once(seen, set(made))
    assert seen == sorted(seen)

    def limit(bic: str, code: str = "INR") -> None:
        body = {"per_payment_max_minor": 10_000_00, "per_day_max_minor": None}
        api.ok("PUT", f"/v1/compliance/limits/{bic}/trade/{code}", json=body)

    for bic in made:
        limit(bic)
    fresh = iter(made)
    triple = lambda x: (x["participant"], x["flow"], x["currency"])  # noqa: E731
    seen = walk(api, "/v1/compliance/limits", triple, lambda n: limit(next(fresh), "RUB"))
    exactly_once(seen, {(bic, "trade", "INR") for bic in made})

    def key(n: int = 0) -> str:
        body = {"role": "auditor", "label": f"auditor {n}"}
        return str(api.ok("POST", "/v1/keys", 201, json=body)["key_id"])

    keys = {key(n) for n in range(ROWS)}
    exactly_once(walk(api, "/v1/keys", "key_id", key), keys)


@sqlite_only
def test_runs_windows_and_lists(api: Api) -> None:
    for _ in range(ROWS):
        api.ok("POST", "/v1/settlement/lsm-runs", 201, json={"currency": "INR"})
    runs = walk(
        api,
        "/v1/settlement/runs",
        "run_id",
        lambda n: api.ok("POST", "/v1/settlement/lsm-runs", 201, json={"currency": "INR"}),
    )
    assert len(runs) == len(set(runs)) == ROWS and runs == sorted(runs, reverse=True)

    for bic in (SBI, UCO):
        body = {"mode": "dns", "net_debit_cap_minor": 10**9}
        api.ok("PUT", f"/v1/settlement/modes/{bic}/INR", json=body)

    def window(n: int = 0) -> None:
        api.pay(SBI, UCO, 1_00)
        api.ok("POST", "/v1/settlement/windows/INR/close")

    for _ in range(ROWS):
        window()
    windows = walk(api, "/v1/settlement/windows", "id", window)
    assert len(windows) == len(set(windows)) >= ROWS and windows == sorted(windows, reverse=True)

    def upload(name: str) -> None:
        csv = f"id,name\n{name},Listed Name {name}\n".encode()
        headers = api.operator | {"content-type": "text/csv"}
        api.ok("PUT", f"/v1/compliance/lists/{name}?format=csv", content=csv, headers=headers)

    names = [f"list-{i:04d}" for i in range(ROWS)]
    for name in names:
        upload(name)
    seen = walk(api, "/v1/compliance/lists", "name", lambda n: upload(f"more-{uuid.uuid4().hex}"))
    exactly_once(seen, set(names))


@sqlite_only
@pytest.mark.parametrize(
    "path", ["/v1/payments", "/v1/audit", "/v1/queue", "/v1/keys", "/v1/compliance/holds"]
)
def test_a_cursor_from_elsewhere_is_refused(api: Api, path: str) -> None:
    response = api.client.get(path, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=api.operator)
    assert response.status_code == 422 and response.json()["code"] == "FF01"
    assert "cursor" in response.json()["detail"]


@sqlite_only
def test_any_cursor_of_the_pattern_is_a_position(api: Api) -> None:
    api.pay(SBI, UCO, 1_00)
    beyond = f"{10**19 - 1}~{uuid.UUID(int=0, version=4)}"
    page = api.ok("GET", "/v1/payments", params={"cursor": beyond})
    assert len(page["items"]) == 1 and page["next_cursor"] is None  # older than "the future"
    assert api.ok("GET", "/v1/payments", params={"cursor": f"0~{uuid.uuid4()}"})["items"] == []

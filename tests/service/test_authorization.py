"""The authorisation matrix: every endpoint × every role × the caller's own or another
participant's resource, with the exact status; and no key, a malformed key and a revoked key
refused everywhere.

The rule: a participant asking about another participant's resource gets 404 (ids do not leak);
a role that may never do an action gets 403 (auditors never write; participants never
administer), given before anything is looked up, so it says nothing about what exists. "own"
is the resource's owner acting on it (State Bank of India, unless a row names another); "other"
is UCO Bank acting on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import FXP, SBI, UCO, VTB, Api, bearer, build
from tests.service.live import writer_beside
from vostro.config import Settings
from vostro.service.app import worker_app
from vostro.service.bootstrap import prepare

ROLES = ("operator", "auditor", "own", "other")
UNGUARDED = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The app as an HTTP worker of `vostro serve --workers N` runs it: every write of the
    matrix crosses the socket to the writer process (pickled there and back), so each
    endpoint's command and answer are shown to travel; the rest of the suite runs the writer
    in the app's own process."""
    url = f"sqlite:///{tmp_path_factory.mktemp('authz') / 'v.db'}"
    key = prepare(url)
    with (
        writer_beside(url) as (socket, token),
        TestClient(
            worker_app(socket, token, Settings(database_url=url)), raise_server_exceptions=False
        ) as client,
    ):
        yield build(client, key)


def caller(api: Api, role: str, owner: str = SBI) -> dict[str, str]:
    return {
        "operator": api.operator,
        "auditor": api.auditor,
        "own": api.keys[owner],
        "other": api.keys[UCO],
    }[role]


def queued(api: Api, role: str) -> dict[str, str]:
    """A fresh payment of SBI's waiting in the queue (more than it has)."""
    del role
    paid = api.pay(SBI, VTB, 10**15)
    assert paid["state"] == "queued"
    return {"uetr": paid["uetr"]}


def settled_to_sbi(api: Api, role: str) -> dict[str, str]:
    del role
    return {"uetr": api.pay(FXP, SBI, 1_00)["uetr"]}


def a_list(api: Api, role: str) -> dict[str, str]:
    name = f"to-remove-{role}"
    api.ok(
        "PUT",
        f"/v1/compliance/lists/{name}?format=csv",
        content=b"id,name\nx,Someone\n",
        headers=api.operator | {"content-type": "text/csv"},
    )
    return {"name": name}


def a_limit(api: Api, role: str) -> dict[str, str]:
    """A limit of SBI's remittances in rupees, set afresh (the matrix's payments are trade: a
    limit left in place by a role that may not remove it stops none of them)."""
    del role
    api.ok("PUT", "/v1/compliance/limits/SBININBB/remittance/INR", json={"per_day_max_minor": 1})
    return {"flow": "remittance"}


def held(api: Api, role: str) -> dict[str, str]:
    """A fresh payment of SBI's held by a screening hit."""
    del role
    api.ok(
        "PUT",
        "/v1/compliance/lists/matrix?format=csv",
        content=b"id,name\nm1,Listed Trading House\n",
        headers=api.operator | {"content-type": "text/csv"},
    )
    paid = api.pay(SBI, VTB, 1_00, creditor_name="Listed Trading House")
    assert paid["state"] == "held", paid
    return {"uetr": paid["uetr"]}


def sbi_payment(api: Api, role: str) -> dict[str, str]:
    del role
    return {"uetr": api.pay(SBI, VTB, 1_00)["uetr"]}


def sbi_quote(api: Api, role: str) -> dict[str, str]:
    del role
    q = api.ok(
        "POST",
        "/v1/fx/quotes",
        201,
        headers=api.keys[SBI],
        json={
            "provider": FXP,
            "source_currency": "INR",
            "target_currency": "RUB",
            "source_amount_minor": 1_000_00,
        },
    )
    return {"quote_id": q["id"]}


def sbi_key(api: Api, role: str) -> dict[str, str]:
    del role
    made = api.ok(
        "POST", "/v1/keys", 201, json={"role": "participant", "bic": SBI, "label": "spare"}
    )
    return {"key_id": made["key_id"]}


def payment_body(api: Api, role: str) -> dict[str, Any]:
    del api, role
    return {
        "uetr": str(uuid.uuid4()),
        "end_to_end_id": uuid.uuid4().hex[:20],
        "debtor_agent": SBI,
        "creditor_agent": VTB,
        "amount_minor": 1_00,
        "currency": "INR",
    }


def new_bank(api: Api, role: str) -> dict[str, Any]:
    del api
    bic = {"operator": "IDIBINBB", "auditor": "INDBINBB", "own": "BARBINBB", "other": "CNRBINBB"}
    return {"bic": bic[role], "name": "A bank", "roles": ["bank"], "currencies": ["INR"]}


AHEAD = (date.today() + timedelta(days=20)).isoformat()  # a later day of every calendar


def inr_day(api: Api, role: str) -> dict[str, str]:
    del role
    return {"day": next(c["day"] for c in api.ok("GET", "/v1/calendar") if c["currency"] == "INR")}


def closure_ahead(api: Api, role: str) -> dict[str, str]:
    del role
    body = {"closed": True, "reason": "matrix"}
    api.ok("PUT", f"/v1/calendar/INR/closures/{AHEAD}", json=body)
    return {"day": AHEAD}


def rouble_day(api: Api, role: str) -> dict[str, str]:
    """The rouble operating day now (roubles only: closing it early leaves rupees alone)."""
    del role
    day = next(c["day"] for c in api.ok("GET", "/v1/calendar") if c["currency"] == "RUB")
    return {"currency": "RUB", "day": day}


def vtb_statement(api: Api, role: str) -> dict[str, str]:
    """VTB Bank's rouble statement of a rouble day closed now."""
    day = rouble_day(api, role)["day"]
    api.ok("POST", f"/v1/days/RUB/{day}/close")
    return {"currency": "RUB", "day": day, "file": f"{VTB}-settlement-RUB-{day}.xml"}


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expect: tuple[int, int, int, int]  # operator, auditor, own, other
    body: Callable[[Api, str], Any] | dict[str, Any] | None = None
    setup: Callable[[Api, str], dict[str, str]] | None = None
    content: bytes | None = None  # a raw body (a list upload) instead of JSON
    owner: str = SBI  # whose resource it is; "own" is its key


CASES = [
    Case("GET", "/v1/participants", (200, 200, 200, 200)),
    Case("POST", "/v1/participants", (201, 403, 403, 403), new_bank),
    Case("GET", "/v1/participants/{bic}", (200, 200, 200, 404)),
    Case("POST", "/v1/participants/{bic}/suspend", (200, 403, 403, 404), {"reason": "test"}),
    Case("POST", "/v1/participants/{bic}/reinstate", (200, 403, 403, 404), {"reason": "test"}),
    Case(
        "POST",
        "/v1/participants/{bic}/funds",
        (200, 403, 403, 404),
        {"currency": "INR", "amount_minor": 100},
    ),
    Case(
        "POST",
        "/v1/participants/{bic}/defunds",
        (200, 403, 403, 404),
        {"currency": "INR", "amount_minor": 100},
    ),
    Case(
        "POST",
        "/v1/participants/{bic}/aliases",
        (200, 403, 403, 404),
        {"alias": "USABA:011104238"},
    ),
    Case("GET", "/v1/participants/{bic}/accounts", (200, 200, 200, 404)),
    Case("GET", "/v1/participants/{bic}/statement?currency=INR", (200, 200, 200, 404)),
    Case(
        "PUT",
        "/v1/participants/{bic}/fees/{code}",
        (200, 403, 403, 404),
        {"fixed_minor": 0, "rate_bps": 0},
    ),
    Case(
        "POST",
        "/v1/fx/quotes",
        (201, 403, 201, 404),
        {
            "provider": FXP,
            "source_currency": "INR",
            "target_currency": "RUB",
            "source_amount_minor": 1_000_00,
            "payer": SBI,
        },
    ),
    Case("GET", "/v1/fx/quotes/{quote_id}", (200, 200, 200, 404), setup=sbi_quote),
    Case(
        "POST",
        "/v1/fx/rates",
        (201, 403, 403, 403),
        {
            "rates": [
                {
                    "base": "USD",
                    "quote": "INR",
                    "rate": "84.5",
                    "as_of": "2026-11-27",
                    "source": "test",
                }
            ]
        },
    ),
    Case("GET", "/v1/fx/rates/{base}/{quote}", (200, 200, 200, 200)),
    Case(
        "PUT",
        "/v1/fx/standing-rates/{provider}/{source}/{target}",
        (200, 403, 404, 404),
        {"tiers": [{"min_source_minor": 0, "spread_bps": 150}]},
    ),
    Case("POST", "/v1/payments", (201, 403, 201, 404), payment_body),
    Case("GET", "/v1/payments", (200, 200, 200, 200)),
    Case("GET", "/v1/payments/{uetr}", (200, 200, 200, 404), setup=sbi_payment),
    Case("POST", "/v1/payments/{uetr}/cancel", (200, 403, 200, 404), setup=queued),
    Case(
        "POST",
        "/v1/payments/{uetr}/priority",
        (200, 403, 200, 404),
        {"priority": "urgent"},
        setup=queued,
    ),
    Case(
        "POST",
        "/v1/payments/{uetr}/return",
        (201, 403, 201, 404),
        {"reason": "test"},
        setup=settled_to_sbi,
    ),
    Case("GET", "/v1/queue", (200, 200, 200, 200)),
    Case("POST", "/v1/settlement/lsm-runs", (201, 403, 403, 403), {"currency": "INR"}),
    Case("GET", "/v1/settlement/runs", (200, 200, 403, 403)),
    Case("GET", "/v1/settlement/windows", (200, 200, 403, 403)),
    Case("POST", "/v1/settlement/windows/{code}/close", (200, 403, 403, 403)),
    Case("PUT", "/v1/settlement/modes/{bic}/{code}", (200, 403, 403, 404), {"mode": "rtgs"}),
    Case(
        "PUT",
        "/v1/settlement/net-debit-caps/{bic}/{code}",
        (200, 403, 403, 404),
        {"net_debit_cap_minor": 5_000_00},
    ),
    Case(
        "PUT",
        "/v1/settlement/bilateral-limits/{bic}/{counterparty}/{code}",
        (200, 403, 403, 404),
        {"limit_minor": 1_000_00},
    ),
    Case("GET", "/v1/vostro/report?bic={bic}", (200, 200, 200, 404)),
    Case("POST", "/v1/vostro/close-day", (200, 403, 403, 403)),
    Case(
        "PUT",
        "/v1/vostro/settings/{bic}",
        (200, 403, 403, 404),
        {"threshold_minor": 0, "annual_yield": "0.065"},
        owner=VTB,
    ),
    Case("GET", "/v1/corridor/totals", (200, 200, 200, 200)),
    Case(
        "POST",
        "/v1/keys",
        (201, 403, 403, 403),
        {"role": "participant", "bic": SBI, "label": "matrix"},
    ),
    Case("GET", "/v1/keys", (200, 200, 200, 200)),
    Case("POST", "/v1/keys/{key_id}/rotate", (201, 403, 201, 404), setup=sbi_key),
    Case("POST", "/v1/keys/{key_id}/revoke", (200, 403, 200, 404), setup=sbi_key),
    Case("GET", "/v1/audit", (200, 200, 403, 403)),
    Case("GET", "/v1/dashboard", (200, 200, 200, 200)),
    Case("GET", "/v1/compliance/lists", (200, 200, 403, 403)),
    Case(
        "PUT",
        "/v1/compliance/lists/{name}?format=csv",
        (200, 403, 403, 403),
        content=b"id,name\nx1,Listed Trading House\n",
    ),
    Case(
        "POST",
        "/v1/compliance/lists/{name}/remove",
        (200, 403, 403, 403),
        {"reason": "t"},
        setup=a_list,
    ),
    Case("POST", "/v1/compliance/screen", (200, 200, 403, 403), {"name": "Gazprombank"}),
    Case("GET", "/v1/compliance/holds", (200, 200, 403, 403)),
    Case(
        "POST",
        "/v1/compliance/holds/{uetr}/release",
        (200, 403, 403, 403),
        {"reason": "cleared"},
        setup=held,
    ),
    Case(
        "POST",
        "/v1/compliance/holds/{uetr}/reject",
        (200, 403, 403, 403),
        {"reason": "match"},
        setup=held,
    ),
    Case("GET", "/v1/compliance/limits", (200, 200, 403, 403)),
    Case(
        "PUT",
        "/v1/compliance/limits/{participant}/{flow}/{code}",
        (200, 403, 403, 403),
        {"per_payment_max_minor": 10**15},
    ),
    Case(
        "DELETE",
        "/v1/compliance/limits/{participant}/{flow}/{code}",
        (200, 403, 403, 403),
        setup=a_limit,
    ),
    Case("GET", "/v1/payments/{uetr}/status", (200, 200, 200, 404), setup=sbi_payment),
    Case("GET", "/v1/payments/{uetr}/screenings", (200, 200, 403, 404), setup=sbi_payment),
    Case("GET", "/v1/exports/ledger.beancount", (200, 403, 403, 403)),
    Case("GET", "/v1/exports/{table}.csv", (200, 403, 403, 403)),
    Case("GET", "/v1/calendar", (200, 200, 200, 200)),
    Case("PUT", "/v1/calendar/{currency}/schedule", (200, 403, 403, 403), {"always_open": True}),
    Case(
        "PUT",
        "/v1/calendar/{currency}/closures/{day}",
        (200, 403, 403, 403),
        {"closed": True, "reason": "matrix"},
    ),
    Case(
        "DELETE",
        "/v1/calendar/{currency}/closures/{day}",
        (200, 403, 403, 403),
        setup=closure_ahead,
    ),
    Case("PUT", "/v1/participants/{bic}/end-of-day", (200, 403, 403, 404), {"carry": False}),
    Case("GET", "/v1/days/{currency}/{day}", (200, 200, 403, 403), setup=inr_day),
    Case("POST", "/v1/days/{currency}/{day}/close", (200, 403, 403, 403), setup=rouble_day),
    Case("GET", "/v1/days/{day}/statements", (200, 200, 200, 200)),
    Case(
        "GET",
        "/v1/days/{day}/statements/{file}",
        (200, 200, 200, 404),
        setup=vtb_statement,
        owner=VTB,
    ),
]
FIXED = {
    "name": "operator-own",
    "participant": SBI,
    "flow": "trade",
    "bic": SBI,
    "counterparty": VTB,
    "code": "INR",
    "base": "USD",
    "quote": "INR",
    "provider": FXP,
    "source": "RUB",
    "target": "INR",
    "table": "transfers",
    "day": AHEAD,
    "currency": "INR",
}


def _request(api: Api, case: Case, role: str, headers: dict[str, str]) -> Any:
    params = FIXED | {"bic": case.owner}
    if case.setup is not None:
        params |= case.setup(api, role)
    body = case.body(api, role) if callable(case.body) else case.body
    if case.content is not None:
        return api.client.request(
            case.method,
            case.path.format(**params),
            content=case.content,
            headers=headers | {"content-type": "text/csv"},
        )
    return api.client.request(case.method, case.path.format(**params), json=body, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_every_endpoint_gives_each_role_exactly_its_status(api: Api, case: Case) -> None:
    seen = tuple(
        _request(api, case, role, caller(api, role, case.owner)).status_code for role in ROLES
    )
    assert seen == case.expect, dict(zip(ROLES, seen, strict=True))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_no_key_a_malformed_key_and_a_revoked_key_are_refused(api: Api, case: Case) -> None:
    revoked = api.ok("POST", "/v1/keys", 201, json={"role": "operator", "label": "to revoke"})
    api.ok("POST", f"/v1/keys/{revoked['key_id']}/revoke")
    for headers in (
        {},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        bearer(revoked["key"][:-1] + ("A" if revoked["key"][-1] != "A" else "B")),
        bearer(revoked["key"]),
    ):
        response = _request(api, case, "operator", headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "WWW-Authenticate" in response.headers


def test_the_matrix_covers_every_endpoint_of_the_openapi_document(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    published = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    } - UNGUARDED
    covered = {(case.method, case.path.split("?")[0]) for case in CASES}
    missing = published - covered
    assert not missing, f"endpoints without a row in the matrix: {sorted(missing)}"


def test_a_participant_never_sees_another_participants_payments(api: Api) -> None:
    mine = api.pay(SBI, VTB, 1_00)
    listed = api.ok("GET", "/v1/payments?limit=500", headers=api.keys[UCO])["items"]
    assert mine["uetr"] not in {p["uetr"] for p in listed}
    dashboard = api.ok("GET", "/v1/dashboard", headers=api.keys[UCO])
    assert {b["bic"] for b in dashboard["balances"]} <= {UCO}
    assert [p["bic"] for p in dashboard["participants"]] == [UCO]

"""The export endpoints over HTTP, on each backend: the operator downloads the ledger as a
Beancount file that checks and balances, and every table as CSV; nobody else may."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core import data, realization

from tests.service.conftest import FXP, SBI, UCO, VTB, Api
from vostro.money import currency_by_ledger
from vostro.store.exports import ExportTable, snapshot


@pytest.fixture
def paid(api: Api) -> Api:
    api.pay(SBI, UCO, 1_234_00)
    api.pay(SBI, VTB, 50_000_00)  # into VTB's rupee vostro at UCO Bank
    quote = api.ok(
        "POST",
        "/v1/fx/quotes",
        201,
        headers=api.keys[VTB],
        json={
            "provider": FXP,
            "source_currency": "RUB",
            "target_currency": "INR",
            "source_amount_minor": 10_000_00,
        },
    )
    cross = api.pay(VTB, SBI, 10_000_00, "RUB", target_currency="INR", quote_id=quote["id"])
    assert cross["state"] == "settled", cross
    return api


def test_the_operator_downloads_a_beancount_ledger_that_balances(paid: Api) -> None:
    response = paid.client.get("/v1/exports/ledger.beancount", headers=paid.operator)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert 'filename="ledger.beancount"' in response.headers["content-disposition"]
    entries, errors, _ = loader.load_string(response.text)
    assert errors == [], [e.message for e in errors]
    root = realization.realize(entries)
    store = paid.app.state.service.platform.store
    opened = {e.meta["vostro_id"]: e for e in entries if isinstance(e, data.Open)}
    accounts = store.all_accounts()
    assert len(opened) == len(accounts)
    for a in accounts:
        code = currency_by_ledger(a.ledger)
        balance = realization.get(root, opened[str(a.id)].account).balance
        expected = Decimal(a.debits_posted - a.credits_posted).scaleb(-code.exponent)
        assert balance.get_currency_units(code.code).number == expected


def test_the_operator_downloads_every_table_as_csv(paid: Api) -> None:
    store = paid.app.state.service.platform.store
    with snapshot(store) as reader:
        journal = [e for batch in reader.journal() for e in batch]
    for table in ExportTable:
        response = paid.client.get(f"/v1/exports/{table}.csv", headers=paid.operator)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        if table is ExportTable.TRANSFERS:
            assert [r["id"] for r in rows] == [str(e.id) for e in journal]
            assert [int(r["amount_minor"]) for r in rows] == [e.amount for e in journal]
        if table is ExportTable.PAYMENTS:
            assert {r["state"] for r in rows} == {"settled"} and len(rows) == 3


def test_participants_and_auditors_may_not_export(paid: Api) -> None:
    for headers in (paid.keys[SBI], paid.auditor):
        for path in ("/v1/exports/ledger.beancount", "/v1/exports/payments.csv"):
            response = paid.client.get(path, headers=headers)
            assert response.status_code == 403, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_table_is_refused_naming_the_tables(paid: Api) -> None:
    response = paid.client.get("/v1/exports/api_keys.csv", headers=paid.operator)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "FF01" and "accounts" in problem["detail"]

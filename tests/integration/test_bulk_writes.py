"""Many rows written at once (`store.bulk`): COPY and one UPDATE on PostgreSQL, executemany on
SQLite; the rows come back exactly as written on both."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from vostro.errors import InvariantViolation
from vostro.payments.model import State
from vostro.store import Store, bulk
from vostro.store.schema import payment_events, payments


def _row(n: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "uetr": f"00000000-0000-4000-8000-{n:012d}",
        "payment_id": (n << 16).to_bytes(16, "big"),
        "end_to_end_id": f"E2E-{n}",
        "debtor_agent": "SBININBB",
        "creditor_agent": "UCBAINBB",
        "flow": "trade",
        "source_currency": "INR",
        "source_amount_minor": 10**15 + n,  # beyond 32 bits
        "target_currency": "INR",
        "target_amount_minor": 10**15 + n,
        "quote_id": None,
        "fx_provider": None,
        "rate": None,
        "reference_rate": None,
        "fee_minor": 0,
        "fx_margin_minor": 0,
        "cost_minor": 0,
        "cost_bps": "0",
        "debtor_name": 'Importer, "Quoted"\tand\\slashed',  # COPY's special characters
        "creditor_name": "Поставщик",
        "purpose": None,
        "remittance_info": "line one\nline two",
        "state": State.RECEIVED,
        "reason_code": None,
        "reason": None,
        "original_uetr": None,
        "settlement_date": None,
        "created_at": 1,
        "updated_at": 1,
    }
    row.update(changes)
    return row


def _read(store: Store) -> dict[str, dict[str, object]]:
    with store.engine.connect() as conn:
        return {r.uetr: dict(r._mapping) for r in conn.execute(sa.select(payments))}


def test_rows_inserted_and_updated_together_read_back_exactly(store: Store) -> None:
    rows = [_row(n) for n in range(40)]
    changed = [
        {
            **{k: v for k, v in _row(n).items() if k not in ("payment_id", "created_at")},
            "state": State.REJECTED,
            "reason_code": "AM04",
            "reason": "short of liquidity; it's 'quoted'",
            "settlement_date": date(2027, 1, 26),
            "rate": "91.2345",
            "updated_at": 2,
        }
        for n in range(0, 40, 3)
    ]
    with store.engine.begin() as conn:
        bulk.insert_rows(conn, payments, rows)
        bulk.insert_rows(
            conn,
            payment_events,
            [
                {
                    "uetr": r["uetr"],
                    "at": 1,
                    "state": State.RECEIVED,
                    "reason_code": None,
                    "reason": None,
                }
                for r in rows
            ],
        )
        bulk.update_rows(conn, payments, "uetr", changed)
    stored = _read(store)
    assert len(stored) == 40
    for n in range(40):
        want = _row(n)
        if n % 3 == 0:
            want.update(changed[n // 3])
        got = stored[str(want["uetr"])]
        assert {k: got[k] for k in want} == {k: want[k] for k in want}
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(payment_events)).scalar() == 40


def test_rows_with_different_columns_are_refused_and_nothing_is_written(store: Store) -> None:
    with (
        pytest.raises(InvariantViolation, match="different columns"),
        store.engine.begin() as conn,
    ):
        bulk.insert_rows(conn, payments, [_row(1), {**_row(2), "extra": 1}])
    assert _read(store) == {}


def test_an_update_that_names_no_row_changes_nothing(store: Store) -> None:
    with store.engine.begin() as conn:
        bulk.insert_rows(conn, payments, [_row(1)])
        bulk.update_rows(conn, payments, "uetr", [{"uetr": "nobody", "state": State.SETTLED}])
        bulk.update_rows(conn, payments, "uetr", [])
    assert _read(store)[str(_row(1)["uetr"])]["state"] == State.RECEIVED

"""Migration 0007 on a database written before text was checked: it reports every text no wire
carries, cleans it (U+FFFD in free text, "?" in end-to-end ids, kept unique), and afterwards the
payments render as messages again; on both stores."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from vostro.config import Settings
from vostro.iso20022.outbound import payment_status_report
from vostro.platform import Platform
from vostro.store import Store, open_store
from vostro.store.base import alembic_config
from vostro.store.schema import participants, payment_events, payments
from vostro.text import PARTY_NAME, forbidden

XSD = Settings().iso20022_xsd_dir
BEFORE = "0006_compliance"
SBI, UCO, OPERATOR = "SBININBB", "UCBAINBB", "VSTRINBB"
UETRS = [f"3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a{n:02d}" for n in range(4)]


def store_at(url: str, revision: str) -> Store:
    """The store with its schema migrated only up to `revision`."""
    if url.startswith("sqlite"):
        from vostro.store.sqlite import SqliteStore

        store: Store = SqliteStore(url)
    else:
        from vostro.store.postgres import PostgresStore

        store = PostgresStore(url)
    config = alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return store


def payment_row(n: int, e2e: str, **text: Any) -> dict[str, Any]:
    return {
        "uetr": UETRS[n],
        "payment_id": (n + 1).to_bytes(16, "big"),
        "end_to_end_id": e2e,
        "debtor_agent": SBI,
        "creditor_agent": UCO,
        "flow": "trade",
        "source_currency": "INR",
        "source_amount_minor": 100,
        "target_currency": "INR",
        "target_amount_minor": 100,
        "fee_minor": 0,
        "fx_margin_minor": 0,
        "cost_minor": 0,
        "cost_bps": "0",
        "debtor_name": "",
        "creditor_name": "",
        "state": "rejected",
        "reason_code": "FF01",
        "remittance_info": None,
        "reason": None,
        "created_at": n,
        "updated_at": n,
        **text,
    }


def participant_row(bic: str, number: int, name: str, roles: str = "bank") -> dict[str, Any]:
    return {
        "bic": bic,
        "number": number,
        "name": name,
        "country": bic[4:6],
        "roles": roles,
        "currencies": "INR",
        "correspondent_bic": None,
        "status": "active",
        "created_at": 0,
    }


def test_the_migration_reports_and_cleans_text_no_wire_carries(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    nul = "\x00" if database_url.startswith("sqlite") else "\x01"  # PostgreSQL stores no NUL
    old = store_at(database_url, BEFORE)
    with old.engine.begin() as conn:
        conn.execute(
            participants.insert(),
            [
                participant_row(OPERATOR, 1, "operator", "operator"),
                participant_row(SBI, 2, f"State{nul}Bank"),
                participant_row(UCO, 3, "UCO Bank"),
            ],
        )
        conn.execute(
            payments.insert(),
            [
                payment_row(0, "E\x01X", debtor_name=f"Ivan{nul}ov", creditor_name="\x1b[31mred"),
                payment_row(1, "E\x02X", remittance_info="ok\x85", reason="bad \u202e reason"),
                payment_row(2, "INV_1", debtor_name="Сергей Иванов"),  # fine XML: kept
                payment_row(3, "CLEAN-1", debtor_name="राम कुमार"),
            ],
        )
        conn.execute(
            payment_events.insert().values(uetr=UETRS[0], at=0, state="rejected", reason="x\x07y")
        )
    old.dispose()

    with caplog.at_level(logging.INFO, logger="vostro.store.migrations"):
        open_store(database_url).dispose()  # migrates to the head revision
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "participants.name of {'bic': 'SBININBB'}" in logged
    assert f"'State\\\\x{ord(nul):02x}Bank' -> 'State\ufffdBank'" in logged
    assert "payments.end_to_end_id" in logged and "payment_events.reason" in logged
    assert "8 stored texts held characters no wire can carry" in logged
    assert "1 end-to-end ids are outside the ISO 20022 restricted character set" in logged

    with Platform.open(database_url) as platform:
        sbi = platform.registry.get(SBI)
        assert sbi.name == "State\ufffdBank"
        found = [platform.payments.get(u) for u in UETRS]
        e2e = sorted(p.end_to_end_id for p in found[:2])
        assert e2e[0] == "E?X" and e2e[1] in {f"E?X-{u[:8]}" for u in UETRS[:2]}  # kept unique
        assert (found[0].debtor_name, found[0].creditor_name) == ("Ivan\ufffdov", "\ufffd[31mred")
        assert (found[1].remittance_info, found[1].reason) == ("ok\ufffd", "bad \ufffd reason")
        assert found[2].end_to_end_id == "INV_1" and found[3].debtor_name == "राम कुमार"
        assert found[0].events[0].reason == "x\ufffdy"
        for p in found:
            assert all(PARTY_NAME.problem(t) is None for t in (p.debtor_name, p.creditor_name))
            assert forbidden(p.end_to_end_id) is None
            payment_status_report(p, XSD, operator_bic=OPERATOR)  # renders and validates

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="vostro.store.migrations"):
        again = store_at(database_url, BEFORE)  # down to 0006 (business_messages dropped) ...
        with again.engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, BEFORE)
            assert "business_messages" not in sa.inspect(conn).get_table_names()
        again.dispose()
        open_store(database_url).dispose()  # ... and up again: nothing left to clean
    assert "every stored text can be carried by every wire" in caplog.text

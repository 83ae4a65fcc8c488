"""Exports of a corridor's days (cross-currency PvP payments, a return, a held reservation, a
voided one, a queued payment, an LSM run, the treasury's day close), on SQLite and PostgreSQL:
the Beancount file checks and balances to the ledger, the Parquet and CSV tables read back with
pyarrow, pandas and DuckDB to the ledger's figures, and every account's camt.053 is written."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from beancount import loader
from beancount.core import data, realization

from tests.corridor import SBER, SBI
from tests.exports_corridor import ExportCorridor, pay, run
from vostro.config import Settings
from vostro.exports.beancount import ledger_file
from vostro.exports.statements import write_statements
from vostro.exports.tables import schema, write_csv, write_parquet
from vostro.ledger.types import Account
from vostro.money import currency_by_ledger
from vostro.store import Store
from vostro.store.exports import ExportTable, snapshot
from vostro.store.verify import verify

XSD = Settings().iso20022_xsd_dir


@pytest.fixture
def days(store: Store) -> Iterator[ExportCorridor]:
    made = run(store)
    yield made
    made.corridor.ledger.close()


def units(minor: int, ledger: int) -> Decimal:
    return Decimal(minor).scaleb(-currency_by_ledger(ledger).exponent)


def beancount_file(store: Store, path: Path) -> Path:
    with snapshot(store) as reader, path.open("w", encoding="utf-8") as file:
        file.writelines(ledger_file(reader))
    return path


def beancount_balances(path: Path) -> tuple[list[data.Directive], dict[str, Decimal]]:
    entries, errors, _options = loader.load_file(str(path))
    assert errors == [], [e.message for e in errors]
    root = realization.realize(entries)
    opens = [e for e in entries if isinstance(e, data.Open)]
    balances = {}
    for opened in opens:
        (currency,) = opened.currencies
        balances[opened.meta["vostro_id"]] = (
            realization.get(root, opened.account).balance.get_currency_units(currency).number
        )
    return entries, balances


def test_bean_check_passes_and_every_account_balances_to_the_ledger(
    days: ExportCorridor, store: Store, tmp_path: Path
) -> None:
    path = beancount_file(store, tmp_path / "ledger.beancount")
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "bean-check"), str(path)], capture_output=True
    )
    assert checked.returncode == 0, checked.stderr
    entries, balances = beancount_balances(path)
    accounts = store.all_accounts()
    assert len(balances) == len(accounts) == 18
    for a in accounts:  # debits positive: Beancount's balance is debits − credits, exactly
        assert balances[str(a.id)] == units(a.debits_posted - a.credits_posted, a.ledger), a
    asserted = [e for e in entries if isinstance(e, data.Balance)]
    assert len(asserted) == len(accounts) and all(b.tolerance == 0 for b in asserted)
    assert verify(store).ok


def test_only_what_the_ledger_posted_becomes_a_transaction(
    days: ExportCorridor, store: Store, tmp_path: Path
) -> None:
    entries, _ = beancount_balances(beancount_file(store, tmp_path / "ledger.beancount"))
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    ids = {t.meta["transfer_id"] for t in transactions}
    held, rejected = days.payments["held"], days.payments["rejected"]
    for reserved in (held.payment_id | 1, rejected.payment_id | 1, rejected.payment_id | 0x21):
        assert store.get_transfers([reserved])  # in the journal, but moved no posted balance
        assert str(reserved) not in ids
    with snapshot(store) as reader:
        posted = [e for batch in reader.journal(posted_only=True) for e in batch]
    assert sorted(ids) == sorted(str(e.id) for e in posted)
    remittance = days.payments["remittance"]
    legs = [t for t in transactions if t.meta.get("uetr") == remittance.uetr]
    assert sorted(t.narration for t in legs) == ["fee", "fx_leg", "fx_leg"]  # PvP: both legs
    assert {p.units.currency for t in legs for p in t.postings} == {"RUB", "INR"}
    for t in transactions:
        (debit, credit) = t.postings
        assert debit.units.number == -credit.units.number > 0


def test_the_export_reads_one_snapshot_while_payments_go_on(
    days: ExportCorridor, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "ledger.beancount"
    with snapshot(store) as reader, path.open("w", encoding="utf-8") as file:
        chunks = ledger_file(reader)
        file.write(next(chunks))  # the header
        file.write(next(chunks))  # the accounts: the snapshot is taken
        late = pay(days.corridor, SBI, SBER, 99_00, "INR")  # committed during the export
        file.writelines(chunks)
    _, balances = beancount_balances(path)  # the balances are those of the snapshot
    assert late.uetr not in path.read_text()
    sbi = days.corridor.registry.get(SBI).paying_account("INR")
    (now,) = store.get_accounts([sbi])
    assert balances[str(sbi)] == units(now.debits_posted - now.credits_posted, now.ledger) - 99


def ledger_totals(accounts: list[Account]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for a in accounts:
        code = currency_by_ledger(a.ledger).code
        totals[code] = totals.get(code, 0) + a.debits_posted
    return totals


def test_parquet_tables_read_back_with_the_ledgers_balances(
    days: ExportCorridor, store: Store, tmp_path: Path
) -> None:
    with snapshot(store) as reader:
        written = write_parquet(reader, tmp_path)
    assert written[ExportTable.PAYMENTS] == len(days.payments)
    for table in ExportTable:
        assert pq.read_schema(tmp_path / f"{table}.parquet") == schema(table)
    frame = pd.read_parquet(tmp_path / "accounts.parquet").set_index("id")
    for a in store.all_accounts():  # what `vostro accounts` shows, row by row
        row = frame.loc[str(a.id)]
        assert (row.debits_posted, row.credits_posted) == (a.debits_posted, a.credits_posted)
        assert row.balance_minor == a.balance_posted
        assert row.currency == currency_by_ledger(a.ledger).code
    transfers = pq.read_table(tmp_path / "transfers.parquet").to_pylist()
    with snapshot(store) as reader:
        journal = [e for batch in reader.journal() for e in batch]
    assert [t["id"] for t in transfers] == [str(e.id) for e in journal]
    assert max(int(t["id"]) for t in transfers) > 2**100  # 128-bit ids, exact as strings
    assert {t["phase"] for t in transfers} == {"single", "pending", "post_pending", "void_pending"}
    assert {t["pending_status"] for t in transfers if t["phase"] == "pending"} == {
        "pending",
        "posted",
        "voided",
    }


def test_payments_carry_their_states_and_costs(
    days: ExportCorridor, store: Store, tmp_path: Path
) -> None:
    with snapshot(store) as reader:
        write_parquet(reader, tmp_path)
    payments = pd.read_parquet(tmp_path / "payments.parquet").set_index("uetr")
    remittance = days.payments["remittance"]
    row = payments.loc[remittance.uetr]
    assert (row.state, row.source_currency, row.target_currency) == ("settled", "RUB", "INR")
    assert (row.fee_minor, row.fee_currency) == (remittance.fee_minor, "RUB")
    assert (row.fx_margin_minor, row.fx_margin_currency) == (remittance.fx_margin_minor, "INR")
    assert row.rate == Decimal(remittance.rate) and row.cost_bps == Decimal(remittance.cost_bps)
    back = payments.loc[days.payments["return"].uetr]
    assert back.original_uetr == days.payments["returned"].uetr
    assert payments.loc[days.payments["returned"].uetr].state == "returned"
    assert str(payments.created_at.dtype) == "datetime64[us, UTC]"
    runs = pd.read_parquet(tmp_path / "settlement_runs.parquet")
    assert list(runs.kind) == ["lsm"] and list(runs.still_queued) == [1]
    screenings = pd.read_parquet(tmp_path / "screenings.parquet")
    assert set(screenings.decision) == {"pass", "hold"}


def test_duckdb_sums_the_posted_transfers_to_the_ledgers_totals(
    days: ExportCorridor, store: Store, tmp_path: Path
) -> None:
    with snapshot(store) as reader:
        write_parquet(reader, tmp_path)
    transfers, accounts = tmp_path / "transfers.parquet", tmp_path / "accounts.parquet"
    sums = duckdb.sql(
        f"SELECT currency, sum(amount_minor)::HUGEINT FROM '{transfers}' WHERE posted "
        "GROUP BY currency ORDER BY currency"
    ).fetchall()
    ledgers = verify(store).ledgers
    assert dict(sums) == ledger_totals(store.all_accounts())
    assert dict(sums) == {
        currency_by_ledger(ledger).code: t["debits_posted"] for ledger, t in ledgers.items()
    }
    per_account = duckdb.sql(
        f"SELECT a.id, a.debits_posted, coalesce(sum(t.amount_minor), 0)::BIGINT "
        f"FROM '{accounts}' a LEFT JOIN '{transfers}' t "
        "ON t.debit_account_id = a.id AND t.posted GROUP BY a.id, a.debits_posted"
    ).fetchall()
    assert len(per_account) == 18
    assert all(stored == summed for _, stored, summed in per_account)


def test_csv_holds_what_parquet_holds(days: ExportCorridor, store: Store, tmp_path: Path) -> None:
    with snapshot(store) as reader:
        parquet = write_parquet(reader, tmp_path / "parquet")
    with snapshot(store) as reader:
        assert write_csv(reader, tmp_path / "csv") == parquet
    for table in ExportTable:
        from_csv = pd.read_csv(tmp_path / "csv" / f"{table}.csv", dtype=str, keep_default_na=False)
        from_parquet = pd.read_parquet(tmp_path / "parquet" / f"{table}.parquet")
        assert list(from_csv.columns) == list(from_parquet.columns)
        assert len(from_csv) == len(from_parquet)
    transfers = pd.read_csv(tmp_path / "csv" / "transfers.csv", dtype={"id": str})
    assert transfers.amount_minor.dtype == "int64"
    assert list(transfers.id) == list(pd.read_parquet(tmp_path / "parquet/transfers.parquet").id)


@pytest.mark.skipif(not XSD.exists(), reason=f"the ISO 20022 schemas are not at {XSD}")
def test_every_account_gets_its_camt053_for_the_day(
    days: ExportCorridor, store: Store, tmp_path: Path
) -> None:
    written = list(write_statements(store, days.day, tmp_path, XSD))
    accounts = {a.id: a for a in store.all_accounts()}
    assert sorted(w.account_id for w in written) == sorted(accounts)
    assert len({w.path for w in written}) == len(accounts)
    for w in written:
        assert w.path.read_bytes() == w.statement.xml
        assert w.statement.closing_minor == accounts[w.account_id].balance_posted
    vostro = next(w for w in written if w.path.name.startswith(f"{SBER}-vostro-INR-"))
    assert vostro.statement.entries == 1  # the day's late payment out of the vostro account


def test_small_batches_export_exactly_what_one_batch_does(
    days: ExportCorridor, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def export(folder: Path) -> str:
        with snapshot(store) as reader:
            write_parquet(reader, folder)
        with snapshot(store) as reader:
            return "".join(ledger_file(reader))

    whole = export(tmp_path / "whole")
    monkeypatch.setattr("vostro.store.exports.EXPORT_BATCH_ROWS", 4)
    assert export(tmp_path / "paged") == whole
    for table in ExportTable:
        paged = pq.ParquetFile(tmp_path / "paged" / f"{table}.parquet")
        assert paged.read() == pq.read_table(tmp_path / "whole" / f"{table}.parquet")
    assert pq.ParquetFile(tmp_path / "paged" / "transfers.parquet").num_row_groups == 8  # 31 rows

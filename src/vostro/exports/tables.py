"""vostro's tables as typed Arrow record batches, written as Parquet or CSV (one file per table).

Types (docs/exports.md lists every column):

* money: `int64` minor units, with the currency's ISO 4217 code in a column beside it
  (`amount_minor` and `currency`; `fee_minor` and `fee_currency`...), never a float;
* ids: 128-bit ledger ids (accounts, transfers, payments) as decimal strings, since they exceed
  int64 and even decimal128's 38 digits; small row ids (`settlement_runs.id`) as int64;
* times: `timestamp[us, UTC]` (the ledger's nanoseconds, floored to microseconds), with the
  ledger's exact nanosecond key beside it for transfers (`timestamp_ns`: their order);
* rates: `decimal128(38, 10)` (vostro quantizes every rate to 10 places), cost in basis points
  `decimal128(38, 2)`: exact, and refused rather than rounded if a value had more places;
* screening scores and queue times: `float64` (they are measures, not money).

Customers' names and remittance text are left out of the payments table: they are personal data
that settlement figures do not need (the payment itself, through the API, has them). In CSV, a
text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
spreadsheet opening the file shows it as text instead of running it as a formula (OWASP's advice
on CSV injection); Parquet keeps every value as it is.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from vostro.exports.beancount import account_name
from vostro.ledger.types import PendingStatus, TransferFlags
from vostro.money import currency_by_ledger
from vostro.participants.model import Purpose
from vostro.store.exports import ExportReader, ExportTable, JournalEntry, LedgerAccount

TIME = pa.timestamp("us", tz="UTC")
STATUS_NAMES = {status: status.name.lower() for status in PendingStatus}
RATE = pa.decimal128(38, 10)
BPS = pa.decimal128(38, 2)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CODES_CACHED = 256  # purposes and flag combinations kept at hand (a dozen of each occur)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: pa.DataType
    value: Callable[[Any], Any]
    nullable: bool = False


def _us(ns: int | None) -> int | None:
    return None if ns is None else ns // 1000


def _id(value: int) -> str | None:
    return str(value) if value else None


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@lru_cache(maxsize=CODES_CACHED)
def _purpose(code: int) -> str | None:
    try:
        return Purpose(code).name.lower()
    except ValueError:
        return None


@lru_cache(maxsize=CODES_CACHED)
def _phase(flags: int) -> str:
    for flag in (TransferFlags.PENDING, TransferFlags.POST_PENDING, TransferFlags.VOID_PENDING):
        if flags & flag:
            return str(flag.name).lower()
    return "single"


ACCOUNT_COLUMNS = (
    Column("id", pa.string(), lambda a: str(a.id)),
    Column("ledger", pa.int32(), lambda a: a.ledger),
    Column("currency", pa.string(), lambda a: currency_by_ledger(a.ledger).code),
    Column("code", pa.int32(), lambda a: a.code),
    Column("kind", pa.string(), lambda a: a.kind, nullable=True),
    Column("owner_bic", pa.string(), lambda a: a.bic, nullable=True),
    Column("held_at_bic", pa.string(), lambda a: a.held_at_bic, nullable=True),
    Column("flags", pa.int32(), lambda a: a.flags),
    Column("debits_pending", pa.int64(), lambda a: a.debits_pending),
    Column("debits_posted", pa.int64(), lambda a: a.debits_posted),
    Column("credits_pending", pa.int64(), lambda a: a.credits_pending),
    Column("credits_posted", pa.int64(), lambda a: a.credits_posted),
    Column("balance_minor", pa.int64(), lambda a: a.credits_posted - a.debits_posted),
    Column("beancount_account", pa.string(), account_name),
    Column("created_at", TIME, lambda a: _us(a.timestamp)),
)
TRANSFER_COLUMNS = (
    Column("id", pa.string(), lambda t: str(t.id)),
    Column("debit_account_id", pa.string(), lambda t: str(t.debit_account_id)),
    Column("credit_account_id", pa.string(), lambda t: str(t.credit_account_id)),
    Column("amount_minor", pa.int64(), lambda t: t.amount),
    Column("currency", pa.string(), lambda t: currency_by_ledger(t.ledger).code),
    Column("ledger", pa.int32(), lambda t: t.ledger),
    Column("code", pa.int32(), lambda t: t.code),
    Column("purpose", pa.string(), lambda t: _purpose(t.code), nullable=True),
    Column("flags", pa.int32(), lambda t: t.flags),
    Column("phase", pa.string(), lambda t: _phase(t.flags)),
    Column("posted", pa.bool_(), lambda t: t.posted),
    Column("pending_id", pa.string(), lambda t: _id(t.pending_id), nullable=True),
    Column(
        "pending_status",
        pa.string(),
        lambda t: STATUS_NAMES[t.pending_status] if t.pending_status else None,
        nullable=True,
    ),
    Column("timeout_s", pa.int64(), lambda t: t.timeout_s),
    Column("user_data_128", pa.string(), lambda t: _id(t.user_data_128), nullable=True),
    Column("user_data_64", pa.int64(), lambda t: t.user_data_64),
    Column("user_data_32", pa.int64(), lambda t: t.user_data_32),
    Column("uetr", pa.string(), lambda t: t.uetr, nullable=True),
    Column("timestamp_ns", pa.int64(), lambda t: t.timestamp),
    Column("at", TIME, lambda t: _us(t.timestamp)),
)


def _text(name: str, nullable: bool = False) -> Column:
    return Column(name, pa.string(), lambda r: r[name], nullable=nullable)


def _int64(name: str, nullable: bool = False) -> Column:
    return Column(name, pa.int64(), lambda r: r[name], nullable=nullable)


PAYMENT_COLUMNS = (
    _text("uetr"),
    Column("payment_id", pa.string(), lambda p: str(p["payment_id"])),
    _text("end_to_end_id"),
    _text("debtor_agent"),
    _text("creditor_agent"),
    _text("flow"),
    _text("state"),
    _text("reason_code", nullable=True),
    _text("reason", nullable=True),
    _text("source_currency"),
    _int64("source_amount_minor"),
    _text("target_currency"),
    _int64("target_amount_minor"),
    Column("fee_currency", pa.string(), lambda p: p["source_currency"]),
    _int64("fee_minor"),
    Column("fx_margin_currency", pa.string(), lambda p: p["target_currency"]),
    _int64("fx_margin_minor"),
    Column("cost_currency", pa.string(), lambda p: p["source_currency"]),
    _int64("cost_minor"),
    Column("cost_bps", BPS, lambda p: _decimal(p["cost_bps"])),
    _text("quote_id", nullable=True),
    _text("fx_provider", nullable=True),
    Column("rate", RATE, lambda p: _decimal(p["rate"]), nullable=True),
    Column("reference_rate", RATE, lambda p: _decimal(p["reference_rate"]), nullable=True),
    _text("purpose", nullable=True),
    _text("original_uetr", nullable=True),
    Column("created_at", TIME, lambda p: _us(p["created_at"])),
    Column("updated_at", TIME, lambda p: _us(p["updated_at"])),
)


def _report(name: str, kind: pa.DataType, nullable: bool = False) -> Column:
    return Column(name, kind, lambda r: r["report"].get(name), nullable=nullable)


SETTLEMENT_RUN_COLUMNS = (
    _int64("id"),
    _text("kind"),
    _text("currency"),
    Column("at", TIME, lambda r: _us(r["at"])),
    _report("gross_minor", pa.int64()),
    _report("net_minor", pa.int64()),
    _report("saved_minor", pa.int64()),
    Column("saved_pct", BPS, lambda r: _decimal(r["report"].get("saved_pct", "0"))),
    _report("settled", pa.int64()),
    _report("still_queued", pa.int64()),
    _report("rejected", pa.int64()),
    _report("mean_queue_s", pa.float64()),
    _report("p95_queue_s", pa.float64()),
    _report("window_id", pa.int64(), nullable=True),
    _report("optimal", pa.bool_()),
    Column("notes", pa.string(), lambda r: json.dumps(r["report"].get("notes", []))),  # JSON
)
SCREENING_COLUMNS = (
    _int64("id"),
    _text("uetr"),
    Column("at", TIME, lambda s: _us(s["at"])),
    _text("decision"),
    _text("lists"),  # JSON {list name: version}
    Column("score", pa.float64(), lambda s: s["score"], nullable=True),
    _text("reason"),
    _text("findings"),  # JSON list of matches
)
COLUMNS: dict[ExportTable, tuple[Column, ...]] = {
    ExportTable.ACCOUNTS: ACCOUNT_COLUMNS,
    ExportTable.TRANSFERS: TRANSFER_COLUMNS,
    ExportTable.PAYMENTS: PAYMENT_COLUMNS,
    ExportTable.SETTLEMENT_RUNS: SETTLEMENT_RUN_COLUMNS,
    ExportTable.SCREENINGS: SCREENING_COLUMNS,
}


def schema(table: ExportTable) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in COLUMNS[table]])


def record_batches(reader: ExportReader, table: ExportTable) -> Iterator[pa.RecordBatch]:
    """The table's rows as Arrow record batches, one per batch the store reads."""
    columns, kind = COLUMNS[table], schema(table)
    source: Iterator[list[LedgerAccount]] | Iterator[list[JournalEntry]] | Iterator[list[Any]]
    if table is ExportTable.ACCOUNTS:
        source = reader.accounts()
    elif table is ExportTable.TRANSFERS:
        source = reader.journal()
    else:
        source = reader.rows(table)
    for rows in source:
        arrays = [pa.array([c.value(r) for r in rows], c.type) for c in columns]
        yield pa.record_batch(arrays, schema=kind)


def write_parquet(reader: ExportReader, out_dir: Path) -> dict[ExportTable, int]:
    """One `<table>.parquet` per table in `out_dir` (a row group per batch); rows written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[ExportTable, int] = {}
    for table in ExportTable:
        rows = 0
        with pq.ParquetWriter(out_dir / f"{table}.parquet", schema(table)) as writer:
            for batch in record_batches(reader, table):
                writer.write_batch(batch)
                rows += batch.num_rows
        written[table] = rows
    return written


def write_csv(reader: ExportReader, out_dir: Path) -> dict[ExportTable, int]:
    """One `<table>.csv` per table in `out_dir` (UTF-8, a header line); rows written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[ExportTable, int] = {}
    for table in ExportTable:
        written[table] = 0
        with (out_dir / f"{table}.csv").open("wb") as file:
            for chunk, rows in _csv_batches(reader, table):
                file.write(chunk)
                written[table] += rows
    return written


def csv_chunks(reader: ExportReader, table: ExportTable) -> Iterator[bytes]:
    """The table as CSV bytes, the header first, then one chunk per batch (for streaming)."""
    for chunk, _rows in _csv_batches(reader, table):
        yield chunk


def _csv_batches(reader: ExportReader, table: ExportTable) -> Iterator[tuple[bytes, int]]:
    header = pa_csv.WriteOptions(include_header=True)  # type: ignore[attr-defined]
    body = pa_csv.WriteOptions(include_header=False)  # type: ignore[attr-defined]
    sent_header = False
    for batch in record_batches(reader, table):
        buffer = io.BytesIO()
        safe = _spreadsheet_safe(batch)
        pa_csv.write_csv(safe, buffer, body if sent_header else header)  # type: ignore[attr-defined]
        sent_header = True
        yield buffer.getvalue(), batch.num_rows
    if not sent_header:  # no rows: the header alone
        buffer = io.BytesIO()
        pa_csv.write_csv(schema(table).empty_table(), buffer, header)  # type: ignore[attr-defined]
        yield buffer.getvalue(), 0


def _spreadsheet_safe(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Text cells that a spreadsheet would run as formulas, prefixed with `'`."""
    arrays = [
        pa.array([_cell(v) for v in column.to_pylist()], column.type)
        if pa.types.is_string(column.type)
        else column
        for column in batch.columns
    ]
    return pa.record_batch(arrays, schema=batch.schema)


def _cell(value: str | None) -> str | None:
    return f"'{value}" if value is not None and value.startswith(FORMULA_STARTS) else value

"""`vostro export`: the ledger as a Beancount file, every table as Parquet or CSV, and every
account's camt.053 for one day, straight from the database (docs/exports.md)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vostro.cli.options import (
    LedgerDatabaseUrl,
    console,
    err,
    fail,
    new_table,
    opened_store,
    settings_for,
)

if TYPE_CHECKING:
    from vostro.store.exports import ExportTable

app = typer.Typer(
    no_args_is_help=True,
    help="Exports: the ledger as Beancount, tables as Parquet or CSV, camt.053 statements.",
)
OutDir = Annotated[
    Path, typer.Option("--out", help="The folder to write into (made if missing)", file_okay=False)
]


@app.command("beancount")
def export_beancount(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the file here (default: standard output)")
    ] = None,
    database_url: LedgerDatabaseUrl = None,
) -> None:
    """The ledger as one Beancount v3 file: every account opened, every posted transfer, and each
    account's balance asserted exactly (`bean-check` verifies it)."""
    from vostro.exports.beancount import ledger_file
    from vostro.store.exports import snapshot

    with opened_store(database_url, migrate=False) as store, snapshot(store) as reader:
        if out is None:
            for chunk in ledger_file(reader):
                sys.stdout.write(chunk)
            return
        with out.open("w", encoding="utf-8") as file:
            for chunk in ledger_file(reader):
                file.write(chunk)
    err.print(f"Beancount ledger written to {out}")


@app.command("parquet")
def export_parquet(out: OutDir, database_url: LedgerDatabaseUrl = None) -> None:
    """Accounts, transfers, payments, settlement runs and screenings: one Parquet file each."""
    from vostro.exports.tables import write_parquet
    from vostro.store.exports import snapshot

    with opened_store(database_url, migrate=False) as store, snapshot(store) as reader:
        written = write_parquet(reader, out)
    _print_written(out, "parquet", written)


@app.command("csv")
def export_csv(out: OutDir, database_url: LedgerDatabaseUrl = None) -> None:
    """The same tables as CSV files (UTF-8, a header line each)."""
    from vostro.exports.tables import write_csv
    from vostro.store.exports import snapshot

    with opened_store(database_url, migrate=False) as store, snapshot(store) as reader:
        written = write_csv(reader, out)
    _print_written(out, "csv", written)


@app.command("statements")
def export_statements(
    date_: Annotated[str, typer.Option("--date", help="YYYY-MM-DD (UTC)")],
    out: OutDir,
    database_url: LedgerDatabaseUrl = None,
) -> None:
    """Every account's camt.053 end-of-day statement for the day, one file each, each validated
    against the schema and reconciled with the ledger."""
    from vostro.exports.statements import write_statements
    from vostro.money import format_amount

    try:
        day = date.fromisoformat(date_)
    except ValueError:
        fail(f"--date must be a day written YYYY-MM-DD, not {date_!r}")
    xsd_dir = settings_for(database_url).iso20022_xsd_dir
    columns = ("file", "entries", "opening", "closing")
    table = new_table(f"camt.053 statements for {day} in {out}", columns, right=columns[1:])
    with opened_store(database_url, migrate=False) as store:
        for written in write_statements(store, day, out, xsd_dir):
            s, code = written.statement, written.currency
            table.add_row(
                written.path.name,
                str(s.entries),
                format_amount(s.opening_minor, code),
                format_amount(s.closing_minor, code),
            )
    console.print(table)


def _print_written(out: Path, suffix: str, written: dict[ExportTable, int]) -> None:
    table = new_table(f"written to {out}", ("file", "rows"), right=("rows",))
    for name, rows in written.items():
        table.add_row(f"{name}.{suffix}", f"{rows:,}")
    console.print(table)

"""Many rows of one table written at once, inside the unit's open transaction.

On PostgreSQL a row sent as its own statement costs the server a parse, a plan and an execution
even when psycopg pipelines them, so new rows go in with one `COPY` and changed rows with one
`UPDATE ... FROM unnest(...)` of a typed array per column (each key appears once: an `UPDATE ...
FROM` that matched a row twice would keep only one change, and the callers collect one change per
row). Elsewhere (SQLite, in process) a prepared `executemany` is already the cheap way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from vostro.errors import invariant


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows (dicts with the same keys)."""
    if not rows:
        return
    columns = _columns(rows)
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), list(rows))
        return
    _copy(conn, table.name, columns, rows)


def update_rows(
    conn: sa.Connection, table: sa.Table, key: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Set each row's other columns where `key` equals the row's `key` (dicts with the same
    keys, each key value once)."""
    if not rows:
        return
    columns = _columns(rows)
    invariant(key in columns, f"rows to update in {table.name} carry no {key}")
    if conn.dialect.name != "postgresql":
        bound = f"b_{key}"
        conn.execute(
            table.update().where(table.c[key] == sa.bindparam(bound)),
            [{bound: row[key], **{k: v for k, v in row.items() if k != key}} for row in rows],
        )
        return
    arrays = ", ".join(f"%s::{_pg_type(table.c[c])}[]" for c in columns)
    sets = ", ".join(f"{c} = v.{c}" for c in columns if c != key)
    conn.exec_driver_sql(
        f"UPDATE {table.name} AS t SET {sets} FROM unnest({arrays}) AS v({', '.join(columns)}) "
        f"WHERE t.{key} = v.{key}",
        tuple([row[c] for row in rows] for c in columns),
    )


def _pg_type(column: sa.Column[Any]) -> str:
    return str(column.type.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    columns = list(rows[0])
    invariant(
        all(row.keys() == rows[0].keys() for row in rows),
        "rows written together carry different columns",
    )
    return columns


def _copy(
    conn: sa.Connection, table: str, columns: list[str], rows: Sequence[dict[str, Any]]
) -> None:
    raw: Any = conn.connection.driver_connection
    invariant(raw is not None, "the connection has no database session")
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])

"""The production store: PostgreSQL through psycopg 3.

The writer lock is a session-level advisory lock, keyed by database and schema, held on the
writer's connection for its lifetime; PostgreSQL releases it when that connection ends, so a dead
writer never leaves it stale. Each batch is one transaction (or part of the unit's): transfers
and new pending transfers go in through binary `COPY`, balances through a staging table filled by
`COPY` and one `UPDATE ... FROM` it, in which every account appears exactly once (an `UPDATE ...
FROM` that matches a row twice silently keeps only one change, so the writer sums each account's
changes first).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from vostro.errors import StoreError, WriterLockHeld, invariant
from vostro.ledger.state import I64, LedgerState, Outcome, StoredTransfer
from vostro.ledger.types import Account
from vostro.store import base, schema
from vostro.store.codec import id_to_bytes, ids_to_bytes, optional_ids_to_bytes
from vostro.store.schema import ACCOUNT_ENTRIES_MARK, TRANSFER_COLUMNS


def _pg_type(column: sa.Column[Any]) -> str:
    """The PostgreSQL type name of a schema column, for binary COPY."""
    compiled = column.type.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
    return {"BIGINT": "int8", "INTEGER": "int4", "SMALLINT": "int2", "BYTEA": "bytea"}[compiled]


TRANSFER_TYPES = [_pg_type(c) for c in schema.transfers.columns]
_COLUMN_LIST = ", ".join(TRANSFER_COLUMNS)
PENDING_TYPES = [_pg_type(c) for c in schema.pending_transfers.columns]

# New balances go through a session-local staging table (emptied at each commit): binary COPY
# is cheaper to send than five array parameters, and the planner sees real row counts.
CREATE_STAGING_SQL = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS new_balances (seq int8 PRIMARY KEY, dp int8, "
    "dpo int8, cp int8, cpo int8) ON COMMIT DELETE ROWS"
)
UPDATE_BALANCES_SQL = (
    "UPDATE accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo, "
    "credits_pending = v.cp, credits_posted = v.cpo FROM new_balances AS v WHERE a.seq = v.seq"
)
UPDATE_PENDING_SQL = (
    "UPDATE pending_transfers AS p SET status = v.status, resolved_at = v.at "
    "FROM unnest(%s::int8[], %s::int2[], %s::int8[]) AS v(ts, status, at) "
    "WHERE p.timestamp = v.ts"
)


def connect_kwargs(url: str) -> dict[str, Any]:
    """psycopg connection arguments for a `postgresql+psycopg://` URL (query args pass through,
    e.g. `?options=-csearch_path%3Dmyschema`)."""
    u = sa.make_url(url)
    kwargs: dict[str, Any] = {
        "host": u.host,
        "port": u.port,
        "user": u.username,
        "password": u.password,
        "dbname": u.database,
    }
    kwargs.update(u.query)
    return {k: v for k, v in kwargs.items() if v is not None}


def fresh_schema(server_url: str, schema: str) -> str:
    """Drop and recreate `schema` on the server; the URL of a store that lives in it."""
    with psycopg.connect(**connect_kwargs(server_url), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema_url(server_url, schema)


def schema_url(server_url: str, schema: str) -> str:
    """The URL of a store in `schema` of the server at `server_url`."""
    sep = "&" if "?" in server_url else "?"
    return f"{server_url}{sep}options=-csearch_path%3D{schema}"


class PostgresStore(base.Store):
    backend = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__(url, sa.create_engine(url, pool_pre_ping=True))

    def open_writer(self) -> PostgresWriter:
        return PostgresWriter(self.url, self.display_url)


def copy_transfers(
    conn: psycopg.Connection[Any], table: str, columns: dict[str, list[int]]
) -> None:
    values: list[list[Any]] = [columns[name] for name in TRANSFER_COLUMNS]
    values[1] = ids_to_bytes(values[1])
    values[5] = optional_ids_to_bytes(values[5])
    values[10] = optional_ids_to_bytes(values[10])
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY {table} ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(TRANSFER_TYPES)
        for row in zip(*values, strict=True):
            copy.write_row(row)


class PostgresWriter(base.WriterSession):
    def __init__(self, url: str, display_url: str) -> None:
        try:
            self.conn = psycopg.connect(**connect_kwargs(url), autocommit=True)
        except psycopg.Error as error:
            raise StoreError(f"cannot connect to {display_url}: {error}") from error
        db, schema = self.conn.execute("SELECT current_database(), current_schema()").fetchone()  # type: ignore[misc]
        key = int.from_bytes(
            hashlib.blake2b(f"vostro-writer:{db}.{schema}".encode(), digest_size=8).digest(),
            "big",
            signed=True,
        )
        self._lock_key = key
        locked = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if not locked or not locked[0]:
            holder = self.conn.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND ((classid::int8 << 32) | objid::int8) = %s",
                (key & 0xFFFFFFFFFFFFFFFF,),
            ).fetchone()
            self.conn.close()
            raise WriterLockHeld(
                f"another vostro writer (backend pid {holder[0] if holder else 'unknown'}) holds "
                f"the writer lock of {display_url} (schema {schema}); only one process may write "
                "to this ledger. Stop it, or send your commands to it instead."
            )
        self.conn.execute(CREATE_STAGING_SQL)
        self.conn.autocommit = False
        self._engine = base.writer_engine("postgresql+psycopg://", self.conn)
        self.connection = self._engine.connect()

    def abandon(self) -> None:
        self.conn.rollback()

    def _transaction(self) -> Any:
        """A transaction of its own, or none inside a unit (whose transaction is open)."""
        return self.conn.transaction() if self._unit is None else nullcontext()

    def load_state(self) -> LedgerState:
        with self._transaction():
            c = self.conn
            return base.state_from_rows(
                c.execute(base.LOAD_ACCOUNTS_SQL).fetchall(),
                c.execute(base.LOAD_PENDING_SQL).fetchall(),
                c.execute(base.LOAD_MARKS_SQL).fetchone() or (None,) * 5,
            )

    def fetch_transfers(self, ids: Sequence[int]) -> dict[int, StoredTransfer]:
        if not ids:
            return {}
        sql = base.FETCH_TRANSFERS_SQL.replace("IN ({})", "= ANY(%s)")
        with self._transaction():
            rows = self.conn.execute(sql, (ids_to_bytes(list(ids)),)).fetchall()
        return {s.transfer.id: s for s in map(base.stored_transfer, rows)}

    def fetch_accounts(self, ids: Sequence[int]) -> dict[int, Account]:
        if not ids:
            return {}
        sql = base.FETCH_ACCOUNTS_SQL.replace("IN ({})", "= ANY(%s)")
        with self._transaction():
            rows = self.conn.execute(sql, (ids_to_bytes(list(ids)),)).fetchall()
        return {a.id: a for a in map(base.account_from_fetch, rows)}

    def commit(self, outcome: Outcome) -> None:
        try:
            with self._transaction():
                self._write(outcome)
        except psycopg.Error as error:
            raise StoreError(f"batch {outcome.batch} was not committed: {error}") from error

    def _write(self, outcome: Outcome) -> None:
        c = self.conn
        if outcome.account_rows:
            with c.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO accounts VALUES ({', '.join(['%s'] * 13)})",
                    [
                        (
                            r[0],
                            id_to_bytes(r[1]),
                            *r[2:5],
                            id_to_bytes(r[5]) if r[5] else None,
                            *r[6:],
                        )
                        for r in outcome.account_rows
                    ],
                )
        if outcome.transfer_count:
            cols = outcome.transfer_columns
            invariant(cols is not None, "transfer rows missing")
            assert cols is not None
            copy_transfers(c, "transfers", cols)
        if outcome.pending_inserts:
            with (
                c.cursor() as cur,
                cur.copy("COPY pending_transfers FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(PENDING_TYPES)
                for row in outcome.pending_inserts:
                    copy.write_row(row)
        if outcome.pending_updates:
            ts, status, at = (list(col) for col in zip(*outcome.pending_updates, strict=True))
            c.execute(UPDATE_PENDING_SQL, (ts, status, at))
        if len(outcome.balance_seqs):
            rows = np.column_stack([outcome.balance_seqs, outcome.balances]).tolist()
            with c.cursor() as cur:
                with cur.copy("COPY new_balances FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(["int8"] * 5)
                    for row in rows:
                        copy.write_row(row)
                cur.execute(UPDATE_BALANCES_SQL)
                if self._unit is not None:  # more batches may follow in this transaction
                    cur.execute("DELETE FROM new_balances")
        c.execute(
            "INSERT INTO ledger_batches VALUES (%s, %s, %s, %s, %s, %s)", base.batch_row(outcome)
        )

    def load_unindexed(self) -> tuple[int, I64, I64]:
        with self._transaction():
            row = self.conn.execute(base.LOAD_ENTRIES_MARK_SQL).fetchone()
            upto = int(row[0]) if row else 0
            rows = self.conn.execute(base.LOAD_UNINDEXED_SQL.format(upto)).fetchall()
        return (upto, *base.unindexed_entries(rows))

    def write_account_entries(self, seqs: I64, timestamps: I64, upto: int) -> None:
        entries = base.sorted_entries(seqs, timestamps)
        try:
            with self._transaction(), self.conn.cursor() as cur:
                with cur.copy(
                    "COPY account_entries (account_seq, timestamp) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(["int8", "int8"])
                    for entry in entries:
                        copy.write_row(entry)
                cur.execute(
                    "INSERT INTO ledger_marks (name, value) VALUES (%s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (ACCOUNT_ENTRIES_MARK, upto),
                )
        except psycopg.Error as error:
            raise StoreError(f"the per-account index was not extended: {error}") from error

    def close(self) -> None:
        # Release the lock explicitly: a closed connection's backend may take a moment to exit,
        # and a writer started right after would find the lock still held.
        try:
            self.connection.close()
            if not self.conn.closed:
                self.conn.rollback()
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (self._lock_key,))
                self.conn.commit()
        except psycopg.Error:
            pass  # the connection is gone; the server releases the lock with the backend
        finally:
            self.conn.close()

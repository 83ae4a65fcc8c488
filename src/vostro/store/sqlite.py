"""The embedded store: one SQLite file in WAL mode, durable on commit.

`synchronous=FULL` makes every commit survive power loss (WAL's default, NORMAL, only promises
consistency). Readers and the writer run concurrently: WAL lets readers see the last commit while
the writer appends. The writer lock is an exclusive `flock` on `<database>.writer.lock`, held for
the writer's lifetime; the kernel drops it if the process dies, so a crash never leaves it stale.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from vostro.config import sqlite_path
from vostro.errors import StoreError, WriterLockHeld, invariant
from vostro.ledger.state import I64, LedgerState, Outcome, StoredTransfer
from vostro.ledger.types import Account
from vostro.store import base
from vostro.store.codec import id_to_bytes, ids_to_bytes, optional_ids_to_bytes
from vostro.store.schema import ACCOUNT_ENTRIES_MARK, TRANSFER_COLUMNS

# Larger pages make the random inserts into the per-account indexes cheaper (fewer, fuller
# B-tree pages); 16 KiB measured about 25 % faster than the 4 KiB default for batches of 8,189.
PAGE_SIZE_BYTES = 16384
CACHE_SIZE_KIB = 262144  # 256 MiB page cache: the hot index pages of a busy ledger stay in memory
BUSY_TIMEOUT_MS = 10_000
SQLITE_VARIABLES_MAX = 32766  # SQLite >= 3.32; ids are looked up in chunks below this


def pragmas(conn: sqlite3.Connection, *, durable: bool = True) -> None:
    conn.execute(f"PRAGMA page_size={PAGE_SIZE_BYTES}")  # takes effect only on a new file
    conn.execute("PRAGMA journal_mode=WAL")
    # OFF only for a scratch database (the simulator's, made again by running again): a crashed
    # process loses nothing committed; a crash of the machine may leave the file unusable.
    conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
    conn.execute(f"PRAGMA cache_size=-{CACHE_SIZE_KIB}")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")


class SqliteStore(base.Store):
    backend = "sqlite"

    def __init__(self, url: str, *, durable: bool = True) -> None:
        self.path = sqlite_path(url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            isolation = dbapi_conn.isolation_level
            dbapi_conn.isolation_level = None
            pragmas(dbapi_conn, durable=durable)
            dbapi_conn.isolation_level = isolation

        super().__init__(url, engine)
        self.durable = durable

    def open_writer(self) -> SqliteWriter:
        return SqliteWriter(self.path, durable=self.durable)


def insert_sql(table: str, width: int) -> str:
    return f"INSERT INTO {table} VALUES ({', '.join('?' * width)})"


def transfer_rows(columns: dict[str, list[int]]) -> Any:
    values: list[list[Any]] = [columns[name] for name in TRANSFER_COLUMNS]
    values[1] = ids_to_bytes(values[1])  # id
    values[5] = optional_ids_to_bytes(values[5])  # pending_id
    values[10] = optional_ids_to_bytes(values[10])  # user_data_128
    return zip(*values, strict=True)


class SqliteWriter(base.WriterSession):
    """The writer's own connection and lock file."""

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        self._lock_file = _take_lock(Path(f"{path}.writer.lock"))
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        pragmas(self.conn, durable=durable)
        self._engine = base.writer_engine("sqlite://", self.conn)

        @sa.event.listens_for(self._engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            # The driver is in autocommit mode: a unit's transaction starts here, taking the
            # write lock at once (SQLAlchemy's recipe for explicit SQLite transactions).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        self.connection = self._engine.connect()

    def abandon(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def load_state(self) -> LedgerState:
        c = self.conn
        return base.state_from_rows(
            c.execute(base.LOAD_ACCOUNTS_SQL),
            c.execute(base.LOAD_PENDING_SQL),
            c.execute(base.LOAD_MARKS_SQL).fetchone(),
        )

    def fetch_transfers(self, ids: Sequence[int]) -> dict[int, StoredTransfer]:
        found: dict[int, StoredTransfer] = {}
        for chunk in _chunks(ids):
            sql = base.FETCH_TRANSFERS_SQL.format(", ".join("?" * len(chunk)))
            for row in self.conn.execute(sql, ids_to_bytes(chunk)):
                stored = base.stored_transfer(row)
                found[stored.transfer.id] = stored
        return found

    def fetch_accounts(self, ids: Sequence[int]) -> dict[int, Account]:
        found: dict[int, Account] = {}
        for chunk in _chunks(ids):
            sql = base.FETCH_ACCOUNTS_SQL.format(", ".join("?" * len(chunk)))
            for row in self.conn.execute(sql, ids_to_bytes(chunk)):
                account = base.account_from_fetch(row)
                found[account.id] = account
        return found

    def commit(self, outcome: Outcome) -> None:
        c = self.conn
        if self._unit is not None:
            try:
                self._write(outcome)
            except sqlite3.Error as error:
                raise StoreError(f"batch {outcome.batch} was not written: {error}") from error
            return
        try:
            c.execute("BEGIN IMMEDIATE")
            self._write(outcome)
            c.execute("COMMIT")
        except sqlite3.Error as error:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise StoreError(f"batch {outcome.batch} was not committed: {error}") from error

    def _write(self, outcome: Outcome) -> None:
        c = self.conn
        if outcome.account_rows:
            rows = [
                (r[0], id_to_bytes(r[1]), *r[2:5], id_to_bytes(r[5]) if r[5] else None, *r[6:])
                for r in outcome.account_rows
            ]
            c.executemany(insert_sql("accounts", 13), rows)
        if outcome.transfer_count:
            cols = outcome.transfer_columns
            invariant(cols is not None, "transfer rows missing")
            assert cols is not None
            c.executemany(insert_sql("transfers", len(TRANSFER_COLUMNS)), transfer_rows(cols))
        if outcome.pending_inserts:
            c.executemany(insert_sql("pending_transfers", 4), outcome.pending_inserts)
        if outcome.pending_updates:
            c.executemany(
                "UPDATE pending_transfers SET status = ?, resolved_at = ? WHERE timestamp = ?",
                [(status, at, ts) for ts, status, at in outcome.pending_updates],
            )
        if len(outcome.balance_seqs):
            rows = outcome.balances.tolist()
            for row, seq in zip(rows, outcome.balance_seqs.tolist(), strict=True):
                row.append(seq)
            c.executemany(
                "UPDATE accounts SET debits_pending = ?, debits_posted = ?, "
                "credits_pending = ?, credits_posted = ? WHERE seq = ?",
                rows,
            )
        c.execute(insert_sql("ledger_batches", 6), base.batch_row(outcome))

    def load_unindexed(self) -> tuple[int, I64, I64]:
        row = self.conn.execute(base.LOAD_ENTRIES_MARK_SQL).fetchone()
        upto = int(row[0]) if row else 0
        rows = self.conn.execute(base.LOAD_UNINDEXED_SQL.format(upto)).fetchall()
        return (upto, *base.unindexed_entries(rows))

    def write_account_entries(self, seqs: I64, timestamps: I64, upto: int) -> None:
        c = self.conn
        own = self._unit is None  # inside a unit, the unit's transaction carries it
        try:
            if own:
                c.execute("BEGIN IMMEDIATE")
            c.executemany(insert_sql("account_entries", 2), base.sorted_entries(seqs, timestamps))
            c.execute(
                "INSERT INTO ledger_marks (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (ACCOUNT_ENTRIES_MARK, upto),
            )
            if own:
                c.execute("COMMIT")
        except sqlite3.Error as error:
            if own and c.in_transaction:
                c.execute("ROLLBACK")
            raise StoreError(f"the per-account index was not extended: {error}") from error

    def close(self) -> None:
        try:
            self.connection.close()
            self._engine.dispose()
        finally:
            self.conn.close()
            self._lock_file.close()


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    step = SQLITE_VARIABLES_MAX
    return [ids[i : i + step] for i in range(0, len(ids), step)]


def _take_lock(path: Path) -> IO[str]:
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise WriterLockHeld(
            f"another vostro writer (pid {holder}) holds {path}; only one process may write to "
            "this ledger. Stop it, or send your commands to it instead."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle

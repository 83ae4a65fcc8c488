"""The ledger benchmark's baseline: the same journal rows as the writer commits, inserted into
a plain table with the driver's own bulk path (SQLite `executemany`, PostgreSQL binary `COPY`),
bare or with the journal's keys. The writer's figure is read against it, in the same run."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from typing import Any

import psycopg

from vostro.store.base import Store
from vostro.store.postgres import TRANSFER_TYPES, connect_kwargs, copy_transfers
from vostro.store.schema import TRANSFER_COLUMNS
from vostro.store.sqlite import SqliteStore, insert_sql, pragmas, transfer_rows


class BaselineTables(ABC):
    """Tables of transfer rows beside the ledger's own, one connection of their own."""

    @abstractmethod
    def create(self, name: str, *, indexed: bool) -> None:
        """A table of transfer rows, bare (no keys, no indexes) or with the journal table's own
        keys (timestamp primary key, unique id)."""

    @abstractmethod
    def insert(self, name: str, columns: dict[str, list[int]]) -> None:
        """One bulk insert, one commit."""

    @abstractmethod
    def drop(self, name: str) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


def baseline_tables(store: Store) -> BaselineTables:
    if isinstance(store, SqliteStore):
        return SqliteBaseline(store)
    return PostgresBaseline(store.url)


class SqliteBaseline(BaselineTables):
    def __init__(self, store: SqliteStore) -> None:
        self.conn = sqlite3.connect(store.path, isolation_level=None)
        pragmas(self.conn)

    def create(self, name: str, *, indexed: bool) -> None:
        columns = ", ".join(f"{c} {_sqlite_type(c, indexed)}" for c in TRANSFER_COLUMNS)
        self.drop(name)
        self.conn.execute(f"CREATE TABLE {name} ({columns})")
        if indexed:  # the primary key, the timestamp, is declared with the column
            self.conn.execute(f"CREATE UNIQUE INDEX ix_{name}_id ON {name} (id)")

    def insert(self, name: str, columns: dict[str, list[int]]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany(insert_sql(name, len(TRANSFER_COLUMNS)), transfer_rows(columns))
        self.conn.execute("COMMIT")

    def drop(self, name: str) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        self.conn.close()


class PostgresBaseline(BaselineTables):
    def __init__(self, url: str) -> None:
        self.conn: psycopg.Connection[Any] = psycopg.connect(**connect_kwargs(url))

    def create(self, name: str, *, indexed: bool) -> None:
        columns = ", ".join(
            f"{c} {kind}" for c, kind in zip(TRANSFER_COLUMNS, TRANSFER_TYPES, strict=True)
        )
        with self.conn.transaction():
            self.conn.execute(f"DROP TABLE IF EXISTS {name}")
            self.conn.execute(f"CREATE TABLE {name} ({columns})")
            if indexed:
                self.conn.execute(f"ALTER TABLE {name} ADD PRIMARY KEY (timestamp)")
                self.conn.execute(f"CREATE UNIQUE INDEX ix_{name}_id ON {name} (id)")

    def insert(self, name: str, columns: dict[str, list[int]]) -> None:
        with self.conn.transaction():
            copy_transfers(self.conn, name, columns)

    def drop(self, name: str) -> None:
        with self.conn.transaction():
            self.conn.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        self.conn.close()


def _sqlite_type(name: str, indexed: bool) -> str:
    kind = "BLOB" if name in ("id", "pending_id", "user_data_128") else "INTEGER"
    if indexed and name == "timestamp":
        return "INTEGER PRIMARY KEY"
    return kind

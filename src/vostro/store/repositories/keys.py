"""The API keys' table (`api_keys`): the rows behind the service's key ring.

`SqlKeys` works inside a unit of work (the platform's writer unit, or `key_unit` below when no
platform is open, as on the command line): a key's row and its audit entry commit together.
`KeyReader` reads committed rows on a pooled connection (every request's key check).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import sqlalchemy as sa

from vostro.errors import invariant
from vostro.store.repositories.audit import SqlAuditLog
from vostro.store.schema import api_keys

# The database handle a key ring is built on (the store's engine).
Engine = sa.Engine


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: str
    key_hash: bytes
    role: str
    bic: str | None
    label: str
    created_at: int
    created_by: str
    revoked_at: int | None


class SqlKeys:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, record: KeyRecord) -> None:
        self.conn.execute(
            api_keys.insert().values(
                key_id=record.key_id,
                key_hash=record.key_hash,
                role=record.role,
                bic=record.bic,
                label=record.label,
                created_at=record.created_at,
                created_by=record.created_by,
            )
        )

    def revoke(self, key_id: str, at: int) -> None:
        self.conn.execute(
            api_keys.update().where(api_keys.c.key_id == key_id).values(revoked_at=at)
        )

    def get(self, key_id: str) -> KeyRecord | None:
        row = self.conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).first()
        return None if row is None else _record(row)

    def all(self) -> list[KeyRecord]:
        rows = self.conn.execute(sa.select(api_keys).order_by(api_keys.c.created_at))
        return [_record(row) for row in rows]


class KeyUnit:
    """A unit of work of key commands alone (keys and audit) on a connection of its own: what
    the command line uses when no platform's writer is open. Rolls back unless committed."""

    def __init__(self, conn: sa.Connection, clock: Callable[[], int]) -> None:
        self.connection = conn
        self.keys = SqlKeys(conn)
        self.audit = SqlAuditLog(conn, clock)
        self.done = False

    def commit(self) -> None:
        invariant(not self.done, "the key unit was already committed or rolled back")
        self.done = True
        self.connection.commit()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.done:
            self.done = True
            self.connection.rollback()
        self.connection.close()


def key_unit(engine: Engine, clock: Callable[[], int] = time.time_ns) -> KeyUnit:
    conn = engine.connect()
    conn.begin()
    return KeyUnit(conn, clock)


class KeyReader:
    """Committed key rows, read on a pooled connection of the store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _keys(self) -> Iterator[SqlKeys]:
        with self.engine.connect() as conn:
            yield SqlKeys(conn)

    def get(self, key_id: str) -> KeyRecord | None:
        with self._keys() as keys:
            return keys.get(key_id)

    def all(self) -> list[KeyRecord]:
        with self._keys() as keys:
            return keys.all()


def _record(row: sa.Row) -> KeyRecord:  # type: ignore[type-arg]
    return KeyRecord(
        row.key_id,
        bytes(row.key_hash),
        row.role,
        row.bic,
        row.label,
        row.created_at,
        row.created_by,
        row.revoked_at,
    )

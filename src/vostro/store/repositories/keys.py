"""The API keys' table (hashed keys, roles, revocations), for the HTTP service's key ring.

Key commands run in a transaction of their own on the store's pooled connections, with their
audit entry in it; they never touch the ledger, so they need no writer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from vostro.store.repositories.audit import SqlAuditLog
from vostro.store.schema import api_keys


class KeyRows:
    """The key table inside one transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.audit = SqlAuditLog(conn, time.time_ns)

    def get(self, key_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).first()
        return None if row is None else dict(row._mapping)

    def insert(self, values: dict[str, Any]) -> None:
        self.conn.execute(api_keys.insert().values(**values))

    def revoke(self, key_id: str, at_ns: int) -> None:
        self.conn.execute(
            api_keys.update().where(api_keys.c.key_id == key_id).values(revoked_at=at_ns)
        )

    def all(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(sa.select(api_keys).order_by(api_keys.c.created_at))
        return [dict(row._mapping) for row in rows]


class SqlKeys:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[KeyRows]:
        """Every write of the block, its audit entries included, or none."""
        with self.engine.begin() as conn:
            yield KeyRows(conn)

    @contextmanager
    def reading(self) -> Iterator[KeyRows]:
        with self.engine.connect() as conn:
            yield KeyRows(conn)

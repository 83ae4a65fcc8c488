"""Persistence of the ledger: one schema, two stores (SQLite embedded, PostgreSQL production)."""

from __future__ import annotations

from vostro.config import check_database_url
from vostro.store.base import Store, WriterSession


def open_store(url: str, *, migrate: bool = True, durable: bool = True) -> Store:
    """Open the store behind `url`; with `migrate`, bring its schema up to date first. An
    embedded store opened not `durable` (a scratch database, the simulator's) never waits for the
    disk: it survives a crashed process, not a crashed machine."""
    check_database_url(url)
    store: Store
    if url.startswith("sqlite:///"):
        from vostro.store.sqlite import SqliteStore

        store = SqliteStore(url, durable=durable)
    else:
        from vostro.store.postgres import PostgresStore

        store = PostgresStore(url)
    if migrate:
        store.migrate()
    else:
        store.check_schema()
    return store


__all__ = ["Store", "WriterSession", "open_store"]

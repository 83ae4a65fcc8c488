"""Shared fixtures: a fresh ledger database on each backend.

PostgreSQL tests use the real server (VOSTRO_TEST_DATABASE_URL, default the local `test`
database) in a schema of their own. They skip only when the server cannot be reached, and say so;
with VOSTRO_REQUIRE_POSTGRES=1 (set by CI) an unreachable server fails them instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from vostro.store import Store, open_store
from vostro.store.postgres import connect_kwargs, fresh_schema

PG_URL = os.environ.get(
    "VOSTRO_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
LEDGER_TABLES = ("transfers", "pending_transfers", "ledger_batches", "accounts")


def _postgres_unreachable() -> str | None:
    try:
        with psycopg.connect(**connect_kwargs(PG_URL), connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return str(error).strip()


_PG_ERROR = _postgres_unreachable()


def require_postgres() -> None:
    if _PG_ERROR is None:
        return
    message = f"PostgreSQL at {PG_URL} is not reachable: {_PG_ERROR}"
    if os.environ.get("VOSTRO_REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (VOSTRO_REQUIRE_POSTGRES=1: this run must test PostgreSQL)")
    pytest.skip(message)


def create_pg_schema() -> tuple[str, str]:
    schema = f"vostro_test_{uuid.uuid4().hex[:12]}"
    return schema, fresh_schema(PG_URL, schema)


def drop_pg_schema(schema: str) -> None:
    with psycopg.connect(**connect_kwargs(PG_URL), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    require_postgres()
    schema, url = create_pg_schema()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = open_store(database_url)
    try:
        yield s
    finally:
        s.dispose()


def reset_store(store: Store) -> None:
    """Empty every ledger table (fast; used between hypothesis examples)."""
    import sqlalchemy as sa

    with store.engine.begin() as conn:
        for table in LEDGER_TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def make_store(database_url: str) -> Iterator[Callable[[], Store]]:
    """Open the fixture's database as many times as a test needs (e.g. after a crash)."""
    opened: list[Store] = []

    def make() -> Store:
        s = open_store(database_url)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.dispose()

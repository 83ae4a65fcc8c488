"""Alembic environment: migrations run on the connection vostro hands in (never from a URL here)."""

from __future__ import annotations

from alembic import context

from vostro.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through vostro (`vostro init`), which supplies the connection"
    )

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

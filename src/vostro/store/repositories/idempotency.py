"""Idempotency keys of the HTTP API: the answer to a POST kept under (principal, key), so a
retried request gets the same answer and changes nothing."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from vostro.store.schema import idempotency_keys


def lookup(engine: sa.Engine, principal: str, key: str) -> dict[str, Any] | None:
    t = idempotency_keys
    with engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.principal == principal, t.c.key == key)).first()
    if row is None:
        return None
    return {
        "request_hash": bytes(row.request_hash),
        "status": row.status,
        "media_type": row.media_type,
        "body": bytes(row.body),
    }


def store(
    engine: sa.Engine,
    principal: str,
    key: str,
    fingerprint: bytes,
    status: int,
    media_type: str,
    body: bytes,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            idempotency_keys.insert().values(
                principal=principal,
                key=key,
                request_hash=fingerprint,
                status=status,
                media_type=media_type,
                body=body,
                created_at=time.time_ns(),
            )
        )

"""Responses kept for idempotent POSTs (`idempotency_keys`), per caller and Idempotency-Key."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from vostro.store.schema import idempotency_keys


@dataclass(frozen=True, slots=True)
class StoredResponse:
    request_hash: bytes  # the fingerprint of the request that made it
    status: int
    media_type: str
    body: bytes


class SqlIdempotency:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def lookup(self, principal: str, key: str) -> StoredResponse | None:
        t = idempotency_keys
        row = self.conn.execute(
            sa.select(t).where(t.c.principal == principal, t.c.key == key)
        ).first()
        if row is None:
            return None
        return StoredResponse(bytes(row.request_hash), row.status, row.media_type, bytes(row.body))

    def keep(self, principal: str, key: str, response: StoredResponse) -> None:
        self.conn.execute(
            idempotency_keys.insert().values(
                principal=principal,
                key=key,
                request_hash=response.request_hash,
                status=response.status,
                media_type=response.media_type,
                body=response.body,
                created_at=time.time_ns(),
            )
        )

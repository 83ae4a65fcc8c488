"""The audit log: who did what, to what, when. Written in the same transaction as the change."""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa

from vostro.store.schema import audit_log


def record(
    conn: sa.Connection,
    actor: str,
    action: str,
    subject: str,
    *,
    origin: str | None = None,
    **detail: Any,
) -> None:
    """Append one entry; `origin` is where the request came from (a client address over HTTP)."""
    conn.execute(
        audit_log.insert().values(
            at=time.time_ns(),
            actor=actor,
            action=action,
            subject=subject,
            detail=detail_json(**detail),
            origin=origin,
        )
    )


def detail_json(**detail: Any) -> str:
    return json.dumps(detail, sort_keys=True, default=str)


def entries(
    engine: sa.Engine, subject: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(audit_log.c.subject == subject)
    with engine.connect() as conn:
        return [{**row._mapping, "detail": json.loads(row.detail)} for row in conn.execute(query)]

"""The audit log's table (`audit.AuditLog`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from vostro.audit import AuditEntry, detail_json
from vostro.store import bulk
from vostro.store.schema import audit_log

ENTRIES_LISTED_MAX = 1_000  # one page of the audit log


class SqlAuditLog:
    def __init__(self, conn: sa.Connection, clock: Callable[[], int] = time.time_ns) -> None:
        self.conn = conn
        self.clock = clock

    def record(
        self, actor: str, action: str, subject: str, *, origin: str | None = None, **detail: Any
    ) -> None:
        self.record_many([AuditEntry(actor, action, subject, origin, detail)])

    def record_many(self, entries: list[AuditEntry]) -> None:
        if not entries:
            return
        at = self.clock()
        bulk.insert_rows(
            self.conn,
            audit_log,
            [
                {
                    "at": at,
                    "actor": e.actor,
                    "action": e.action,
                    "subject": e.subject,
                    "detail": detail_json(**e.detail),
                    "origin": e.origin,
                }
                for e in entries
            ],
        )

    def entries(self, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        query = (
            sa.select(audit_log)
            .order_by(audit_log.c.id.desc())
            .limit(max(1, min(limit, ENTRIES_LISTED_MAX)))
        )
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        rows = self.conn.execute(query)
        return [{**row._mapping, "detail": json.loads(row.detail)} for row in rows]

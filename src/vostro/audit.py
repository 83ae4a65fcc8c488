"""The audit log: who did what, to what, when, and from where.

Every change writes its entry through its unit of work's `audit`, so the entry commits or rolls
back with the change it records. `origin` is where the request came from (a client address over
HTTP, none on the command line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    subject: str
    origin: str | None
    detail: dict[str, Any]


class AuditLog(Protocol):
    def record(
        self, actor: str, action: str, subject: str, *, origin: str | None = None, **detail: Any
    ) -> None:
        """Append one entry, stamped with the unit's clock."""

    def record_many(self, entries: list[AuditEntry]) -> None:
        """Append several entries at once (a group of submissions)."""

    def entries(self, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The newest entries first (of one subject, if given)."""


def detail_json(**detail: Any) -> str:
    return json.dumps(detail, sort_keys=True, default=str)

"""What compliance needs from storage: the stored lists and remembered false positives, and the
payment limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from vostro.audit import AuditLog
from vostro.compliance.limits import Limit
from vostro.compliance.stored import Override, StoredList


class ListSource(Protocol):
    """The committed lists, as a screener reads them."""

    def lists(self) -> list[StoredList]: ...

    def data(self, name: str) -> bytes | None: ...

    def overrides(self, keys: Iterable[str], versions: Iterable[str]) -> list[Override]: ...


class ListRepository(ListSource, Protocol):
    def put(self, stored: StoredList, data: bytes) -> None: ...

    def remove(self, name: str) -> None: ...

    def remember(
        self,
        key: str,
        entity_id: str,
        list_name: str,
        list_version: str,
        *,
        uetr: str,
        at: int,
        by: str,
        reason: str,
    ) -> bool: ...


class LimitRepository(Protocol):
    def get(self, participant: str, flow: str, code: str) -> Limit | None: ...

    def count(self) -> int: ...

    def put(self, limit: Limit) -> None: ...

    def remove(self, participant: str, flow: str, code: str) -> None: ...

    def all(self, limit: int) -> list[Limit]: ...

    def applicable(self, payer: str, flow: str, code: str) -> list[Limit]: ...


class ComplianceUnit(Protocol):
    lists: ListRepository
    limits: LimitRepository
    audit: AuditLog
    clock: Callable[[], int]

    def after_commit(self, then: Callable[[], None]) -> None: ...

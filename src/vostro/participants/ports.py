"""What the participant registry needs from storage, and the unit of work it runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from vostro.audit import AuditLog
from vostro.ledger.types import Account
from vostro.ledger.writer import Ledger
from vostro.participants.model import AccountKind, Participant, Status


class ParticipantRepository(Protocol):
    def add(self, p: Participant, kinds: list[tuple[AccountKind, str]]) -> None: ...

    def get(self, bic: str) -> Participant | None: ...

    def all(self) -> list[Participant]: ...

    def top_number(self) -> int: ...

    def operator_bic(self) -> str | None: ...

    def set_status(self, bic: str, status: Status) -> None: ...

    def set_alias(self, alias: str, bic: str) -> None: ...

    def alias(self, identifier: str) -> str | None: ...


class AccountReads(Protocol):
    """The ledger's accounts with their committed balances (readers have no writer)."""

    def get(self, ids: Iterable[int]) -> list[Account]: ...


class ParticipantCache(Protocol):
    participants: dict[str, Participant]


class ParticipantsUnit(Protocol):
    participants: ParticipantRepository
    accounts: AccountReads
    audit: AuditLog
    caches: ParticipantCache

    @property
    def ledger(self) -> Ledger: ...

    def after_commit(self, then: Callable[[], None]) -> None: ...

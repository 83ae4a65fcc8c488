"""What the payment lifecycle needs from storage: its repositories, and the unit of work that
holds them with every other part's (`store/uow.py` implements it in SQL, `tests/fakes.py` in
memory)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, Protocol

from vostro.audit import AuditLog
from vostro.calendar.ports import CalendarUnit
from vostro.compliance.ports import ComplianceUnit
from vostro.compliance.results import ScreeningResult
from vostro.fx.ports import FxUnit
from vostro.ledger.writer import Ledger
from vostro.payments.fees import FeesUnit
from vostro.payments.model import Hold, HoldStatus, Payment, State
from vostro.settlement.ports import SettlementUnit
from vostro.treasury.vostro import TreasuryUnit


class PaymentRepository(Protocol):
    def batched(self) -> AbstractContextManager[None]: ...

    def add(self, payment: Payment, reason: str) -> None: ...

    def save(self, payment: Payment, reason: str | None) -> None: ...

    def note(self, payment: Payment, reason: str) -> None: ...

    def tag(self, tags: dict[str, str]) -> None: ...

    def get(self, uetr: str) -> Payment | None: ...

    def by_end_to_end(self, debtor_agent: str, end_to_end_id: str) -> Payment | None: ...

    def known(
        self, uetrs: builtins.list[str], end_to_end: builtins.list[tuple[str, str]]
    ) -> tuple[set[str], set[tuple[str, str]]]: ...

    def list(self, limit: int = 100, state: State | None = None) -> builtins.list[Payment]: ...

    def scheduled(self, up_to: date, limit: int) -> builtins.list[Payment]: ...

    def accepted_total(
        self,
        payer: str,
        code: str,
        since: int,
        until: int,
        *,
        flow: str | None = None,
        excluding: str | None = None,
    ) -> int: ...

    def add_screening(self, uetr: str, at: int, result: ScreeningResult) -> None: ...

    def screenings(self, uetr: str) -> builtins.list[dict[str, Any]]: ...

    def held_by_screening(self, uetr: str) -> bool: ...


class HoldRepository(Protocol):
    def add(self, hold: Hold) -> None: ...

    def decide(self, uetr: str, status: HoldStatus, at: int, by: str, reason: str) -> None: ...

    def get(self, uetr: str) -> Hold | None: ...

    def list(
        self,
        status: HoldStatus | None = ...,
        limit: int = ...,
        after: tuple[int, str] | None = None,
    ) -> builtins.list[Hold]:
        """Holds by deadline, soonest first, after the (deadline, UETR) of `after`."""

    def due(self, now_ns: int, limit: int = ...) -> builtins.list[Hold]: ...


class PaymentsUnit(Protocol):
    """The lifecycle's own repositories in a unit of work."""

    payments: PaymentRepository
    holds: HoldRepository
    audit: AuditLog
    clock: Callable[[], int]

    @property
    def ledger(self) -> Ledger: ...

    def after_commit(self, then: Callable[[], None]) -> None: ...


class UnitOfWork(
    PaymentsUnit,
    FeesUnit,
    FxUnit,
    SettlementUnit,
    ComplianceUnit,
    TreasuryUnit,
    CalendarUnit,
    Protocol,
):
    """Every repository a payment's life touches, in one transaction: the lifecycle's own and
    those of the parts it calls."""

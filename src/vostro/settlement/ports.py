"""What settlement needs from storage: the RTGS queue, the deferred-net windows, the operator's
rules and the runs' reports, with the ledger, the audit log and the clock, in one unit of work
(`store/uow.py` implements it in SQL, `tests/fakes.py` in memory).

Members are read-only properties, so that a unit holding any implementation (or a plain
attribute) satisfies them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from vostro.audit import AuditLog
from vostro.ledger.writer import Ledger
from vostro.settlement.queue import QUEUE_PAGE_MAX, Priority, QueueEntry
from vostro.settlement.reports import REPORTS_LISTED_MAX, SettlementReport
from vostro.settlement.rules import Mode
from vostro.settlement.windows import WINDOWS_LISTED_MAX, Window, WindowPayment, WindowState


class QueueRepository(Protocol):
    def add(self, entry: QueueEntry) -> None:
        """Queue the entry (in place of any earlier entry of the same payment)."""

    def remove(self, uetrs: list[str]) -> None: ...

    def set_priority(self, uetr: str, priority: Priority) -> None: ...

    def get(self, uetr: str) -> QueueEntry | None: ...

    def entries(
        self,
        currency: str | None = None,
        payer: str | None = None,
        limit: int = QUEUE_PAGE_MAX,
        after: tuple[int, int, str] | None = None,
    ) -> list[QueueEntry]:
        """Queued payments in settlement order: priority, then arrival; `after` is the
        (priority, arrival, UETR) of the last one seen."""

    def due(self, now_ns: int, limit: int = QUEUE_PAGE_MAX) -> list[QueueEntry]:
        """Entries whose deadline has come, earliest deadline first."""

    def depth(self) -> dict[str, int]:
        """How many payments wait, per currency."""

    def payers(self) -> set[tuple[str, str]]:
        """(payer, currency) of every payment that waits."""


class WindowRepository(Protocol):
    def open_window(self, code: str, now_ns: int) -> Window:
        """The currency's open window, opening one if there is none."""

    def current(self, code: str) -> Window | None: ...

    def get(self, window_id: int) -> Window | None: ...

    def all(self, limit: int = WINDOWS_LISTED_MAX, before: int | None = None) -> list[Window]:
        """The newest windows first (older than window `before`, if given)."""

    def set_state(self, window_id: int, state: WindowState, now_ns: int) -> None: ...

    def add(self, window_id: int, payment: WindowPayment) -> None: ...

    def payments(self, window_id: int) -> list[WindowPayment]:
        """The window's payments, by UETR."""

    def net_debit(self, window_id: int, bic: str) -> int:
        """What `bic` owes net in the window so far: sent plus fees minus received."""

    def bilateral_debit(self, window_id: int, bic: str, counterparty: str) -> int:
        """What `bic` owes `counterparty` net in the window so far."""


class RuleRepository(Protocol):
    def mode(self, bic: str, code: str) -> Mode:
        """The participant's settlement mode in the currency (RTGS unless set)."""

    def net_debit_cap(self, bic: str, code: str) -> int:
        """The cap on the participant's net debit in a window; 0 (no debit) if none is set."""

    def bilateral_limit(self, bic: str, counterparty: str, code: str) -> int | None:
        """The most `bic` may owe `counterparty` net in a window, or None if unlimited."""

    def store_mode(self, bic: str, code: str, mode: Mode) -> None: ...

    def store_net_debit_cap(self, bic: str, code: str, cap_minor: int) -> None: ...

    def store_bilateral_limit(
        self, bic: str, counterparty: str, code: str, limit_minor: int
    ) -> None: ...


class RunRepository(Protocol):
    def add(self, report: SettlementReport, at_ns: int) -> int:
        """Store the report; its run id."""

    def latest(
        self, limit: int = REPORTS_LISTED_MAX, before: int | None = None
    ) -> list[SettlementReport]:
        """The newest reports first (older than run `before`, if given), with their run ids."""


class RulesUnit(Protocol):
    """What a change of the rules touches: the rules and the audit log."""

    @property
    def rules(self) -> RuleRepository: ...

    @property
    def audit(self) -> AuditLog: ...


class AdmissionUnit(Protocol):
    """What admitting an obligation into a window reads and writes."""

    @property
    def windows(self) -> WindowRepository: ...

    @property
    def rules(self) -> RuleRepository: ...


class SettlementUnit(Protocol):
    """Every repository settlement touches, in one transaction."""

    @property
    def ledger(self) -> Ledger: ...

    @property
    def queue(self) -> QueueRepository: ...

    @property
    def windows(self) -> WindowRepository: ...

    @property
    def rules(self) -> RuleRepository: ...

    @property
    def runs(self) -> RunRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def clock(self) -> Callable[[], int]: ...

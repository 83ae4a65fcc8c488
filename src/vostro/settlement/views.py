"""What an operator's screens read of settlement: the RTGS queue, the windows and the reports of
past runs. Queries only: each runs in a read-only unit from an entrypoint (`platform.READS`)."""

from __future__ import annotations

from vostro.settlement import engine
from vostro.settlement.ports import SettlementUnit
from vostro.settlement.queue import QUEUE_PAGE_MAX, QueueEntry
from vostro.settlement.reports import REPORTS_LISTED_MAX, SettlementReport
from vostro.settlement.windows import WINDOWS_LISTED_MAX, Window


class SettlementViews:
    def queue(
        self,
        uow: SettlementUnit,
        currency: str | None = None,
        payer: str | None = None,
        limit: int = QUEUE_PAGE_MAX,
        after: tuple[int, int, str] | None = None,
    ) -> list[QueueEntry]:
        """Queued payments in settlement order (of one currency or payer, if given), after the
        (priority, arrival, UETR) of `after`."""
        return uow.queue.entries(currency, payer, limit, after)

    def queue_entry(self, uow: SettlementUnit, uetr: str) -> QueueEntry | None:
        return uow.queue.get(uetr)

    def queue_depth(self, uow: SettlementUnit) -> dict[str, int]:
        """How many payments wait, per currency."""
        return uow.queue.depth()

    def windows(
        self, uow: SettlementUnit, limit: int = WINDOWS_LISTED_MAX, before: int | None = None
    ) -> list[Window]:
        """The newest windows first (older than window `before`, if given)."""
        return uow.windows.all(limit, before)

    def window(self, uow: SettlementUnit, window_id: int) -> Window | None:
        return uow.windows.get(window_id)

    def reports(
        self, uow: SettlementUnit, limit: int = REPORTS_LISTED_MAX, before: int | None = None
    ) -> list[SettlementReport]:
        """The newest runs' reports first (older than run `before`, if given)."""
        return engine.reports(uow, limit, before)

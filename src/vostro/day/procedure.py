"""End of day, per currency, as a recorded procedure: steps each done once, in order.

    stop        stop accepting for the day (the day is `closing`)
    lsm         a final run of the liquidity-saving mechanism over the queue
    window      close the open deferred-net window
    queue       what is still queued: carried to the next business day (the payer's choice) or
                rejected with a reason; likewise what was warehoused for the day and never
                released (its currencies were not open together)
    vostro      the vostro day close: the surplus swept into treasury bills, interest accrued
    statements  a camt.053 for every account of the currency, stored for download
    report      the day's report
    open        the day is `closed`; the next business day opens

Each step commits in one unit of work with its record in `end_of_day_steps`, so after a crash
the procedure resumes at the first step not recorded, and no step happens twice. A warehoused
payment is released (submitted) once every currency it touches has opened the day it is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vostro.calendar.days import CurrencyCalendar
from vostro.calendar.model import Cutoff, DayState, OperatingDay
from vostro.day.report import Flow, day_report
from vostro.errors import VostroError, invariant
from vostro.iso20022.ports import Journal
from vostro.payments import dating
from vostro.payments.lifecycle import Lifecycle
from vostro.payments.model import Payment, Reason, State
from vostro.payments.ports import UnitOfWork
from vostro.payments.settling import Settling
from vostro.settlement.queue import QueueEntry
from vostro.treasury.vostro import VostroTreasury
from vostro.units import NS_PER_S

STEPS = ("stop", "lsm", "window", "queue", "vostro", "statements", "report", "open")
RELEASED_PER_TICK = 5_000  # warehoused payments submitted per round (the rest next round)
NOT_RELEASED_REASON = (
    "not released on its value date: the currencies it touches were not open together that day"
)
END_OF_DAY_REASON = "still queued at the end of the operating day: the payer lacked the liquidity"


class DayError(VostroError):
    """An end of day asked of a day that cannot have one now."""


@dataclass(frozen=True, slots=True)
class DayStatus:
    currency: str
    day: date
    state: DayState
    business_day: bool
    always_open: bool
    opens_at: int
    end_of_day_at: int
    cutoffs: dict[str, int]  # kind → UTC ns
    steps: dict[str, dict[str, Any]]


class OperatingDays:
    def __init__(
        self,
        lifecycle: Lifecycle,
        settling: Settling,
        treasury: VostroTreasury,
        journal: Journal,
        xsd_dir: Path,
        *,
        statements: bool = True,
    ) -> None:
        self.life, self.settling, self.treasury = lifecycle, settling, treasury
        self.journal, self.xsd_dir, self.statements = journal, xsd_dir, statements

    # ------------------------------------------------------------ the day
    def calendar(self, uow: UnitOfWork, code: str) -> CurrencyCalendar:
        return self.life.memo.calendar(uow, code)

    def current(self, uow: UnitOfWork, code: str) -> OperatingDay:
        """The currency's operating day, opening the first one if none is recorded yet."""
        found = uow.calendar.current_day(code)
        return found or dating.first_day(uow, self.life.memo, code, self.life.clock())

    def due(self, uow: UnitOfWork, code: str) -> date | None:
        """The day whose end of day should run (or resume) now, if any."""
        day = self.current(uow, code)
        if day.state is DayState.CLOSING:
            return day.day
        if self.life.clock() >= self.calendar(uow, code).end_of_day_at(day.day):
            return day.day
        return None

    def status(self, uow: UnitOfWork, code: str) -> DayStatus:
        cal = self.calendar(uow, code)
        stored = uow.calendar.current_day(code)
        d = stored.day if stored else cal.day_of(self.life.clock())
        state = stored.state if stored else DayState.OPEN
        return DayStatus(
            code,
            d,
            state,
            cal.business_day(d),
            cal.schedule.always_open,
            cal.opens_at(d),
            cal.end_of_day_at(d),
            {k.value: cal.cutoff_at(d, k) for k in Cutoff},
            uow.calendar.steps(code, d),
        )

    # ------------------------------------------------------- end of day
    def pending_steps(self, uow: UnitOfWork, code: str, day: date) -> list[str]:
        done = uow.calendar.steps(code, day)
        return [s for s in STEPS if s not in done]

    def run_step(self, uow: UnitOfWork, code: str, day: date, step: str) -> dict[str, Any]:
        """Do one step and record it, in the unit of work of the command."""
        invariant(step in STEPS, f"no end-of-day step {step}")
        pending = self.pending_steps(uow, code, day)
        invariant(bool(pending) and pending[0] == step, f"{step} is not the next step: {pending}")
        stored = uow.calendar.day(code, day)
        invariant(stored is not None, f"the operating day {code} {day} is not recorded")
        assert stored is not None
        detail: dict[str, Any] = getattr(self, f"_{step}")(uow, stored)
        uow.calendar.step_done(code, day, step, self.life.clock(), detail)
        self.life.memo.forget()  # the day's state and the queue changed
        return detail

    def _stop(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        uow.calendar.set_state(day.currency, day.day, DayState.CLOSING, self.life.clock())
        return {}

    def _lsm(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        if not uow.queue.depth().get(day.currency):
            return {"skipped": "nothing queued"}
        report = self.settling.run_lsm(uow, day.currency)
        return {"run_id": report.run_id, "settled": report.settled}

    def _window(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        if uow.windows.current(day.currency) is None:
            return {"skipped": "no window open"}
        report = self.settling.close_window(uow, day.currency)
        return {"window_id": report.window_id, "settled": report.settled}

    def _queue(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        carried: list[str] = []
        rejected: list[str] = []
        for entry in _all_entries(uow, day.currency):
            p = uow.payments.get(entry.uetr)
            if p is None or p.state is not State.QUEUED:
                uow.queue.remove([entry.uetr])
                continue
            if p.settlement_date is not None and p.settlement_date > day.day:
                continue  # for a later day (it came after this day's end was due)
            if uow.calendar.carries(p.debtor_agent):
                self._carry(uow, p, entry)
                carried.append(p.uetr)
            else:
                uow.queue.remove([entry.uetr])
                self.life.reject(uow, p, Reason.INSUFFICIENT_FUNDS, END_OF_DAY_REASON)
                rejected.append(p.uetr)
        for p in uow.payments.scheduled(day.day, RELEASED_PER_TICK):
            if p.source_currency != day.currency:
                continue  # warehoused for a day of its other currency
            if uow.calendar.carries(p.debtor_agent):  # never released: its currencies were not
                p.settlement_date = self.calendar(uow, day.currency).next_business_day(day.day)
                uow.payments.save(
                    p, f"not released on its value date: carried to {p.settlement_date}"
                )
                carried.append(p.uetr)
            else:
                self.life.reject(uow, p, Reason.CUTOFF_TIME, NOT_RELEASED_REASON)
                rejected.append(p.uetr)
        return {"carried": carried, "rejected": rejected}

    def _carry(self, uow: UnitOfWork, p: Payment, entry: QueueEntry) -> None:
        cal = self.calendar(uow, p.source_currency)
        after = p.settlement_date or cal.local_date(self.life.clock())
        p.settlement_date = cal.next_business_day(after)
        deadline = self.life.clock() + self.life.queue_deadline_s * NS_PER_S
        uow.queue.add(
            QueueEntry(
                p.uetr, p.debtor_agent, entry.currency, entry.priority, entry.arrival, deadline
            )
        )
        uow.payments.save(
            p,
            f"still queued at the end of the day: carried to {p.settlement_date} (its payer's "
            "choice)",
        )

    def _vostro(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        if day.currency != "INR":
            return {"skipped": "vostro accounts are in rupees"}
        closed = self.treasury.close_day(uow, day.day)
        return {"banks": len(closed), "interest_minor": sum(d.interest_minor for d in closed)}

    def _statements(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        # The camt.053 builder (its schema classes) loads on the first end of day, not with
        # every command that opens the platform.
        from vostro.iso20022.statements import statement

        end = max(self.life.clock(), uow.ledger.state.last_timestamp + 1)
        if not self.statements:
            return {"written": 0, "span_start": day.span_start, "span_end": end, "skipped": "off"}
        written = 0
        for account_id, owner, kind in uow.calendar.accounts(day.currency):
            made = statement(
                self.journal, account_id, day.day, self.xsd_dir, span=(day.span_start, end)
            )
            name = f"{owner}-{kind}-{day.currency}-{day.day.isoformat()}.xml"
            uow.calendar.add_statement(day.currency, day.day, account_id, name, owner, made.xml)
            written += 1
        return {"written": written, "span_start": day.span_start, "span_end": end}

    def _report(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        written = uow.calendar.steps(day.currency, day.day)["statements"]["written"]
        rows = uow.calendar.day_payments(day.currency, day.day)
        report = day_report(day.currency, [Flow(**r) for r in rows], written)
        uow.calendar.put_report(day.currency, day.day, report)
        return {"payments": report["payments"]}

    def _open(self, uow: UnitOfWork, day: OperatingDay) -> dict[str, Any]:
        now = self.life.clock()
        uow.calendar.set_state(day.currency, day.day, DayState.CLOSED, now)
        cal = self.calendar(uow, day.currency)
        following = cal.next_business_day(day.day)
        span_end = uow.calendar.steps(day.currency, day.day)["statements"]["span_end"]
        uow.calendar.add_day(OperatingDay(day.currency, following, DayState.OPEN, now, span_end))
        return {"next": following.isoformat()}

    # ------------------------------------------------- warehoused payments
    def release_due(self, uow: UnitOfWork) -> list[str]:
        """Submit, in arrival order, the warehoused payments whose day has opened in every
        currency they touch."""
        now = self.life.clock()
        latest = max((self.current(uow, c).day for c in uow.calendar.currencies()), default=None)
        if latest is None:
            return []
        released = []
        for p in uow.payments.scheduled(latest, RELEASED_PER_TICK):
            days = [dating.today(uow, self.life.memo, c, now) for c in dating.currencies(p)]
            if dating.ready(days, p.settlement_date or days[0].day, now):
                self.life.release(uow, p)
                released.append(p.uetr)
        return released


def _all_entries(uow: UnitOfWork, code: str) -> list[QueueEntry]:
    entries: list[QueueEntry] = []
    page = uow.queue.entries(code)
    while page:
        entries += page
        last = page[-1]
        page = uow.queue.entries(code, after=(int(last.priority), last.arrival, last.uetr))
    return entries

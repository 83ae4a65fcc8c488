"""What the operator sets and reads of the operating days: each currency's schedule, the closures
added to or removed from its calendar (audited), each participant's choice for what is still
queued at the end of the day, and what each end of day kept (steps, statements, report)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from vostro.calendar.days import CurrencyCalendar
from vostro.calendar.model import (
    HORIZON_DAYS,
    CalendarError,
    Closure,
    Cutoff,
    DayState,
    OperatingDay,
    Schedule,
)
from vostro.day.procedure import STEPS
from vostro.money import settled_codes
from vostro.participants.registry import Registry
from vostro.payments.checks import Memo
from vostro.payments.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class CalendarView:
    """A currency's schedule, its operating day now, and the closed days ahead."""

    currency: str
    schedule: Schedule
    zone: str
    day: date
    state: DayState
    opens_at: int
    end_of_day_at: int
    cutoffs: dict[str, int]  # kind → UTC ns
    closures: list[Closure]  # the operator's changes
    closed_ahead: list[tuple[date, str]]  # the non-business days within the horizon, and why

    def as_dict(self, ahead: int | None = None) -> dict[str, Any]:
        """As JSON shows it (the first `ahead` closed days only, if given)."""
        return {
            "currency": self.currency,
            "zone": self.zone,
            "day": self.day.isoformat(),
            "state": self.state.value,
            "always_open": self.schedule.always_open,
            "opens_at": self.opens_at,
            "end_of_day_at": self.end_of_day_at,
            "cutoffs": self.cutoffs,
            "closed_ahead": [{"day": d.isoformat(), "why": why} for d, why in self.closed_ahead][
                :ahead
            ],
        }


class DayAdmin:
    def __init__(self, registry: Registry, memo: Memo, clock: Callable[[], int]) -> None:
        self.registry, self.memo, self.clock = registry, memo, clock

    # ------------------------------------------------------------ reads
    def view(self, uow: UnitOfWork, code: str | None = None) -> list[CalendarView]:
        """The calendar of `code`, or of every currency participants hold or the operator
        scheduled."""
        codes = (
            {_settled(code)}
            if code is not None
            else set(uow.calendar.currencies()) | {s.currency for s in uow.calendar.schedules()}
        )
        return [self._view(uow, c, self.clock()) for c in sorted(codes)]

    def _view(self, uow: UnitOfWork, code: str, now_ns: int) -> CalendarView:
        cal = self.memo.calendar(uow, code)
        stored = uow.calendar.current_day(code)
        d = stored.day if stored else cal.day_of(now_ns)
        ahead = [d + timedelta(days=n) for n in range(HORIZON_DAYS + 1)]
        return CalendarView(
            code,
            cal.schedule,
            cal.zone.key,
            d,
            stored.state if stored else DayState.OPEN,
            cal.opens_at(d),
            cal.end_of_day_at(d),
            {k.value: cal.cutoff_at(d, k) for k in Cutoff},
            sorted(cal.closures.values(), key=lambda c: c.day),
            [(x, why) for x in ahead if (why := cal.closed_why(x)) is not None],
        )

    def calendar(self, uow: UnitOfWork, code: str) -> CurrencyCalendar:
        return self.memo.calendar(uow, _settled(code))

    def days(self, uow: UnitOfWork, code: str | None, limit: int) -> list[OperatingDay]:
        return uow.calendar.days(code, limit)

    def day(self, uow: UnitOfWork, code: str, day: date) -> dict[str, Any] | None:
        """One recorded day: its state, the end-of-day steps done, its report."""
        found = uow.calendar.day(_settled(code), day)
        if found is None:
            return None
        done = uow.calendar.steps(code, day)
        return {
            "day": found,
            "steps": {step: done[step] for step in STEPS if step in done},
            "report": uow.calendar.report(code, day),
        }

    def statements(self, uow: UnitOfWork, day: date, code: str | None) -> list[dict[str, Any]]:
        return uow.calendar.statements(day, code)

    def statement(self, uow: UnitOfWork, day: date, name: str) -> bytes | None:
        return uow.calendar.statement(day, name)

    def carries(self, uow: UnitOfWork, bic: str) -> bool:
        return uow.calendar.carries(self.registry.get(uow, bic).bic)

    # ----------------------------------------------------------- writes
    def set_schedule(self, uow: UnitOfWork, schedule: Schedule, *, actor: str) -> None:
        """The currency's operating hours from now on (the day under way included)."""
        _settled(schedule.currency)
        uow.calendar.put_schedule(schedule)
        uow.audit.record(actor, "calendar.schedule", schedule.currency, **_described(schedule))
        self.memo.forget()

    def set_closure(self, uow: UnitOfWork, closure: Closure, *, actor: str) -> None:
        """Close a day of the currency's calendar (`closed`), or open one it would close."""
        _settled(closure.currency)
        if not closure.reason.strip():
            raise CalendarError("say why the day is closed or opened: the reason is kept")
        current = self._view(uow, closure.currency, self.clock()).day
        if closure.day <= current:
            raise CalendarError(
                f"{closure.day} is not ahead of {closure.currency}'s operating day "
                f"{current}: only a later day's calendar can change"
            )
        uow.calendar.put_closure(closure)
        uow.audit.record(
            actor,
            "calendar.close" if closure.closed else "calendar.open",
            f"{closure.currency} {closure.day}",
            reason=closure.reason,
        )
        self.memo.forget()

    def remove_closure(self, uow: UnitOfWork, code: str, day: date, *, actor: str) -> bool:
        """Drop the operator's change to `day`: the holiday library decides it again."""
        removed = uow.calendar.remove_closure(_settled(code), day)
        if removed:
            uow.audit.record(actor, "calendar.reset", f"{code} {day}")
            self.memo.forget()
        return removed

    def set_carry(self, uow: UnitOfWork, bic: str, carry: bool, *, actor: str) -> None:
        """What the participant's payments still queued at the end of the day become: carried to
        the next business day (True) or rejected (False, the default)."""
        found = self.registry.get(uow, bic)
        uow.calendar.set_carry(found.bic, carry)
        uow.audit.record(actor, "calendar.carry", found.bic, carry=carry)


def _settled(code: str) -> str:
    if code not in settled_codes():
        raise CalendarError(f"{code!r} is not a currency vostro settles")
    return code


def _described(schedule: Schedule) -> dict[str, Any]:
    if schedule.always_open:
        return {"always_open": True}
    return {
        "opens": schedule.opens,
        "end_of_day": schedule.end_of_day,
        "cutoffs": {k.value: v for k, v in schedule.cutoffs.items()},
    }


__all__ = ["CalendarView", "DayAdmin"]

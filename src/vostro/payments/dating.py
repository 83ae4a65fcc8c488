"""Value dates: on which operating day a payment settles, and whether it can settle now.

A payment may name its interbank settlement date (`settlement_date`, `IntrBkSttlmDt`). The date
must be a business day of every currency the payment touches (DT01), not before today's
operating day nor beyond the horizon (DT01). A payment for a later day, or for today before the
day opens, is warehoused (`scheduled`, nothing reserved) and submitted at that day's opening in
arrival order. A payment for today after its cut-off (or while the day's end is under way) is
refused TM01, unless its sender asked for the next business day instead; a 24×7 currency never
refuses for the time, it dates such a payment the next day. Without a date, a payment is for
today's operating day.

A payment's currencies each have their own day (their own time zone and holidays): it settles
only when every one of them is open for it, which is what payment-versus-payment needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vostro.calendar.days import CurrencyCalendar, common_next_business_day
from vostro.calendar.model import Cutoff, DayState, OperatingDay, hhmm
from vostro.payments.checks import Memo
from vostro.payments.model import Payment, PaymentRejected, Reason
from vostro.payments.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Today:
    """One currency's operating day as it stands now."""

    calendar: CurrencyCalendar
    day: date
    state: DayState

    def open_for(self, kind: Cutoff, now_ns: int) -> bool:
        return self.state is DayState.OPEN and self.calendar.opens_at(
            self.day
        ) <= now_ns < self.calendar.cutoff_at(self.day, kind)

    def opening(self, now_ns: int) -> bool:
        """Before the day's opening (it will open for payments later)."""
        return self.state is DayState.OPEN and now_ns < self.calendar.opens_at(self.day)

    def in_hours(self, now_ns: int) -> bool:
        """Within the day's open hours, or in its end of day: settlement may happen now."""
        if self.state is DayState.CLOSING:
            return True
        cal = self.calendar
        return self.state is DayState.OPEN and cal.opens_at(
            self.day
        ) <= now_ns <= cal.end_of_day_at(self.day)


def today(uow: UnitOfWork, memo: Memo, code: str, now_ns: int) -> Today:
    cal = memo.calendar(uow, code)
    current = memo.current_day(uow, code) or first_day(uow, memo, code, now_ns)
    if current.state is DayState.OPEN and now_ns >= cal.end_of_day_at(current.day):
        # Its end of day is due and not yet begun (the writer runs it within seconds, or on
        # starting again): what arrives now is for the day the clock says, as after it.
        return Today(cal, cal.day_of(now_ns), DayState.OPEN)
    return Today(cal, current.day, current.state)


def first_day(uow: UnitOfWork, memo: Memo, code: str, now_ns: int) -> OperatingDay:
    """Record the currency's first operating day, the one the clock says, on its first use."""
    opened = OperatingDay(code, memo.calendar(uow, code).day_of(now_ns), DayState.OPEN, now_ns, 0)
    uow.calendar.add_day(opened)
    memo.note_day(opened)
    return opened


def currencies(p: Payment) -> list[str]:
    """The payment's currencies, the one it is paid in (its value date's) first."""
    return [p.source_currency] + (
        [p.target_currency] if p.target_currency != p.source_currency else []
    )


def value_date(
    uow: UnitOfWork, memo: Memo, p: Payment, kind: Cutoff, now_ns: int
) -> tuple[date, bool]:
    """The payment's value date, and whether it settles now (False: warehoused until then).

    The date is a day of the currency it is paid in (its operating day is "today"); every
    currency it touches must be open for it, each on its own day, for it to settle now.
    """
    days = [today(uow, memo, code, now_ns) for code in currencies(p)]
    paid = days[0]
    requested = p.settlement_date
    if requested is not None:
        check_requested(days, requested)
    target = requested or paid.day
    if target == paid.day and all(t.open_for(kind, now_ns) for t in days):
        return target, True
    closed = [t for t in days if not t.open_for(kind, now_ns)]
    if all_business(days, target) and (target > paid.day or all(t.opening(now_ns) for t in closed)):
        return target, False  # a later day, or today before the opening
    if p.next_day_if_late or all(t.calendar.schedule.always_open for t in days):
        return common_next_business_day([t.calendar for t in days], target), False
    raise PaymentRejected(Reason.CUTOFF_TIME, _late(closed, kind))


def ready(days: list[Today], value: date, now_ns: int) -> bool:
    """Whether a payment warehoused for `value` may be submitted now: its day has come in the
    currency it is paid in (`days[0]`), and every currency it touches has opened."""
    return days[0].day >= value and all(
        t.state is DayState.OPEN and t.calendar.opens_at(t.day) <= now_ns for t in days
    )


def all_business(days: list[Today], d: date) -> bool:
    return all(t.calendar.business_day(d) for t in days)


def check_requested(days: list[Today], requested: date) -> None:
    """A business day of every currency the payment touches, not before the operating day of
    the currency it is paid in (`days[0]`, whose day the date is) nor beyond its horizon."""
    for t in days:
        why = t.calendar.closed_why(requested)
        if why is not None:
            raise PaymentRejected(
                Reason.INVALID_DATE,
                f"{requested} is not a business day of {t.calendar.code} ({why})",
            )
    paid = days[0]
    if requested < paid.day:
        raise PaymentRejected(
            Reason.INVALID_DATE,
            f"{requested} is past: {paid.calendar.code}'s operating day is {paid.day}",
        )
    if requested > paid.calendar.horizon(paid.day):
        raise PaymentRejected(
            Reason.INVALID_DATE,
            f"{requested} is beyond the horizon of {paid.calendar.code} "
            f"({paid.calendar.horizon(paid.day)}): send it nearer the date",
        )


def _late(closed: list[Today], kind: Cutoff) -> str:
    for t in closed:
        cal = t.calendar
        if t.state is not DayState.OPEN:
            return f"{cal.code}'s operating day {t.day} is closing: nothing more for it"
        return (
            f"after the {kind} cut-off of {cal.code} on {t.day} "
            f"({hhmm(cal.schedule.cutoff(kind))} {cal.zone.key}); ask for the next business day "
            "to have it warehoused"
        )
    return "no operating day of its currencies is open for it"

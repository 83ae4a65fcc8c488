"""Calendars and schedules per currency, and the state of each currency's operating day.

A currency's **calendar** is its home market's business days: weekdays that are not public
holidays (the `holidays` library: India with Maharashtra's holidays for the Reserve Bank's Mumbai
days, Russia), changed by the closures an operator adds (a day closed) or removes (a holiday
opened). Its **schedule** is either 24×7 (every day a business day, always open; its end of day
still runs, at midnight) or a day with an opening, a cut-off per kind of payment and an end of
day, in the currency's own time zone (IST for INR, MSK for RUB). Every stored time stays UTC.

Each currency's operating day is recorded: `open` (accepting for the day), `closing` (its end of
day under way: nothing more is accepted for it) and `closed` (every end-of-day step done; the
next business day is open).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

from vostro.errors import VostroError

MINUTES_PER_DAY = 24 * 60
HORIZON_DAYS = 30  # how far ahead a value date may be
# The home market of each currency: its time zone and its holiday calendar (country, region).
ZONES: dict[str, str] = {"INR": "Asia/Kolkata", "RUB": "Europe/Moscow"}
HOLIDAYS: dict[str, tuple[str, str | None]] = {"INR": ("IN", "MH"), "RUB": ("RU", None)}


class CalendarError(VostroError):
    """A schedule or closure that cannot be set."""


class Cutoff(StrEnum):
    """The kinds of payment with a cut-off of their own."""

    CUSTOMER = "customer"  # customer credit transfers (pacs.008): trade, remittances
    INTERBANK = "interbank"  # bank-to-bank transfers (pacs.009) and returns
    URGENT = "urgent"  # payments sent with urgent priority


def cutoff_kind(flow: str, urgent: bool) -> Cutoff:
    if urgent:
        return Cutoff.URGENT
    return Cutoff.INTERBANK if flow in ("transfer", "return") else Cutoff.CUSTOMER


class DayState(StrEnum):
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


def zone(code: str) -> ZoneInfo:
    return ZoneInfo(ZONES.get(code, "UTC"))


@dataclass(frozen=True, slots=True)
class Schedule:
    """A currency's operating hours, in minutes after its local midnight."""

    currency: str
    always_open: bool = True
    opens: int = 0
    cutoffs: dict[Cutoff, int] = field(default_factory=dict)
    end_of_day: int = MINUTES_PER_DAY

    def __post_init__(self) -> None:
        if self.always_open:
            if self.opens != 0 or self.end_of_day != MINUTES_PER_DAY or self.cutoffs:
                raise CalendarError(
                    "a 24×7 schedule has no opening, cut-offs or end of day of its own: it runs "
                    "from midnight to midnight"
                )
            return
        missing = [k.value for k in Cutoff if k not in self.cutoffs]
        if missing:
            raise CalendarError(f"the schedule of {self.currency} needs cut-offs for {missing}")
        if not 0 <= self.opens < self.end_of_day <= MINUTES_PER_DAY:
            raise CalendarError("the opening must come before the end of day, both in the day")
        for kind, at in self.cutoffs.items():
            if not self.opens < at <= self.end_of_day:
                raise CalendarError(
                    f"the {kind} cut-off must fall after the opening and not after the end of day"
                )

    def cutoff(self, kind: Cutoff) -> int:
        return self.end_of_day if self.always_open else self.cutoffs[kind]


def always_open(code: str) -> Schedule:
    """The schedule of a currency the operator has not scheduled: 24×7, as India's RTGS runs."""
    return Schedule(code)


@dataclass(frozen=True, slots=True)
class Closure:
    """An operator's change to a calendar: `closed` adds a closed day, otherwise opens one."""

    currency: str
    day: date
    closed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class OperatingDay:
    """One currency's operating day as recorded."""

    currency: str
    day: date
    state: DayState
    opened_at: int  # ns
    span_start: int  # ns: where its statements begin (the previous day's end)
    closing_at: int | None = None
    closed_at: int | None = None


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(text: str) -> int:
    """'HH:MM' as minutes after midnight; '24:00' is the day's end."""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise CalendarError(f"{text!r} is not a time of day HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise CalendarError(f"{text!r} is not a time of day HH:MM")
    return hours * 60 + minutes

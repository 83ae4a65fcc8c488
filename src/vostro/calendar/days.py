"""A currency's calendar and schedule together: which days are business days, and when a day
opens, reaches each cut-off and ends, as UTC nanoseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays

from vostro.calendar.model import (
    HOLIDAYS,
    HORIZON_DAYS,
    Closure,
    Cutoff,
    Schedule,
    zone,
)
from vostro.units import NS_PER_S

LOOKAHEAD_DAYS = 400  # the longest run of closed days a calendar may have


@lru_cache(maxsize=64)
def _public_holidays(code: str, year: int) -> dict[date, str]:
    where = HOLIDAYS.get(code)
    if where is None:
        return {}
    found = holidays.country_holidays(where[0], subdiv=where[1], years=year)
    return {d: str(name) for d, name in found.items()}


def holiday(code: str, d: date) -> str | None:
    """The public holiday of the currency's home market on `d`, if any."""
    return _public_holidays(code, d.year).get(d)


class CurrencyCalendar:
    def __init__(self, schedule: Schedule, closures: list[Closure]) -> None:
        self.schedule = schedule
        self.code = schedule.currency
        self.zone = zone(self.code)
        self.closures = {c.day: c for c in closures}
        self._times: dict[tuple[date, int], int] = {}  # `at`, worked out once per day and time

    # ---------------------------------------------------------------- days
    def closed_why(self, d: date) -> str | None:
        """Why `d` is not a business day, or None when it is."""
        changed = self.closures.get(d)
        if changed is not None:
            return changed.reason if changed.closed else None
        if self.schedule.always_open:
            return None
        if d.weekday() >= 5:
            return "a weekend"
        return holiday(self.code, d)

    def business_day(self, d: date) -> bool:
        return self.closed_why(d) is None

    def next_business_day(self, d: date) -> date:
        for n in range(1, LOOKAHEAD_DAYS):
            later = d + timedelta(days=n)
            if self.business_day(later):
                return later
        raise ValueError(f"{self.code} has no business day within {LOOKAHEAD_DAYS} days of {d}")

    def first_business_day(self, d: date) -> date:
        return d if self.business_day(d) else self.next_business_day(d)

    # --------------------------------------------------------------- times
    def at(self, d: date, minutes: int) -> int:
        """`minutes` after local midnight of `d`, as UTC ns."""
        found = self._times.get((d, minutes))
        if found is None:
            local = datetime(d.year, d.month, d.day, tzinfo=self.zone) + timedelta(minutes=minutes)
            found = self._times[d, minutes] = int(local.astimezone(UTC).timestamp()) * NS_PER_S
        return found

    def opens_at(self, d: date) -> int:
        return self.at(d, self.schedule.opens)

    def cutoff_at(self, d: date, kind: Cutoff) -> int:
        return self.at(d, self.schedule.cutoff(kind))

    def end_of_day_at(self, d: date) -> int:
        return self.at(d, self.schedule.end_of_day)

    def local_date(self, now_ns: int) -> date:
        return datetime.fromtimestamp(now_ns / NS_PER_S, tz=self.zone).date()

    def day_of(self, now_ns: int) -> date:
        """The operating day `now` belongs to: today's, if it is a business day not yet ended,
        otherwise the next business day."""
        today = self.local_date(now_ns)
        if self.business_day(today) and now_ns < self.end_of_day_at(today):
            return today
        return self.next_business_day(today)

    def horizon(self, today: date) -> date:
        return today + timedelta(days=HORIZON_DAYS)


def common_next_business_day(calendars: list[CurrencyCalendar], after: date) -> date:
    """The first day after `after` that is a business day of every calendar."""
    d = after
    for _ in range(LOOKAHEAD_DAYS):
        d += timedelta(days=1)
        if all(c.business_day(d) for c in calendars):
            return d
    raise ValueError(f"no common business day within {LOOKAHEAD_DAYS} days of {after}")


__all__ = ["CurrencyCalendar", "Cutoff", "common_next_business_day", "holiday"]

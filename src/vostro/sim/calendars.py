"""Business days and hours of the corridor's two sides, from vostro's own calendars
(`vostro.calendar`: the `holidays` library's India with Maharashtra, and Russia).

INR payments arrive on the Reserve Bank's Mumbai business days (India with Maharashtra's
holidays) within 10:00-17:00 IST; RUB payments on Russia's business days within 09:00-18:00 MSK.
Migrant remittances are sent on any day, 07:00-21:00 MSK. Every time is kept in UTC: IST is
UTC+05:30 and MSK UTC+03:00, neither with summer time.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from vostro.calendar.days import holiday

IST_OFFSET_S = 5 * 3600 + 1800
MSK_OFFSET_S = 3 * 3600
# (opens, closes) in seconds after midnight UTC
INR_HOURS = (10 * 3600 - IST_OFFSET_S, 17 * 3600 - IST_OFFSET_S)
RUB_HOURS = (9 * 3600 - MSK_OFFSET_S, 18 * 3600 - MSK_OFFSET_S)
REMITTANCE_HOURS = (7 * 3600 - MSK_OFFSET_S, 21 * 3600 - MSK_OFFSET_S)
DAY_END_S = 19 * 3600  # the simulated day's last arrivals: 19:00 UTC, 22:00 MSK, 00:30 IST
# Both currencies keep vostro's default 24×7 schedule, so each day ends at local midnight: INR's
# at 18:30 UTC, RUB's at 21:00 UTC, the later of them the day's close for the measures.
DAY_CLOSE_S = 21 * 3600
HOURS = {"INR": INR_HOURS, "RUB": RUB_HOURS}


def year_days(start: date, count: int = 365) -> list[date]:
    return [start + timedelta(days=n) for n in range(count)]


def business_days(days: list[date], currency: str) -> np.ndarray:
    """True for each day that is a business day of the currency's home market."""
    return np.array([d.weekday() < 5 and holiday(currency, d) is None for d in days], bool)


def holiday_names(days: list[date], currency: str) -> dict[date, str]:
    return {d: name for d in days if (name := holiday(currency, d)) is not None}

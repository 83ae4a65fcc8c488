"""The corridor's rupee payments, drawn from the sourced segment figures.

Each row of `shared/data/corridor_segments.csv` is a segment of the trade (crude oil, coal,
fertiliser, pharmaceuticals...) or the migrant remittances, with its direction, its payments per
year, the currency mix of its settlement, and a typical ticket in USD with its coefficient of
variation. A day of the corridor takes, for each segment, the INR share of its payments per
business day (250 for trade, 365 for remittances), Poisson-distributed, with log-normal tickets
of the segment's mean and coefficient of variation, at INR 84.5 per USD. Imports run from Indian
banks into Russian banks' rupee vostro accounts; exports run out of those vostro accounts to
Indian banks; remittances arrive through the FX provider. Times are uniform over an 8-hour
business day. The same seed gives the same day.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from vostro.sim.corridor import (
    FX_PROVIDER,
    INDIAN,
    INDIAN_WEIGHTS,
    INR_PER_USD,
    RUSSIAN,
    RUSSIAN_WEIGHTS,
)

DAY_S = 8 * 3600  # the business day the payments arrive in
REMITTANCES = "migrant_remittances"
TRADE_DAYS_PER_YEAR = 250
REMITTANCE_DAYS_PER_YEAR = 365
IMPORTS, EXPORTS = "IN->RU", "RU->IN"
# Short tags for the segments, for the totals by segment.
SEGMENT_TAGS = {
    "crude_oil_HS2709": "crude_oil",
    "oil_products_and_coal_HS27_other": "oil_products_coal",
    "fertilisers_HS31": "fertilisers",
    "vegetable_oils_HS15": "vegetable_oils",
    "precious_stones_metals_HS71": "precious_stones",
    "other_imports_incl_defence_pulses_machinery": "other_imports",
    "engineering_electrical_smartphones_HS84_85_87_72_73": "engineering",
    "pharmaceuticals_HS30": "pharmaceuticals",
    "chemicals_HS28_29_38": "chemicals",
    "food_marine_tea_coffee_meat_fruit": "food",
    "other_exports_apparel_tiles_misc": "other_exports",
    REMITTANCES: "remittances",
}
SEGMENT_TAG_MAX = 64  # characters of a tag made up for a segment not in the table


@dataclass(frozen=True, slots=True)
class Segment:
    """One row of the segment figures that settles partly in rupees."""

    name: str
    direction: str  # IMPORTS or EXPORTS, as India sees it
    inr_share: float  # share of its payments settled in rupees
    payments_per_year: float
    ticket_usd: float
    ticket_cv: float

    @property
    def remittance(self) -> bool:
        return self.name == REMITTANCES

    @property
    def payments_per_day(self) -> float:
        days = REMITTANCE_DAYS_PER_YEAR if self.remittance else TRADE_DAYS_PER_YEAR
        return self.payments_per_year * self.inr_share / days


@dataclass(frozen=True, slots=True)
class DayPayment:
    at_s: int  # seconds into the business day
    payer: str
    payee: str
    amount_minor: int
    segment: str


def segment_tag(name: str) -> str:
    return SEGMENT_TAGS.get(name, name.lower()[:SEGMENT_TAG_MAX])


def load_segments(data_dir: Path) -> list[Segment]:
    """The segments of `corridor_segments.csv` with rupee payments, in the file's order."""
    segments = []
    with (data_dir / "corridor_segments.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            mix = dict(part.split(":") for part in row["currency_mix"].split(";"))
            share = float(mix.get("INR", mix.get("RUB_debit->INR_credit", 0)))
            if row["direction"] not in (IMPORTS, EXPORTS) or not share:
                continue
            segments.append(
                Segment(
                    row["segment"],
                    row["direction"],
                    share,
                    float(row["payments_per_year"]),
                    float(row["typical_ticket_usd"]),
                    float(row["ticket_cv"]),
                )
            )
    return segments


def draw_tickets_minor(rng: np.random.Generator, segment: Segment, count: int) -> list[int]:
    """`count` log-normal tickets with the segment's mean and coefficient of variation, in paise
    (USD to the cent first, then at INR_PER_USD: exact decimals, no float on the money)."""
    sigma = np.sqrt(np.log(1 + segment.ticket_cv * segment.ticket_cv))
    usd = rng.lognormal(np.log(segment.ticket_usd) - sigma * sigma / 2, sigma, count)
    return [int(Decimal(f"{u:.2f}") * INR_PER_USD * 100) for u in usd]


def generate_day(data_dir: Path, *, scale: float = 1.0, seed: int = 1) -> list[DayPayment]:
    """One business day of the corridor's rupee payments, in time order."""
    rng = np.random.default_rng(seed)
    day: list[DayPayment] = []
    for segment in load_segments(data_dir):
        day += _segment_day(segment, rng, scale)
    return sorted(day, key=lambda p: (p.at_s, p.payer, p.payee, p.amount_minor))


def _segment_day(segment: Segment, rng: np.random.Generator, scale: float) -> list[DayPayment]:
    count = rng.poisson(segment.payments_per_day * scale)
    amounts = draw_tickets_minor(rng, segment, count)
    times = rng.integers(0, DAY_S, count)
    if segment.remittance:
        payers = [FX_PROVIDER] * count
        payees = rng.choice(INDIAN, count, p=INDIAN_WEIGHTS).tolist()
    elif segment.direction == IMPORTS:
        payers = rng.choice(INDIAN, count, p=INDIAN_WEIGHTS).tolist()
        payees = rng.choice(RUSSIAN, count, p=RUSSIAN_WEIGHTS).tolist()
    else:
        payers = rng.choice(RUSSIAN, count, p=RUSSIAN_WEIGHTS).tolist()
        payees = rng.choice(INDIAN, count, p=INDIAN_WEIGHTS).tolist()
    return [
        DayPayment(int(t), str(a), str(b), m, segment.name)
        for t, a, b, m in zip(times, payers, payees, amounts, strict=True)
        if m > 0
    ]

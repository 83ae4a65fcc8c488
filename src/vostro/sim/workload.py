"""A calibrated year of the corridor's payments, from the sourced segment figures.

Each trade segment of `shared/data/corridor_segments.csv` gives its payments in the year (its
count, times the scenario's scale and trade growth), a ticket drawn log-normal with the segment's
mean and coefficient of variation, and the currency of each payment drawn from the segment's mix:
INR and RUB settle through vostro, AED, CNY and USD are counted as settled outside it. The
drawn tickets are scaled so the segment's year adds up exactly to its sourced value (to the cent,
by largest remainder), and spread over the business days of the payment's currency with the
sourced seasonality: exports x1.15 in March, crude +/-15 % monthly noise, both normalised so the
year's total is kept; a scenario's shocks then scale their months (so the year falls by the
shock's share). Migrant remittances (workers x 12 a year, tickets log-normal around USD 500) are
sent on any day, in roubles, for rupees credited in India. INR/RUB follows a geometric Brownian
motion with the sourced volatility, reflected into the sourced range. USD converts to paise at
INR 84.5 per USD and to kopecks at the day's USD/RUB (84.5 / INR per RUB, to 4 places), each
rounded half to even. Each segment draws from its own seeded stream: the same seed gives the
same year, byte for byte.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np

from vostro.sim import calendars
from vostro.sim.corridor import FX_PROVIDERS, INDIAN, INDIAN_WEIGHTS, RUSSIAN, RUSSIAN_WEIGHTS
from vostro.sim.scenario import Scenario
from vostro.sim.segments import EXPORTS, IMPORTS, REMITTANCES, segment_tag

BANKS = [*INDIAN, *RUSSIAN, *FX_PROVIDERS]
SENDERS = {bic: f"{bic}TRF" for bic in RUSSIAN}  # each Russian bank's money-transfer branch
PARTICIPANTS = [*BANKS, *SENDERS.values()]  # every participant that holds liquidity
CURRENCIES = ("INR", "RUB")  # index 0 and 1; OUTSIDE for the rest
OUTSIDE = 2
INR_PER_USD_E1 = 845  # INR 84.5 per USD, in tenths
RATE_E4 = 10_000
RATE_RANGE = (0.77, 1.17)  # INR per RUB, fx_and_cost_parameters.csv
RATE_START, RATE_VOL = 0.95, 0.18
EXPORTS_MARCH = 1.15
CRUDE_NOISE = 0.15
CRUDE = "crude_oil"


@dataclass(frozen=True)
class SegmentSpec:
    name: str
    tag: str
    direction: str
    annual_value_usd: float
    payments_per_year: float
    ticket_usd: float
    ticket_cv: float
    mix: dict[str, float]  # currency -> share; INR and RUB go through vostro

    @property
    def remittance(self) -> bool:
        return self.name == REMITTANCES


@dataclass
class Workload:
    """The year's payments as columns, in arrival order (one row per payment)."""

    scenario: Scenario
    days: list[date]
    usd_rub_e4: np.ndarray  # per day: USD/RUB x 10^4
    segments: list[SegmentSpec]
    day: np.ndarray  # int32 index into days
    at_s: np.ndarray  # int64 seconds after midnight UTC
    segment: np.ndarray  # int16 index into segments
    currency: np.ndarray  # int8: 0 INR, 1 RUB, 2 outside vostro
    payer: np.ndarray  # int16 index into BANKS
    payee: np.ndarray
    usd_cents: np.ndarray  # int64
    amount_minor: np.ndarray  # int64, in the payment's currency (0 outside vostro)

    def __len__(self) -> int:
        return len(self.day)

    @property
    def through_vostro(self) -> np.ndarray:
        return self.currency != OUTSIDE

    def remittance_mask(self) -> np.ndarray:
        index = [n for n, s in enumerate(self.segments) if s.remittance]
        return np.isin(self.segment, index)

    def inr_per_rub(self, day: int) -> Decimal:
        usd_rub = Decimal(int(self.usd_rub_e4[day])) / RATE_E4
        return (Decimal(INR_PER_USD_E1) / 10 / usd_rub).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


def load_segments(data_dir: Path) -> list[SegmentSpec]:
    """The trade segments and the remittances of `corridor_segments.csv`, in the file's order."""
    out = []
    with (data_dir / "corridor_segments.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["direction"] not in (IMPORTS, EXPORTS):
                continue  # the vostro sweeps: the treasury makes them, they are not trade
            mix = {}
            for part in row["currency_mix"].split(";"):
                code, share = part.split(":")
                mix["RUB" if code == "RUB_debit->INR_credit" else code] = float(share)
            out.append(
                SegmentSpec(
                    row["segment"],
                    segment_tag(row["segment"]),
                    row["direction"],
                    float(row["annual_value_usd"]),
                    float(row["payments_per_year"]),
                    float(row["typical_ticket_usd"]),
                    float(row["ticket_cv"]),
                    mix,
                )
            )
    return out


def official_mix(mix: dict[str, float], share: float) -> dict[str, float]:
    """The mix with INR and RUB scaled to `share` together (their ratio kept), the rest to the
    remainder; a segment with neither keeps its mix."""
    local = mix.get("INR", 0) + mix.get("RUB", 0)
    other = 1 - local
    if not local:
        return dict(mix)
    return {
        code: (value * share / local if code in CURRENCIES else value * (1 - share) / other)
        for code, value in mix.items()
        if code in CURRENCIES or other > 0
    }


def generate(
    data_dir: Path, scenario: Scenario, *, scale: float = 1.0, days: int = 365
) -> Workload:
    """The scenario's year (its first `days` days), in arrival order."""
    year = calendars.year_days(scenario.fiscal_year_start, 365)
    open_days = {code: calendars.business_days(year, code) for code in CURRENCIES}
    usd_rub = rate_path(scenario.seed, len(year))
    segments = load_segments(data_dir)
    parts = []
    for n, spec in enumerate(segments):
        rng = np.random.default_rng([scenario.seed, n])
        parts.append(_segment_year(spec, n, rng, scenario, scale, year, open_days))
    columns = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    keep = columns["day"] < days
    columns = {k: v[keep] for k, v in columns.items()}
    order = np.lexsort((np.arange(len(columns["day"])), columns["at_s"], columns["day"]))
    columns = {k: v[order] for k, v in columns.items()}
    columns["amount_minor"] = _amounts(columns, usd_rub)
    return Workload(scenario, year[:days], usd_rub[:days], segments, **columns)


def rate_path(seed: int, count: int) -> np.ndarray:
    """USD/RUB x 10^4 per day: INR per RUB a GBM from 0.95 with 18 % annual volatility, reflected
    into 0.77-1.17, crossed with INR 84.5 per USD."""
    rng = np.random.default_rng([seed, 1_000])
    dt = 1 / 365
    steps = rng.normal(-RATE_VOL * RATE_VOL / 2 * dt, RATE_VOL * np.sqrt(dt), count - 1)
    low, high = np.log(RATE_RANGE[0]), np.log(RATE_RANGE[1])
    level = [np.log(RATE_START)]
    for step in steps:
        x = level[-1] + step
        x = 2 * high - x if x > high else (2 * low - x if x < low else x)
        level.append(x)
    inr_per_rub = np.exp(np.array(level))
    return np.round(INR_PER_USD_E1 / 10 / inr_per_rub * RATE_E4).astype(np.int64)


def _segment_year(
    spec: SegmentSpec,
    n: int,
    rng: np.random.Generator,
    scenario: Scenario,
    scale: float,
    year: list[date],
    open_days: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    if spec.remittance:
        r = scenario.remittances
        count = round(r.workers * r.per_year * scale)
        value_usd = spec.annual_value_usd * count / spec.payments_per_year
        currency = np.full(count, 1, np.int8)  # roubles debited, rupees credited
    else:
        count = round(spec.payments_per_year * scale * scenario.trade_factor)
        value_usd = spec.annual_value_usd * scale * scenario.trade_factor
        mix = spec.mix
        if scenario.mix.kind == "official":
            mix = official_mix(mix, scenario.mix.official_share)
        codes = list(mix)
        drawn = rng.choice(len(codes), count, p=np.array(list(mix.values())) / sum(mix.values()))
        currency = np.array([_currency_index(c) for c in codes], np.int8)[drawn]
    cents = _tickets_cents(rng, spec, count, value_usd)
    day, at_s, keep = _days_and_times(rng, spec, currency, scenario, year, open_days)
    payer, payee = _banks(rng, spec, count)
    return {
        "day": day[keep].astype(np.int32),
        "at_s": at_s[keep].astype(np.int64),
        "segment": np.full(int(keep.sum()), n, np.int16),
        "currency": currency[keep],
        "payer": payer[keep],
        "payee": payee[keep],
        "usd_cents": cents[keep],
    }


def _currency_index(code: str) -> int:
    return CURRENCIES.index(code) if code in CURRENCIES else OUTSIDE


def _tickets_cents(
    rng: np.random.Generator, spec: SegmentSpec, count: int, value_usd: float
) -> np.ndarray:
    """Log-normal tickets scaled to add up to `value_usd` exactly in cents (largest remainder)."""
    if not count:
        return np.zeros(0, np.int64)
    sigma = np.sqrt(np.log(1 + spec.ticket_cv * spec.ticket_cv))
    draws = rng.lognormal(np.log(spec.ticket_usd) - sigma * sigma / 2, sigma, count)
    total = round(value_usd * 100)
    exact = draws / draws.sum() * total
    cents = np.floor(exact).astype(np.int64)
    short = total - int(cents.sum())
    cents[np.argsort(cents - exact, kind="stable")[:short]] += 1
    return np.maximum(cents, 1)


def _days_and_times(
    rng: np.random.Generator,
    spec: SegmentSpec,
    currency: np.ndarray,
    scenario: Scenario,
    year: list[date],
    open_days: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each payment's day (by the seasonality of its segment, on its currency's business days)
    and time; `keep` is False for a payment a shock took away."""
    count = len(currency)
    months = np.array([d.month for d in year])
    weight = _seasonality(rng, spec, months)
    day = np.zeros(count, np.int64)
    at_s = np.zeros(count, np.int64)
    for index, code in ((0, "INR"), (1, "RUB"), (OUTSIDE, "INR")):
        mine = np.flatnonzero(currency == index)
        if not mine.size:
            continue
        if spec.remittance:
            p, hours = np.ones(len(year)), calendars.REMITTANCE_HOURS
        else:
            p, hours = weight * open_days[code], calendars.HOURS[code]
        day[mine] = rng.choice(len(year), mine.size, p=p / p.sum())
        at_s[mine] = rng.integers(hours[0], hours[1], mine.size)
    factor = _shock_factor(scenario, spec, year)
    keep = rng.random(count) < factor[day]
    return day, at_s, keep


def _seasonality(rng: np.random.Generator, spec: SegmentSpec, months: np.ndarray) -> np.ndarray:
    """Per day of the year: exports x1.15 in March; crude with +/-15 % noise on each month."""
    monthly = np.ones(13)
    if spec.direction == EXPORTS and not spec.remittance:
        monthly[3] = EXPORTS_MARCH
    if spec.tag == CRUDE:
        monthly[1:] = 1 + rng.uniform(-CRUDE_NOISE, CRUDE_NOISE, 12)
    return np.asarray(monthly[months])


def _shock_factor(scenario: Scenario, spec: SegmentSpec, year: list[date]) -> np.ndarray:
    """Per day: the share of the segment's payments that still happen (1 without a shock)."""
    factor = np.ones(len(year))
    for shock in scenario.shocks:
        if shock.segment != spec.tag:
            continue
        first = shock.start.year * 12 + shock.start.month - 1
        for n, d in enumerate(year):
            if first <= d.year * 12 + d.month - 1 < first + shock.months:
                factor[n] *= shock.factor
    return np.minimum(factor, 1.0)


def _banks(
    rng: np.random.Generator, spec: SegmentSpec, count: int
) -> tuple[np.ndarray, np.ndarray]:
    indian = rng.choice(len(INDIAN), count, p=INDIAN_WEIGHTS)
    russian = len(INDIAN) + rng.choice(len(RUSSIAN), count, p=RUSSIAN_WEIGHTS)
    if spec.direction == IMPORTS:
        return indian.astype(np.int16), russian.astype(np.int16)
    return russian.astype(np.int16), indian.astype(np.int16)


def _amounts(columns: dict[str, np.ndarray], usd_rub_e4: np.ndarray) -> np.ndarray:
    """Each payment in minor units of its currency: paise at 84.5, kopecks at the day's rate."""
    cents = columns["usd_cents"]
    inr = div_half_even(cents * INR_PER_USD_E1, 10)
    rub = div_half_even(cents * usd_rub_e4[columns["day"]], RATE_E4)
    out = np.where(columns["currency"] == 0, inr, rub)
    return np.where(columns["currency"] == OUTSIDE, 0, out).astype(np.int64)


def div_half_even(a: np.ndarray, b: int) -> np.ndarray:
    """a / b for non-negative integers, rounded half to even."""
    q, r = np.divmod(a, b)
    up = (2 * r > b) | ((2 * r == b) & (q % 2 == 1))
    return (q + up).astype(np.int64)

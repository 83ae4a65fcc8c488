"""A calibrated corridor day through the real engine, once per settlement design.

The day's rupee payments come from the sourced segment figures in `shared/data`
(`corridor_segments.csv`): for each segment, the INR share of its currency mix, its payments per
year (250 business days for trade, 365 for remittances), and a log-normal ticket with the
segment's mean and coefficient of variation, at INR 84.5 per USD. Imports (crude oil, coal,
fertiliser...) run from Indian banks into Russian banks' rupee vostro accounts; exports run out of
those vostro accounts to Indian banks; remittances arrive through the FX provider. Times are
uniform over an 8-hour business day.

Each design runs on its own fresh database with the same opening liquidity (a share of each
participant's gross outgoing value that day, but at least its largest payment): gross RTGS with a
queue, RTGS with the liquidity-saving mechanism every 30 minutes, and deferred net settlement in
hourly windows. The comparison shows what each settles and how much liquidity it saves.
"""

from __future__ import annotations

import csv
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np

from vostro.participants.model import Role
from vostro.payments.model import PaymentRequest, State
from vostro.platform import Platform
from vostro.settlement.rules import Mode
from vostro.units import NS_PER_S

INR_PER_USD = Decimal("84.5")  # fx_and_cost_parameters.csv: USD/INR ~84.5 (late 2024)
DAY_S = 8 * 3600
LSM_EVERY_S = 1800
WINDOW_S = 3600
INDIAN = ["SBININBB", "UCBAINBB", "IDIBINBB", "INDBINBB"]  # SBI, UCO, Indian Bank, IndusInd
INDIAN_WEIGHTS = [0.45, 0.30, 0.15, 0.10]
RUSSIAN = ["SABRRUMM", "VTBRRUMM", "GAZPRUMM"]  # Sberbank, VTB, Gazprombank
RUSSIAN_WEIGHTS = [0.45, 0.35, 0.20]
FX_PROVIDER = "ICICINBB"
OPERATOR = "VSTRINBB"
NAMES = {
    "SBININBB": "State Bank of India",
    "UCBAINBB": "UCO Bank",
    "IDIBINBB": "Indian Bank",
    "INDBINBB": "IndusInd Bank",
    "SABRRUMM": "Sberbank",
    "VTBRRUMM": "VTB Bank",
    "GAZPRUMM": "Gazprombank",
    FX_PROVIDER: "ICICI Bank",
    OPERATOR: "vostro operator",
}
CORRESPONDENT = {"SABRRUMM": "SBININBB", "VTBRRUMM": "UCBAINBB", "GAZPRUMM": "IDIBINBB"}


@dataclass(frozen=True, slots=True)
class DayPayment:
    at_s: int
    payer: str
    payee: str
    amount_minor: int
    segment: str


@dataclass
class DesignResult:
    design: str
    payments: int
    gross_minor: int
    settled: int
    settled_minor: int
    queued_or_rejected: int
    opening_liquidity_minor: int
    saved_minor: int

    @property
    def settled_pct(self) -> Decimal:
        if not self.gross_minor:
            return Decimal(0)
        return (Decimal(100 * self.settled_minor) / self.gross_minor).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_EVEN
        )


def generate_day(data_dir: Path, *, scale: float = 1.0, seed: int = 1) -> list[DayPayment]:
    """One business day of the corridor's rupee payments, in time order."""
    rng = np.random.default_rng(seed)
    day: list[DayPayment] = []
    with (data_dir / "corridor_segments.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            day += _segment(row, rng, scale)
    return sorted(day, key=lambda p: (p.at_s, p.payer, p.payee, p.amount_minor))


def _segment(row: dict[str, str], rng: np.random.Generator, scale: float) -> list[DayPayment]:
    name, direction = row["segment"], row["direction"]
    mix = dict(part.split(":") for part in row["currency_mix"].split(";"))
    share = float(mix.get("INR", mix.get("RUB_debit->INR_credit", 0)))
    if direction not in ("IN->RU", "RU->IN") or not share:
        return []
    remittance = name == "migrant_remittances"
    days = 365 if remittance else 250
    count = rng.poisson(float(row["payments_per_year"]) * share / days * scale)
    ticket, cv = float(row["typical_ticket_usd"]), float(row["ticket_cv"])
    sigma = np.sqrt(np.log(1 + cv * cv))
    usd = rng.lognormal(np.log(ticket) - sigma * sigma / 2, sigma, count)
    amounts = [int(Decimal(f"{u:.2f}") * INR_PER_USD * 100) for u in usd]
    times = rng.integers(0, DAY_S, count)
    if remittance:
        payers = [FX_PROVIDER] * count
        payees = rng.choice(INDIAN, count, p=INDIAN_WEIGHTS).tolist()
    elif direction == "IN->RU":
        payers = rng.choice(INDIAN, count, p=INDIAN_WEIGHTS).tolist()
        payees = rng.choice(RUSSIAN, count, p=RUSSIAN_WEIGHTS).tolist()
    else:
        payers = rng.choice(RUSSIAN, count, p=RUSSIAN_WEIGHTS).tolist()
        payees = rng.choice(INDIAN, count, p=INDIAN_WEIGHTS).tolist()
    return [
        DayPayment(int(t), str(a), str(b), m, name)
        for t, a, b, m in zip(times, payers, payees, amounts, strict=True)
        if m > 0
    ]


class SimClock:
    """Simulated time in nanoseconds, moved by the day's driver."""

    def __init__(self, start_ns: int) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now


def run_design(
    design: str,
    day: list[DayPayment],
    liquidity_share: Decimal,
    progress: Callable[[int], None] | None = None,
) -> DesignResult:
    """Run the day through a fresh platform under one design: rtgs, lsm or dns."""
    folder = Path(tempfile.mkdtemp(prefix=f"vostro-day-{design}-"))
    start = 1_800_000_000 * NS_PER_S
    clock = SimClock(start)
    with Platform.open(f"sqlite:///{folder / 'day.db'}", clock=clock) as platform:
        opening = _open_corridor(platform, day, liquidity_share, design)
        saved = 0
        next_run = LSM_EVERY_S if design == "lsm" else WINDOW_S
        for n, p in enumerate(day):
            while design != "rtgs" and p.at_s >= next_run:
                clock.now = start + next_run * NS_PER_S
                saved += _run(platform, design)
                next_run += LSM_EVERY_S if design == "lsm" else WINDOW_S
            clock.now = start + p.at_s * NS_PER_S
            platform.payments.submit(
                PaymentRequest(
                    uetr=str(uuid.uuid4()),
                    end_to_end_id=f"DAY-{n}",
                    debtor_agent=p.payer,
                    creditor_agent=p.payee,
                    amount_minor=p.amount_minor,
                    currency="INR",
                    flow="remittance" if p.payer == FX_PROVIDER else "trade",
                )
            )
            if progress is not None:
                progress(1)
        clock.now = start + DAY_S * NS_PER_S
        if design != "rtgs":
            saved += _run(platform, design)
        settled = platform.payments.list(limit=len(day) + 1, state=State.SETTLED)
    settled_minor = sum(x.source_amount_minor for x in settled)
    return DesignResult(
        design,
        len(day),
        sum(p.amount_minor for p in day),
        len(settled),
        settled_minor,
        len(day) - len(settled),
        opening,
        saved,
    )


def _run(platform: Platform, design: str) -> int:
    settlement = platform.settlement
    report = settlement.run_lsm("INR") if design == "lsm" else settlement.close_window("INR")
    return int(report.saved_minor)


def _open_corridor(platform: Platform, day: list[DayPayment], share: Decimal, design: str) -> int:
    """Register the corridor and fund everyone with `share` of its gross outgoing value."""
    reg = platform.registry
    reg.register(OPERATOR, NAMES[OPERATOR], [Role.OPERATOR], ["INR"])
    for bic in INDIAN:
        reg.register(bic, NAMES[bic], [Role.BANK], ["INR"])
    for bic in RUSSIAN:
        reg.register(bic, NAMES[bic], [Role.BANK], ["RUB"], correspondent_bic=CORRESPONDENT[bic])
    reg.register(FX_PROVIDER, NAMES[FX_PROVIDER], [Role.BANK, Role.FX_PROVIDER], ["INR", "RUB"])
    outgoing: dict[str, int] = {}
    largest: dict[str, int] = {}
    for p in day:
        outgoing[p.payer] = outgoing.get(p.payer, 0) + p.amount_minor
        largest[p.payer] = max(largest.get(p.payer, 0), p.amount_minor)
    opening = 0
    for n, (bic, gross) in enumerate(sorted(outgoing.items())):
        # At least its largest payment, so that each payment alone could settle gross.
        amount = max(
            largest[bic], int((Decimal(gross) * share).to_integral_value(rounding=ROUND_HALF_EVEN))
        )
        if amount:
            platform.fund(bic, amount, "INR", transfer_id=(7 << 120) | n, actor="simulation")
            opening += amount
        if design == "dns":
            platform.rules.set_mode(bic, "INR", Mode.DNS, actor="simulation")
            platform.rules.set_net_debit_cap(bic, "INR", gross, actor="simulation")
    if design == "dns":
        for bic in INDIAN + RUSSIAN + [FX_PROVIDER]:
            platform.rules.set_mode(bic, "INR", Mode.DNS, actor="simulation")
    return opening

"""A calibrated corridor day through the real engine, once per settlement design.

The day's rupee payments come from the sourced segment figures (`sim.segments`). Each design
runs on its own fresh database with the same opening liquidity (a share of each participant's
gross outgoing value that day, but at least its largest payment): gross RTGS with a queue, RTGS
with the liquidity-saving mechanism every 30 minutes, and deferred net settlement in hourly
windows. The comparison shows what each settles and how much liquidity it saves.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from vostro.participants.model import Role
from vostro.payments.model import PaymentRequest, State
from vostro.platform import Platform
from vostro.settlement.rules import Mode
from vostro.sim.corridor import CORRESPONDENT, FX_PROVIDER, INDIAN, NAMES, OPERATOR, RUSSIAN
from vostro.sim.segments import DAY_S, DayPayment
from vostro.units import NS_PER_S

LSM_EVERY_S = 1800
WINDOW_S = 3600
DAY_START_NS = 1_800_000_000 * NS_PER_S  # a fixed simulated morning (January 2027)
FUNDING_ID_BASE = 7 << 120  # transfer ids of the day's opening liquidity
DESIGNS = ("rtgs", "lsm", "dns")
ACTOR = "simulation"


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


class SimClock:
    """Simulated time in nanoseconds, moved by the day's driver."""

    def __init__(self, start_ns: int) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        return self.now_ns


def run_design(
    design: str,
    day: list[DayPayment],
    liquidity_share: Decimal,
    progress: Callable[[int], None] | None = None,
) -> DesignResult:
    """Run the day through a fresh platform under one design: rtgs, lsm or dns."""
    folder = Path(tempfile.mkdtemp(prefix=f"vostro-day-{design}-"))
    clock = SimClock(DAY_START_NS)
    every_s = LSM_EVERY_S if design == "lsm" else WINDOW_S
    with Platform.open(f"sqlite:///{folder / 'day.db'}", clock=clock) as platform:
        opening = _open_corridor(platform, day, liquidity_share, design)
        saved = 0
        next_run_s = every_s
        for n, p in enumerate(day):
            while design != "rtgs" and p.at_s >= next_run_s:
                clock.now_ns = DAY_START_NS + next_run_s * NS_PER_S
                saved += _settle(platform, design)
                next_run_s += every_s
            clock.now_ns = DAY_START_NS + p.at_s * NS_PER_S
            platform.payments.submit(_request(p, n))
            if progress is not None:
                progress(1)
        clock.now_ns = DAY_START_NS + DAY_S * NS_PER_S
        if design != "rtgs":
            saved += _settle(platform, design)
        settled = platform.payments.list(limit=len(day) + 1, state=State.SETTLED)
    return DesignResult(
        design,
        len(day),
        sum(p.amount_minor for p in day),
        len(settled),
        sum(x.source_amount_minor for x in settled),
        len(day) - len(settled),
        opening,
        saved,
    )


def _request(p: DayPayment, n: int) -> PaymentRequest:
    return PaymentRequest(
        uetr=str(uuid.uuid4()),
        end_to_end_id=f"DAY-{n}",
        debtor_agent=p.payer,
        creditor_agent=p.payee,
        amount_minor=p.amount_minor,
        currency="INR",
        flow="remittance" if p.payer == FX_PROVIDER else "trade",
    )


def _settle(platform: Platform, design: str) -> int:
    """One LSM run or window close; the liquidity it saved."""
    if design == "lsm":
        return platform.settlement.run_lsm("INR").saved_minor
    return platform.settlement.close_window("INR").saved_minor


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
    rules = platform.rules
    opening = 0
    for n, (bic, gross) in enumerate(sorted(outgoing.items())):
        # At least its largest payment, so that each payment alone could settle gross.
        amount = max(
            largest[bic], int((Decimal(gross) * share).to_integral_value(rounding=ROUND_HALF_EVEN))
        )
        if amount:
            platform.fund(bic, amount, "INR", transfer_id=FUNDING_ID_BASE | n, actor=ACTOR)
            opening += amount
        if design == "dns":
            rules.set_mode(bic, "INR", Mode.DNS, actor=ACTOR)
            rules.set_net_debit_cap(bic, "INR", gross, actor=ACTOR)
    if design == "dns":
        for bic in INDIAN + RUSSIAN + [FX_PROVIDER]:
            rules.set_mode(bic, "INR", Mode.DNS, actor=ACTOR)
    return opening

"""A simulated year through the real engine: the production platform on a fresh store, driven by a
simulated clock.

The corridor (four Indian banks, three Russian banks with their rupee vostro accounts and each
with a money-transfer branch that sends the migrants' remittances, two FX providers) is
registered on a new database. Each day: the day's reference rates are loaded, participants cut
off that day are suspended (their queued payments refused), every settlement account is brought
to its opening liquidity (lower bound + level x (upper bound - lower bound) of its day's
payments; a Russian bank's rupee vostro is only ever topped up, never drained), and the day's
payments are submitted tick by tick, each tick's arrivals as one group commit (remittances with a
firm quote from an FX provider, asked for in the same unit of work). LSM runs and window closes
happen at their simulated times, queue deadlines and hold deadlines are enforced every tick, and
the day ends with a final LSM run, the last window closed, what is still queued refused, and the
vostro day close (sweep into treasury bills, interest). The platform is the one production runs;
the simulator only decides what arrives when.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np

from vostro.config import Settings
from vostro.errors import invariant
from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import ReferenceRate
from vostro.participants.model import Role, Status
from vostro.payments.fees import FeeSchedule
from vostro.payments.model import PaymentRequest, Reason
from vostro.platform import Platform
from vostro.settlement.rules import Mode
from vostro.sim import calendars
from vostro.sim.corridor import CORRESPONDENT, FX_PROVIDERS, INDIAN, NAMES, OPERATOR, RUSSIAN
from vostro.sim.measures import liquidity_bounds, planned_legs
from vostro.sim.workload import BANKS, CURRENCIES, PARTICIPANTS, SENDERS, Workload
from vostro.store.verify import verify
from vostro.units import NS_PER_S

ACTOR = "simulation"
FUNDING_ID_BASE = 9 << 120
CRORE_MINOR = 10**9


class SimClock:
    """Simulated time in nanoseconds, moved by the driver."""

    def __init__(self, start_ns: int) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        return self.now_ns


@dataclass
class EngineRun:
    """What the engine did, for the measures: the store is read back afterwards."""

    url: str
    uetrs: list[str | None]  # per workload row: its UETR (None: settled outside vostro)
    surplus: list[dict[str, object]] = field(default_factory=list)
    providers: list[dict[str, object]] = field(default_factory=list)
    verified: bool = False


def day_start_ns(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * NS_PER_S


def run(
    w: Workload, url: str, progress: Callable[[int], None] | None = None, *, scale: float = 1.0
) -> EngineRun:
    """Run the workload through a fresh platform on `url`; read `verify` at the end."""
    clock = SimClock(day_start_ns(w.days[0]))
    uetr_rng = np.random.default_rng([w.scenario.seed, 2_000])
    uetrs: list[str | None] = [
        str(uuid.UUID(bytes=bytes(b), version=4)) if through else None
        for b, through in zip(
            uetr_rng.integers(0, 256, (len(w), 16), dtype=np.uint8), w.through_vostro, strict=True
        )
    ]
    out = EngineRun(url, uetrs)
    # A queued payment waits until the day's end, where the final LSM run or the refusal decides.
    # Each day ends through the production end-of-day procedure (without a camt.053 per account).
    settings = Settings(
        database_url=url, queue_deadline_s=calendars.DAY_END_S, end_of_day_statements=False
    )
    # The run's database is a scratch copy: committed without waiting for the disk each time.
    with Platform.open(url, clock=clock, settings=settings, durable=False) as platform:
        platform.settings_memo.keep()  # modes, limits and fees across groups, as the writer does
        driver = Driver(platform, clock, w, out, scale)
        driver.register()
        starts = np.searchsorted(w.day, np.arange(len(w.days) + 1))
        for d in range(len(w.days)):
            driver.run_day(d, int(starts[d]), int(starts[d + 1]))
            if progress is not None:
                progress(int(starts[d + 1] - starts[d]))
        out.verified = verify(platform.store).ok
    return out


class Driver:
    """One simulated year on one platform."""

    def __init__(
        self, platform: Platform, clock: SimClock, w: Workload, out: EngineRun, scale: float
    ) -> None:
        self.platform, self.clock, self.w, self.out = platform, clock, w, out
        self.s = w.scenario
        self.next_funding = 0
        self.cut_off: set[str] = set()
        self.remittance = w.remittance_mask()
        self.scale = scale
        r = self.s.remittances
        self._fee = FeeSchedule("RUB", fixed_minor=r.fixed_fee_rub * 100, rate_bps=r.fee_bps)

    # -------------------------------------------------------------- the corridor
    def register(self) -> None:
        p, s = self.platform, self.s
        reg = p.registry
        both = ["INR", "RUB"]
        reg.register(OPERATOR, NAMES[OPERATOR], [Role.OPERATOR], both, actor=ACTOR)
        for bic in INDIAN:
            reg.register(bic, NAMES[bic], [Role.BANK], both, actor=ACTOR)
        for bic in RUSSIAN:
            reg.register(
                bic,
                NAMES[bic],
                [Role.BANK],
                both,
                correspondent_bic=CORRESPONDENT[bic],
                actor=ACTOR,
            )
            reg.register(
                SENDERS[bic], f"{NAMES[bic]} money transfers", [Role.MTO], ["RUB"], actor=ACTOR
            )
            p.fees.set(SENDERS[bic], self._fee, actor=ACTOR)
            if s.surplus.policy == "invest":
                yield_ = Decimal(str(s.surplus.yield_pct)) / 100
                threshold = round(s.surplus.threshold_crore * CRORE_MINOR * self.scale)
                p.treasury.configure(bic, threshold, yield_, actor=ACTOR)
        for bic in FX_PROVIDERS:
            reg.register(bic, NAMES[bic], [Role.BANK, Role.FX_PROVIDER], both, actor=ACTOR)
            for source, target in (("RUB", "INR"), ("INR", "RUB")):
                tiers = (Tier(0, s.fx.spread_bps),)
                p.desk.set_standing_rate(StandingRate(bic, source, target, tiers), actor=ACTOR)
        if s.settlement.design == "dns":
            for bic in [*INDIAN, *RUSSIAN]:
                for code in both:
                    p.rules.set_mode(bic, code, Mode.DNS, actor=ACTOR)

    # -------------------------------------------------------------- a day
    def run_day(self, d: int, first: int, end: int) -> None:
        day = self.w.days[d]
        start = day_start_ns(day)
        self.clock.now_ns = start
        self._rates(d, day)
        self._cut_offs(day)
        rows = np.arange(first, end)
        submitted = rows[self.w.through_vostro[rows]]
        offered = submitted[self._active(submitted)]
        bounds = liquidity_bounds(planned_legs(self.w, offered, d, self._fee_of), len(PARTICIPANTS))
        self._open_liquidity(bounds)
        self.platform.settings_memo.forget()  # the day's settings are read afresh
        for t, arriving in self._ticks(submitted):
            self.clock.now_ns = start + t * NS_PER_S
            self._tick(t, arriving, d)
        self.clock.now_ns = start + calendars.DAY_END_S * NS_PER_S
        self._end_of_day(day)

    def _rates(self, d: int, day: date) -> None:
        usd_rub = Decimal(int(self.w.usd_rub_e4[d])) / 10_000
        rates = [
            ReferenceRate("USD", "INR", Decimal("84.5"), day, "simulation"),
            ReferenceRate("USD", "RUB", usd_rub, day, "simulation"),
        ]
        self.platform.desk.add_reference_rates(rates, actor=ACTOR)

    def _cut_offs(self, day: date) -> None:
        for c in self.s.cutoffs:
            if c.on == day and c.bic not in self.cut_off:
                self.cut_off.add(c.bic)
                reg = self.platform.registry
                # the bank and, for a Russian bank, its money-transfer branch
                for bic in (c.bic, SENDERS.get(c.bic)):
                    if bic is None:
                        continue
                    reg.set_status(bic, Status.SUSPENDED, actor=ACTOR, reason=c.reason)
                    self.platform.payments.refuse_queued(
                        Reason.BLOCKED_ACCOUNT, f"{bic} is {c.reason}", participant=bic
                    )

    def _active(self, rows: np.ndarray) -> np.ndarray:
        """False for a payment to or from a participant cut off already (it is still submitted,
        and refused; it is not part of the day's liquidity need)."""
        if not self.cut_off:
            return np.ones(len(rows), bool)
        off = [BANKS.index(b) for b in self.cut_off if b in BANKS]
        return ~(np.isin(self.w.payer[rows], off) | np.isin(self.w.payee[rows], off))

    def _fee_of(self, amount_minor: int) -> int:
        return self._fee.fee(amount_minor)

    def _open_liquidity(self, bounds: dict[tuple[int, int], tuple[int, int]]) -> None:
        """Each settlement account to lower + level x (upper - lower); Russian banks' rupee
        vostro accounts only ever topped up."""
        reg = self.platform.registry
        for n, bic in enumerate(PARTICIPANTS):
            if bic in self.cut_off or bic.removesuffix("TRF") in self.cut_off:
                continue
            level = self.s.fx.liquidity_level if bic in FX_PROVIDERS else self.s.liquidity.level
            for c, code in enumerate(CURRENCIES):
                if bic in SENDERS.values() and code != "RUB":
                    continue
                upper, lower = bounds.get((n, c), (0, 0))
                target = lower + round(level * (upper - lower))
                if self.s.settlement.design == "dns" and bic in (*INDIAN, *RUSSIAN):
                    # the window's net debit cap: what it brought in for the day
                    self.platform.rules.set_net_debit_cap(bic, code, target, actor=ACTOR)
                have = reg.balance(bic, code)
                if have < target:
                    self._fund(bic, target - have, code, reg.fund)
                elif have > target and not (bic in RUSSIAN and code == "INR"):
                    self._fund(bic, have - target, code, reg.defund)

    def _fund(self, bic: str, amount: int, code: str, how: Callable[..., str]) -> None:
        self.next_funding += 1
        how(bic, amount, code, transfer_id=FUNDING_ID_BASE + self.next_funding, actor=ACTOR)

    def _ticks(self, rows: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(second of the day, the rows arriving in the tick ending then) for every tick with
        arrivals or a scheduled run."""
        st = self.s.settlement
        tick = st.tick_seconds
        at = self.w.at_s[rows]
        ends = (at // tick + 1) * tick
        times = set(ends.tolist())
        every = self._every_s()
        if every:
            times |= set(range(every, calendars.DAY_END_S, every))
        out = []
        for t in sorted(x for x in times if x < calendars.DAY_END_S):
            out.append((t, rows[ends == t]))
        late = rows[ends >= calendars.DAY_END_S]
        if late.size:
            out.append((calendars.DAY_END_S - 1, late))
        return out

    def _every_s(self) -> int:
        st = self.s.settlement
        if st.design == "lsm":
            return st.lsm_every_minutes * 60
        if st.design == "dns":
            return st.window_hours * 3600
        return 0

    def _scheduled(self, t: int) -> None:
        every = self._every_s()
        if not every or t % every:
            return
        for code in CURRENCIES:
            if self.s.settlement.design == "lsm":
                self.platform.settlement.run_lsm(code)
            else:
                self.platform.settlement.close_window(code)

    def _tick(self, t: int, rows: np.ndarray, d: int) -> None:
        """One tick on the writer, as one unit of work: the run or window close due now, the
        tick's arrivals as one group commit (remittances quoted in it), then the queue's and the
        holds' deadlines."""
        with self.platform.unit() as uow:
            self._scheduled(t)
            if rows.size:
                items = [(self._request(n, d), False) for n in rows.tolist()]
                self.platform.payments.submit_many(items)
            self.platform.payments.expire_queue()
            self.platform.holds.expire()
            uow.commit()

    def _request(self, n: int, d: int) -> PaymentRequest:
        w = self.w
        uetr = self.out.uetrs[n]
        invariant(uetr is not None, f"workload row {n} is settled outside vostro: no UETR")
        assert uetr is not None
        code = CURRENCIES[int(w.currency[n])]
        payer, payee = BANKS[int(w.payer[n])], BANKS[int(w.payee[n])]
        if self.remittance[n]:
            sender = SENDERS[payer]
            provider = FX_PROVIDERS[n % len(FX_PROVIDERS)]
            q = self.platform.desk.quote(
                provider, sender, "RUB", "INR", int(w.amount_minor[n]), self.clock()
            )
            return PaymentRequest(
                uetr,
                f"REM-{n}",
                sender,
                payee,
                int(w.amount_minor[n]),
                "RUB",
                target_currency="INR",
                quote_id=q.id,
                flow="remittance",
                debtor_name="Migrant worker",
                creditor_name="Family in India",
            )
        return PaymentRequest(
            uetr,
            f"TRD-{n}",
            payer,
            payee,
            int(w.amount_minor[n]),
            code,
            flow="trade",
            debtor_name="Importer" if payer in INDIAN else "Exporter's buyer",
            creditor_name="Supplier",
        )

    def _end_of_day(self, day: date) -> None:
        """Each currency's end of day at its own time (the later of them last), as the writer
        runs it: the last LSM run, the window's close, the queue refused, the vostro close,
        the report, the next day opened."""
        p = self.platform
        ends = sorted(p.calendar.calendar(code).end_of_day_at(day) for code in CURRENCIES)
        for at in ends:
            self.clock.now_ns = max(self.clock.now_ns, at)
            p.day_tick()
        for bic in RUSSIAN:
            vostro, invested = p.treasury.balances(bic)
            self.out.surplus.append(
                {
                    "date": day,
                    "bic": bic,
                    "name": NAMES[bic],
                    "vostro_minor": vostro,
                    "invested_minor": invested,
                }
            )
        for bic in FX_PROVIDERS:
            for code in CURRENCIES:
                self.out.providers.append(
                    {
                        "date": day,
                        "bic": bic,
                        "currency": code,
                        "balance_minor": p.registry.balance(bic, code),
                    }
                )

"""Random schedules and arrivals over three days: no payment settles outside its currencies' open
hours or before its value date, and every payment ends settled, queued and carried to a later
day, scheduled for a later day, or rejected with a reason."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corridor import FXP, SBER, SBI, UCO, VTB, build, uetr
from tests.fakes import Clock
from vostro.calendar.days import CurrencyCalendar
from vostro.calendar.model import Cutoff, Schedule
from vostro.fx.errors import FxError
from vostro.payments.model import PaymentRequest, State
from vostro.store import open_store
from vostro.store.verify import verify

START = date(2027, 1, 18)  # a Monday
T0 = CurrencyCalendar(Schedule("USD"), []).at(date(2027, 1, 17), 20 * 60)  # Sunday 20:00 UTC
ROUTES = [
    (SBI, UCO, "INR", None, "trade"),
    (UCO, SBI, "INR", None, "transfer"),
    (VTB, SBER, "RUB", None, "trade"),
    (VTB, SBI, "RUB", "INR", "remittance"),
    (SBI, VTB, "INR", "RUB", "trade"),
]


@st.composite
def schedules(draw: st.DrawFn, code: str) -> Schedule:
    if draw(st.booleans()):
        return Schedule(code)
    opens = draw(st.integers(0, 12)) * 60
    end = draw(st.integers(opens // 60 + 2, 24)) * 60
    cut = st.integers(opens // 30 + 1, end // 30).map(lambda n: n * 30)
    cutoffs = {k: draw(cut) for k in Cutoff}
    return Schedule(code, False, opens, cutoffs, end)


arrivals = st.lists(
    st.tuples(
        st.integers(0, 72 * 60),  # minutes after T0
        st.sampled_from(ROUTES),
        st.integers(1_000_00, 4_000_000_00),
        st.one_of(st.none(), st.integers(0, 3)),  # value date: days after START
        st.booleans(),  # next day if late
        st.booleans(),  # urgent
    ),
    min_size=1,
    max_size=14,
)


def ticks(calendars: list[CurrencyCalendar]) -> list[int]:
    """Each currency's openings and ends of day over the days, when the writer's round runs."""
    found = []
    for cal in calendars:
        for n in range(6):
            d = START + timedelta(days=n)
            found += [cal.opens_at(d), cal.end_of_day_at(d)]
    return found


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(inr=schedules("INR"), rub=schedules("RUB"), stream=arrivals)
def test_payments_settle_only_in_open_hours_and_end_each_day_accounted_for(
    tmp_path_factory, inr, rub, stream
):
    folder: Path = tmp_path_factory.mktemp("days")
    store = open_store(f"sqlite:///{folder / 'l.db'}")
    clock = Clock(T0)
    c = build(store, clock)
    try:
        for bic, amount, code in ((SBI, 6_000_000_00, "INR"), (UCO, 1_000_000_00, "INR")):
            c.fund(bic, amount, code)
        for bic, amount, code in ((VTB, 5_000_000_00, "RUB"), (FXP, 4_000_000_00, "RUB")):
            c.fund(bic, amount, code)
        c.fund(FXP, 4_000_000_00, "INR")
        c.calendar.set_carry(UCO, True, actor="test")
        c.calendar.set_schedule(inr, actor="test")
        c.calendar.set_schedule(rub, actor="test")
        calendars = {"INR": c.calendar.calendar("INR"), "RUB": c.calendar.calendar("RUB")}
        events = sorted(
            [(t, None) for t in ticks(list(calendars.values()))]
            + [(T0 + m * 60 * 10**9, a) for m, *a in stream],
            key=lambda e: (e[0], e[1] is not None),
        )
        asked = {}
        for at, arrival in events:
            clock.now = max(clock.now, at)
            c.day_tick()
            if arrival is not None:
                asked.update(submit(c, clock, *arrival))
        check(c, calendars, asked)
        assert verify(store).ok
    finally:
        c.ledger.close()
        store.dispose()


def submit(c, clock, route, amount, offset, next_day, urgent):  # type: ignore[no-untyped-def]
    payer, payee, source, target, flow = route
    quote_id = None
    if target is not None:
        try:
            quote_id = c.desk.quote(FXP, payer, source, target, amount, clock()).id
        except FxError:
            return {}
    value = None if offset is None else START + timedelta(days=offset)
    p = c.payments.submit(
        PaymentRequest(
            uetr=uetr(),
            end_to_end_id=f"E{c.transfer_id()}",
            debtor_agent=payer,
            creditor_agent=payee,
            amount_minor=amount,
            currency=source,
            target_currency=target,
            quote_id=quote_id,
            flow=flow,
            settlement_date=value,
            next_day_if_late=next_day,
        ),
        urgent=urgent,
    )
    return {p.uetr: value}


def check(c, calendars, asked):  # type: ignore[no-untyped-def]
    closed = {code: c.days.status(code) for code in calendars}
    for uetr_, value in asked.items():
        p = c.payments.get(uetr_)
        codes = {p.source_currency, p.target_currency}
        if p.state is State.SETTLED:
            at = next(e.at for e in p.events if e.state is State.SETTLED)
            for code in codes:
                assert in_hours(calendars[code], at), (code, at, p.events)
            if value is not None:
                assert at >= calendars[p.source_currency].opens_at(value)
        elif p.state is State.REJECTED:
            assert p.reason_code and p.reason
        elif p.state is State.QUEUED:  # carried: for a day not yet ended
            assert p.settlement_date >= closed[p.source_currency].day
        else:
            assert p.state is State.SCHEDULED, (p.state, p.events)
            assert p.settlement_date >= closed[p.source_currency].day


def in_hours(cal: CurrencyCalendar, at: int) -> bool:
    d = cal.local_date(at)
    return any(
        cal.business_day(x) and cal.opens_at(x) <= at <= cal.end_of_day_at(x)
        for x in (d - timedelta(days=1), d)
    )

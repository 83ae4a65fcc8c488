"""The operating day on both stores, on a clock the test moves: value dates, cut-offs, holidays
of one currency that are business days of the other, and the end of day (docs/operating-day.md).

The corridor's week is 18-22 January 2027; 26 January is India's Republic Day, a Russian
business day. Rupees open 09:00 IST and end their day at 19:00; roubles keep 24×7 unless a test
schedules them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.corridor import FXP, SBI, UCO, VTB, Corridor, build, uetr
from tests.fakes import Clock
from vostro.calendar.model import Cutoff, DayState, Schedule
from vostro.payments.model import PaymentRequest, State
from vostro.service.writer.housekeeping import Housekeeper
from vostro.store import Store
from vostro.store.verify import verify

MINUTE = 60


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * 10**9


def hours(opens: str, customer: str, interbank: str, urgent: str, end: str) -> dict[str, object]:
    def m(t: str) -> int:
        return int(t[:2]) * 60 + int(t[3:])

    return {
        "always_open": False,
        "opens": m(opens),
        "cutoffs": {
            Cutoff.CUSTOMER: m(customer),
            Cutoff.INTERBANK: m(interbank),
            Cutoff.URGENT: m(urgent),
        },
        "end_of_day": m(end),
    }


INR_HOURS = hours("09:00", "16:00", "17:00", "18:00", "19:00")  # IST = UTC+05:30


@pytest.fixture
def clock() -> Clock:
    return Clock(utc("2027-01-18T05:00:00"))  # Monday, 10:30 IST, 08:00 MSK


@pytest.fixture
def corridor(store: Store, clock: Clock) -> Corridor:
    c = build(store, clock)
    c.fund(SBI, 10_000_000_00, "INR")
    c.fund(VTB, 10_000_000_00, "RUB")
    c.fund(FXP, 10_000_000_00, "INR")
    c.calendar.set_schedule(Schedule("INR", **INR_HOURS), actor="test")  # type: ignore[arg-type]
    yield c
    c.ledger.close()


def pay(c: Corridor, payer: str, payee: str, amount: int, code: str = "INR", **extra):  # type: ignore[no-untyped-def]
    return c.payments.submit(
        PaymentRequest(
            uetr=uetr(),
            end_to_end_id=f"E2E-{c.transfer_id()}",
            debtor_agent=payer,
            creditor_agent=payee,
            amount_minor=amount,
            currency=code,
            **extra,
        )
    )


def test_a_warehoused_payment_settles_at_its_days_opening_and_not_before(corridor, clock):
    p = pay(corridor, SBI, UCO, 1_000_00, settlement_date=date(2027, 1, 19))
    assert p.state is State.SCHEDULED and p.settlement_date == date(2027, 1, 19)
    assert corridor.registry.balance(SBI, "INR") == 10_000_000_00  # nothing reserved
    assert corridor.day_tick()["released"] == []
    clock.now = utc("2027-01-18T13:30:00")  # 19:00 IST: the rupee day ends
    ticked = corridor.day_tick()
    assert ticked["closed"]["INR"][0] == date(2027, 1, 18)
    assert corridor.payments.get(p.uetr).state is State.SCHEDULED
    clock.now = utc("2027-01-19T03:29:00")  # 08:59 IST on its value date: not yet open
    assert corridor.day_tick()["released"] == []
    clock.now = utc("2027-01-19T03:30:00")  # 09:00 IST: the day opens
    assert corridor.day_tick()["released"] == [p.uetr]
    settled = corridor.payments.get(p.uetr)
    assert settled.state is State.SETTLED
    assert settled.events[-1].at >= utc("2027-01-19T03:30:00")
    assert corridor.registry.balance(UCO, "INR") == 1_000_00
    assert verify(corridor.store).ok


def remit(c: Corridor, clock: Clock, on: date):  # type: ignore[no-untyped-def]
    q = c.desk.quote(FXP, VTB, "RUB", "INR", 45_000_00, clock())
    return pay(
        c,
        VTB,
        SBI,
        45_000_00,
        "RUB",
        target_currency="INR",
        quote_id=q.id,
        flow="remittance",
        settlement_date=on,
    )


def test_a_cross_currency_payment_dated_on_an_indian_holiday_is_dt01(corridor, clock):
    republic_day = date(2027, 1, 26)  # a Tuesday: Moscow works, Mumbai does not
    p = remit(corridor, clock, republic_day)
    assert (p.state, p.reason_code) == (State.REJECTED, "DT01")
    assert "not a business day of INR (Republic Day)" in p.reason
    later = remit(corridor, clock, date(2027, 1, 25))
    assert later.state is State.SCHEDULED  # a business day of both currencies: warehoused
    rouble_only = pay(corridor, VTB, "SABRRUMM", 1_000_00, "RUB", settlement_date=republic_day)
    assert rouble_only.state is State.SCHEDULED  # roubles alone: the Indian holiday is not theirs
    assert verify(corridor.store).ok


def test_after_its_cut_off_a_payment_is_tm01_or_waits_for_the_next_day(corridor, clock):
    clock.now = utc("2027-01-18T11:00:00")  # 16:30 IST: after customer, before interbank
    late = pay(corridor, SBI, UCO, 2_000_00)
    assert (late.state, late.reason_code) == (State.REJECTED, "TM01")
    assert "after the customer cut-off of INR" in late.reason
    waits = pay(corridor, SBI, UCO, 2_000_00, next_day_if_late=True)
    assert waits.state is State.SCHEDULED and waits.settlement_date == date(2027, 1, 19)
    interbank = pay(corridor, SBI, UCO, 3_000_00, flow="transfer")
    assert interbank.state is State.SETTLED  # its own cut-off is 17:00
    urgent = corridor.payments.submit(
        PaymentRequest(
            uetr=uetr(),
            end_to_end_id="URGENT-1",
            debtor_agent=SBI,
            creditor_agent=UCO,
            amount_minor=4_000_00,
            currency="INR",
        ),
        urgent=True,
    )
    assert urgent.state is State.SETTLED  # urgent payments until 18:00
    clock.now = utc("2027-01-18T03:00:00")  # 08:30 IST, before the opening: warehoused today
    early = pay(corridor, SBI, UCO, 5_000_00)
    assert early.state is State.SCHEDULED and early.settlement_date == date(2027, 1, 18)
    clock.now = utc("2027-01-18T03:30:00")
    assert corridor.day_tick()["released"] == [early.uetr]
    assert corridor.payments.get(early.uetr).state is State.SETTLED
    assert verify(corridor.store).ok


def test_a_24x7_currency_never_closes_but_runs_its_end_of_day(corridor, clock):
    for at in ("2027-01-16T02:00:00", "2027-01-17T12:00:00"):  # Saturday, Sunday
        clock.now = utc(at)
        corridor.day_tick()  # the writer's round: the day before ends at midnight in Moscow
        assert pay(corridor, VTB, "SABRRUMM", 1_000_00, "RUB").state is State.SETTLED
    clock.now = utc("2027-01-18T05:00:00")
    corridor.day_tick()
    assert pay(corridor, VTB, "SABRRUMM", 2_000_00, "RUB").state is State.SETTLED
    clock.now = utc("2027-01-18T20:59:00")  # 23:59 in Moscow: still the rouble day
    assert pay(corridor, VTB, "SABRRUMM", 1_000_00, "RUB").state is State.SETTLED
    clock.now = utc("2027-01-18T21:00:00")  # midnight in Moscow
    ticked = corridor.day_tick()
    day, steps = ticked["closed"]["RUB"]
    assert day == date(2027, 1, 18)
    assert steps == ["stop", "lsm", "window", "queue", "vostro", "statements", "report", "open"]
    status = corridor.days.status("RUB")
    assert (status.day, status.state) == (date(2027, 1, 19), DayState.OPEN)
    report = corridor.calendar.day("RUB", date(2027, 1, 18))["report"]
    assert report["turnover_minor"] == 3_000_00 and report["by_state"]["settled"] == 2
    names = [s["name"] for s in corridor.calendar.statements(date(2027, 1, 18), "RUB")]
    assert f"{VTB}-settlement-RUB-2027-01-18.xml" in names
    assert pay(corridor, VTB, "SABRRUMM", 3_000_00, "RUB").state is State.SETTLED
    assert corridor.day_tick()["closed"] == {}  # one end of day per day
    assert verify(corridor.store).ok


def test_what_is_still_queued_is_rejected_or_carried_as_its_payer_chose(corridor, clock):
    corridor.fund(UCO, 1_000_00, "INR")
    rejected = pay(corridor, UCO, SBI, 50_000_00)  # more than UCO Bank holds: queued
    assert rejected.state is State.QUEUED
    corridor.calendar.set_carry(SBI, True, actor="test")
    carried = pay(corridor, SBI, UCO, 20_000_000_00)
    assert carried.state is State.QUEUED
    clock.now = utc("2027-01-18T13:30:00")
    corridor.day_tick()
    out = corridor.payments.get(rejected.uetr)
    assert (out.state, out.reason_code) == (State.REJECTED, "AM04")
    assert "end of the operating day" in out.reason
    kept = corridor.payments.get(carried.uetr)
    assert kept.state is State.QUEUED and kept.settlement_date == date(2027, 1, 19)
    steps = corridor.calendar.day("INR", date(2027, 1, 18))["steps"]
    assert (steps["queue"]["carried"], steps["queue"]["rejected"]) == (
        [carried.uetr],
        [rejected.uetr],
    )
    assert verify(corridor.store).ok


def test_a_warehoused_conversion_is_priced_again_when_its_quote_expired(corridor, clock):
    p = remit(corridor, clock, date(2027, 1, 19))
    assert p.state is State.SCHEDULED
    first_quote = p.quote_id
    clock.now = utc("2027-01-18T13:30:00")  # the rupee day ends
    corridor.day_tick()
    clock.now = utc("2027-01-18T21:00:00")  # the rouble day ends (24×7: midnight in Moscow)
    corridor.day_tick()
    clock.now = utc("2027-01-19T03:30:00")  # the rupee day opens: both currencies are open
    assert corridor.day_tick()["released"] == [p.uetr]
    settled = corridor.payments.get(p.uetr)
    assert settled.state is State.SETTLED, settled.reason
    assert settled.quote_id != first_quote  # the first quote expired overnight
    assert corridor.desk.get_quote(settled.quote_id)[2] == p.uetr
    assert verify(corridor.store).ok


def test_the_writers_round_runs_each_end_of_day_when_it_is_due(corridor, clock):
    keeper = Housekeeper(lsm_every_s=3600)
    keeper(corridor.platform)  # 10:30 IST: nothing is due
    assert corridor.days.status("INR").day == date(2027, 1, 18)
    clock.now = utc("2027-01-18T13:30:00")  # 19:00 IST
    keeper(corridor.platform)
    after = corridor.calendar.day("INR", date(2027, 1, 18))
    assert after["day"].state is DayState.CLOSED and list(after["steps"])[-1] == "open"
    assert corridor.days.status("INR").day == date(2027, 1, 19)
    keeper(corridor.platform)  # the next round finds nothing more to do
    assert corridor.days.status("INR").day == date(2027, 1, 19)


def test_a_value_date_is_a_day_of_the_currency_the_payment_is_paid_in(corridor, clock):
    corridor.calendar.set_schedule(Schedule("INR"), actor="test")  # both 24×7 here
    clock.now = utc("2027-01-18T19:30:00")  # 22:30 Monday in Moscow, 01:00 Tuesday in Mumbai
    corridor.day_tick()  # the rupee day of Monday ended at midnight IST
    p = remit(corridor, clock, date(2027, 1, 18))  # Moscow's Monday: not past, though Mumbai's
    assert p.state is State.SETTLED, p.reason
    assert p.settlement_date == date(2027, 1, 18)
    assert verify(corridor.store).ok

"""RTGS queue, liquidity-saving mechanism and deferred net settlement on the real stores."""

from __future__ import annotations

import pytest

from tests.corridor import SBER, SBI, UCO, Corridor, build, uetr
from tests.fakes import Clock
from vostro.payments.model import PaymentRejected, PaymentRequest, State
from vostro.settlement.queue import Priority
from vostro.settlement.rules import Mode
from vostro.store import Store
from vostro.store.verify import verify

INR = "INR"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def corridor(store: Store, clock: Clock) -> Corridor:
    c = build(store, clock)  # nobody is funded: every participant starts with no liquidity
    yield c
    c.ledger.close()


def pay(c: Corridor, payer: str, payee: str, amount: int, *, urgent: bool = False):  # type: ignore[no-untyped-def]
    c.clock.advance(1)  # type: ignore[attr-defined]  # arrivals in order, a second apart
    return c.payments.submit(
        PaymentRequest(
            uetr=uetr(),
            end_to_end_id=f"E{c.transfer_id()}",
            debtor_agent=payer,
            creditor_agent=payee,
            amount_minor=amount,
            currency=INR,
        ),
        urgent=urgent,
    )


def state(c: Corridor, p) -> State:  # type: ignore[no-untyped-def]
    return c.payments.get(p.uetr).state


def test_queued_payment_settles_when_liquidity_arrives(corridor, store):
    corridor.fund(UCO, 1_000_00, INR)
    waiting = pay(corridor, UCO, SBER, 1_500_00)
    assert waiting.state is State.QUEUED
    corridor.fund(SBI, 600_00, INR)
    assert pay(corridor, SBI, UCO, 600_00).state is State.SETTLED  # brings UCO liquidity...
    assert state(corridor, waiting) is State.SETTLED  # ...and its queue is retried at once
    history = [e.state for e in corridor.payments.get(waiting.uetr).events]
    assert history[-3:] == [State.QUEUED, State.RESERVED, State.SETTLED]
    assert corridor.registry.balance(UCO, INR) == 100_00
    assert verify(store).ok


def test_urgent_payments_go_first_then_arrival_order(corridor):
    corridor.fund(UCO, 1_000_00, INR)
    normal = pay(corridor, UCO, SBER, 1_500_00)
    urgent = pay(corridor, UCO, SBER, 1_100_00, urgent=True)
    assert normal.state is urgent.state is State.QUEUED
    corridor.fund(SBI, 200_00, INR)
    pay(corridor, SBI, UCO, 200_00)  # UCO now holds 1,200.00: enough for one of the two
    assert state(corridor, urgent) is State.SETTLED
    assert state(corridor, normal) is State.QUEUED


def test_sender_can_cancel_or_reprioritise_only_its_own_queued_payment(corridor):
    p = pay(corridor, UCO, SBER, 1_500_00)
    with pytest.raises(PaymentRejected, match="has no payment"):
        corridor.payments.cancel(p.uetr, by=SBI)
    corridor.payments.reprioritise(p.uetr, UCO, Priority.URGENT)
    assert corridor.settlement_views.queue_entry(p.uetr).priority is Priority.URGENT
    cancelled = corridor.payments.cancel(p.uetr, by=UCO)
    assert cancelled.state is State.REJECTED and cancelled.reason_code == "DS02"
    assert corridor.settlement_views.queue_entry(p.uetr) is None


def test_payment_still_queued_at_its_deadline_is_rejected(corridor, clock):
    p = pay(corridor, UCO, SBER, 1_500_00)
    clock.advance(4 * 3600 - 1)
    assert corridor.payments.expire_queue() == []
    clock.advance(2)
    assert corridor.payments.expire_queue() == [p.uetr]
    rejected = corridor.payments.get(p.uetr)
    assert rejected.state is State.REJECTED and rejected.reason_code == "AM04"
    assert "deadline" in rejected.reason


def test_textbook_gridlock_of_three_banks_is_resolved(corridor, store):
    cycle = [
        pay(corridor, SBI, UCO, 100_00),
        pay(corridor, UCO, SBER, 100_00),
        pay(corridor, SBER, SBI, 100_00),
    ]
    assert all(p.state is State.QUEUED for p in cycle)
    report = corridor.settlement.run_lsm(INR)
    assert all(state(corridor, p) is State.SETTLED for p in cycle)
    assert (report.settled, report.gross_minor, report.net_minor) == (3, 300_00, 0)
    assert report.saved_pct == "100.00"
    assert corridor.settlement_views.queue(INR) == []
    assert verify(store).ok


@pytest.mark.parametrize("optimal", [False, True])
def test_partial_gridlock_releases_the_most_it_can(corridor, store, optimal):
    corridor.fund(SBI, 50_00, INR)
    cycle = [
        pay(corridor, SBI, UCO, 100_00),
        pay(corridor, UCO, SBER, 100_00),
        pay(corridor, SBER, SBI, 100_00),
    ]
    stuck = pay(corridor, UCO, SBI, 5_000_00)  # nobody can fund this one
    report = corridor.settlement.run_lsm(INR, optimal=optimal)
    assert [state(corridor, p) for p in cycle] == [State.SETTLED] * 3
    assert state(corridor, stuck) is State.QUEUED
    assert report.settled == 3 and report.still_queued == 1
    assert corridor.registry.balance(SBI, INR) == 50_00
    assert verify(store).ok


def test_deferred_net_settlement_window_nets_and_settles(corridor, store):
    for bic in (SBI, UCO, SBER):
        corridor.rules.set_mode(bic, INR, Mode.DNS, actor="ops")
        corridor.rules.set_net_debit_cap(bic, INR, 500_00, actor="ops")
    corridor.fund(SBI, 200_00, INR)
    corridor.fund(UCO, 50_00, INR)
    batch = [
        pay(corridor, SBI, UCO, 400_00),
        pay(corridor, UCO, SBER, 350_00),
        pay(corridor, SBER, SBI, 300_00),
        pay(corridor, UCO, SBI, 100_00),
    ]
    assert all(p.state is State.CLEARING for p in batch)
    assert corridor.registry.balance(UCO, INR) == 50_00  # nothing moved yet
    over = pay(corridor, SBI, SBER, 600_00)  # SBI would owe 600.00 net: over its cap of 500.00
    assert over.state is State.REJECTED and over.reason_code == "AM02"
    report = corridor.settlement.close_window(INR)
    assert all(state(corridor, p) is State.SETTLED for p in batch)
    # SBI: -400 +300 +100 = 0; UCO: +400 -350 -100 = -50; SBER: +350 -300 = +50
    assert report.gross_minor == 1_150_00 and report.net_minor == 50_00
    assert corridor.registry.balance(SBER, INR) == 50_00
    assert corridor.registry.balance(SBI, INR) == 200_00  # its net position was zero
    assert corridor.registry.balance(UCO, INR) == 0
    assert corridor.settlement_views.window(report.window_id).state == "settled"
    assert verify(store).ok


def test_window_unwinds_a_participant_that_cannot_fund_its_net_debit(corridor, store):
    for bic in (SBI, UCO, SBER):
        corridor.rules.set_mode(bic, INR, Mode.DNS, actor="ops")
        corridor.rules.set_net_debit_cap(bic, INR, 1_000_00, actor="ops")
    corridor.fund(SBI, 1_000_00, INR)
    funded = pay(corridor, SBI, SBER, 300_00)
    unfunded = pay(corridor, UCO, SBER, 200_00)  # UCO holds nothing
    report = corridor.settlement.close_window(INR)
    assert state(corridor, funded) is State.SETTLED
    rejected = corridor.payments.get(unfunded.uetr)
    assert rejected.state is State.REJECTED and "UCBAINBB could not fund" in rejected.reason
    assert report.settled == 1 and report.rejected == 1
    assert corridor.registry.balance(SBER, INR) == 300_00
    assert verify(store).ok


def test_cancelling_a_queued_payment_is_recorded_as_a_valid_camt056(corridor):
    from lxml import etree

    from tests.corridor import OPERATOR
    from vostro.config import Settings
    from vostro.iso20022.cancellations import cancellation_request

    xsd = Settings().iso20022_xsd_dir
    if not xsd.exists():
        pytest.skip(f"the ISO 20022 schemas are not at {xsd}")
    p = pay(corridor, UCO, SBER, 1_500_00)
    cancelled = corridor.payments.cancel(p.uetr, by=UCO)
    xml = cancellation_request(cancelled, OPERATOR, "CUST", "withdrawn by the sender", xsd)
    root = etree.fromstring(xml)
    ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.056.001.08"}
    assert root.findtext(".//c:OrgnlUETR", namespaces=ns) == p.uetr
    assert root.findtext(".//c:CxlRsnInf/c:Rsn/c:Cd", namespaces=ns) == "CUST"
    assert root.find(".//c:OrgnlIntrBkSttlmAmt", ns).text == "1500.00"

"""Payments submitted together (`submit_many`, what the service's writer does under load) end as
they would one by one, share ledger batches, and keep every invariant."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corridor import FXP, SBER, SBI, UCO, VTB, build
from tests.fakes import Clock
from vostro.errors import VostroError
from vostro.payments.lifecycle import DuplicatePayment
from vostro.payments.model import Payment, PaymentRequest, State
from vostro.settlement.rules import Mode
from vostro.store import open_store
from vostro.store.verify import verify


def request(
    payer: str, payee: str, amount: int, code: str = "INR", **extra: object
) -> PaymentRequest:
    return PaymentRequest(
        str(uuid.uuid4()), uuid.uuid4().hex[:20], payer, payee, amount, code, **extra
    )  # type: ignore[arg-type]


@pytest.fixture
def corridor(store):  # type: ignore[no-untyped-def]
    c = build(store, Clock())
    c.fund(SBI, 1_000_000_00, "INR")
    c.fund(VTB, 1_000_000_00, "RUB")
    c.fund(FXP, 1_000_000_00, "INR")
    return c


def test_a_mixed_group_ends_as_each_payment_would_alone(corridor) -> None:  # type: ignore[no-untyped-def]
    payments = corridor.payments
    earlier = payments.submit(request(SBI, UCO, 1_00))
    q = corridor.desk.quote(FXP, VTB, "RUB", "INR", 10_000_00, corridor.clock())
    twice = request(SBI, UCO, 7_00)
    changed = PaymentRequest(twice.uetr, twice.end_to_end_id, SBI, UCO, 8_00, "INR")
    corridor.rules.set_mode(SBER, "RUB", Mode.DNS, actor="test")
    items = [
        (request(SBI, UCO, 100_00), False),  # plain: settles
        (twice, False),
        (twice, False),  # the same payment again in the group: settles once
        (changed, False),  # its UETR with other details: AM05
        (request(UCO, SBI, 500_00), False),  # more than UCO will have: queues
        (request(SBI, "NOPEINBB", 1_00), False),  # unknown payee: AC01
        (request(VTB, SBI, 10_000_00, "RUB", target_currency="INR", quote_id=q.id), False),
        (PaymentRequest(earlier.uetr, earlier.end_to_end_id, SBI, UCO, 1_00, "INR"), False),
        (PaymentRequest("not-a-uetr", "X1", SBI, UCO, 1_00, "INR"), False),  # FF01
    ]
    out = payments.submit_many(items)
    states = [o.state if isinstance(o, Payment) else type(o).__name__ for o in out]
    assert states == [
        State.SETTLED,
        State.SETTLED,
        State.SETTLED,
        "DuplicatePayment",
        State.QUEUED,
        State.REJECTED,
        State.SETTLED,
        State.SETTLED,
        "PaymentRejected",
    ]
    assert isinstance(out[3], DuplicatePayment) and out[3].code == "AM05"
    assert out[5].reason_code == "AC01"  # type: ignore[union-attr]
    assert out[1].uetr == out[2].uetr  # type: ignore[union-attr]
    assert corridor.registry.balance(UCO, "INR") == 1_00 + 100_00 + 7_00
    assert corridor.registry.balance(SBI, "INR") == (
        1_000_000_00 - 1_00 - 100_00 - 7_00 + out[6].target_amount_minor  # type: ignore[union-attr]
    )
    history = [e.state for e in payments.get(out[0].uetr).events]  # type: ignore[union-attr]
    assert history == [
        State.RECEIVED,
        State.VALIDATED,
        State.SCREENED,
        State.RESERVED,
        State.SETTLED,
    ]
    assert verify(corridor.ledger.store).ok


def test_a_group_shares_ledger_batches(corridor) -> None:  # type: ignore[no-untyped-def]
    before = corridor.ledger.store.counts()["batches"]
    out = corridor.payments.submit_many([(request(SBI, UCO, 1_00), False) for _ in range(200)])
    assert all(isinstance(p, Payment) and p.state is State.SETTLED for p in out)
    # one ledger batch reserves the 200 and settles them
    assert corridor.ledger.store.counts()["batches"] - before == 1
    assert corridor.registry.balance(UCO, "INR") == 200_00


def test_a_payment_funded_by_another_of_its_group_settles_through_the_queue(corridor) -> None:  # type: ignore[no-untyped-def]
    out = corridor.payments.submit_many(
        [(request(SBI, UCO, 300_00), False), (request(UCO, SBI, 200_00), False)]
    )
    assert out[0].state is State.SETTLED  # type: ignore[union-attr]
    assert corridor.payments.get(out[1].uetr).state is State.SETTLED  # type: ignore[union-attr]
    assert corridor.registry.balance(UCO, "INR") == 100_00


BANKS = [SBI, UCO]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    groups=st.lists(
        st.lists(
            st.tuples(st.sampled_from(BANKS), st.integers(1, 400_000_00)), min_size=1, max_size=30
        ),
        min_size=1,
        max_size=4,
    )
)
def test_groups_conserve_money_and_never_overdraw(tmp_path_factory, groups) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('many') / 'v.db'}")
    try:
        c = build(store, Clock())
        c.fund(SBI, 1_000_000_00, "INR")
        c.fund(UCO, 200_000_00, "INR")
        results: list[Payment | VostroError] = []
        for group in groups:
            items = [
                (request(payer, UCO if payer == SBI else SBI, amount), False)
                for payer, amount in group
            ]
            results += c.payments.submit_many(items)
        assert all(isinstance(r, Payment) for r in results)
        for r in results:
            assert isinstance(r, Payment)
            stored = c.payments.get(r.uetr)
            assert stored is not None and stored.state in (State.SETTLED, State.QUEUED)
        sbi, uco = c.registry.balance(SBI, "INR"), c.registry.balance(UCO, "INR")
        assert sbi >= 0 and uco >= 0
        assert sbi + uco == 1_200_000_00
        report = verify(store)
        assert report.ok, report
    finally:
        c.ledger.close()
        store.dispose()


def test_cross_currency_payments_of_a_group_settle_pvp_together(corridor) -> None:  # type: ignore[no-untyped-def]
    """Quoted RUB→INR payments go through the group's ledger batch, both legs or neither; one the
    FX provider cannot pay out is refused AM04 (a quoted rate does not wait in a queue)."""
    desk, clock = corridor.desk, corridor.clock
    small = [desk.quote(FXP, VTB, "RUB", "INR", 10_000_00, clock()) for _ in range(3)]
    huge = desk.quote(FXP, VTB, "RUB", "INR", 950_000_00, clock())  # INR 10.2 lakh: too much
    items = [
        (
            request(VTB, SBI, q.source_amount_minor, "RUB", target_currency="INR", quote_id=q.id),
            False,
        )
        for q in [*small, huge]
    ]
    before = corridor.registry.balance(FXP, "INR")
    out = corridor.payments.submit_many(items)
    assert [p.state for p in out] == [State.SETTLED] * 3 + [State.REJECTED]
    assert out[-1].reason_code == "AM04"
    paid_out = sum(p.target_amount_minor for p in out[:3])
    assert corridor.registry.balance(FXP, "INR") == before - paid_out
    assert verify(corridor.platform.store).ok

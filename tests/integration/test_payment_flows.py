"""The corridor's flows through the Python API, on SQLite and PostgreSQL (DESIGN.md §1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.corridor import FXP, SBER, SBI, UCO, VTB, Corridor, audit_entries, build, uetr
from tests.fakes import Clock
from vostro.participants.model import AccountKind, Status
from vostro.payments.lifecycle import DuplicatePayment
from vostro.payments.model import PaymentRequest, State
from vostro.store import Store
from vostro.store.verify import verify


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def corridor(store: Store, clock: Clock) -> Corridor:
    c = build(store, clock)
    c.fund(SBI, 60_000_000_000_00, "INR")
    c.fund(UCO, 1_000_000_000_00, "INR")
    c.fund(VTB, 5_000_000_000_00, "RUB")
    c.fund(FXP, 2_000_000_000_00, "INR")
    c.fund(FXP, 2_000_000_000_00, "RUB")
    yield c
    c.ledger.close()


def pay(c: Corridor, payer: str, payee: str, amount: int, code: str, **extra) -> object:  # type: ignore[no-untyped-def]
    request = PaymentRequest(
        uetr=extra.pop("uetr", uetr()),
        end_to_end_id=extra.pop("e2e", f"E2E-{c.transfer_id()}"),
        debtor_agent=payer,
        creditor_agent=payee,
        amount_minor=amount,
        currency=code,
        **extra,
    )
    return c.payments.submit(request)


def test_crude_oil_payment_lands_in_the_russian_banks_rupee_vostro_account(corridor, store):
    p = pay(
        corridor,
        SBI,
        SBER,
        4_420_000_000_00,
        "INR",
        flow="trade",
        debtor_name="Indian Oil Corporation",
        creditor_name="Rosneft Trading",
    )
    assert p.state is State.SETTLED, p.reason
    assert [e.state for e in p.events] == [
        State.RECEIVED,
        State.VALIDATED,
        State.SCREENED,
        State.RESERVED,
        State.SETTLED,
    ]
    assert "not screened: no sanctions list is configured" in p.events[2].reason
    sber = corridor.registry.get(SBER)
    (vostro,) = store.get_accounts([sber.account(AccountKind.VOSTRO, "INR")])
    assert vostro.balance_posted == 4_420_000_000_00
    assert corridor.registry.balance(SBI, "INR") == 60_000_000_000_00 - 4_420_000_000_00
    assert verify(store).ok


def test_export_payment_is_paid_out_of_the_vostro_account(corridor, store):
    pay(corridor, SBI, SBER, 10_000_000_00, "INR")
    p = pay(
        corridor,
        SBER,
        UCO,
        7_650_000_00,
        "INR",
        debtor_name="Pharmimpex",
        creditor_name="Sun Pharmaceutical",
    )
    assert p.state is State.SETTLED, p.reason
    assert corridor.registry.balance(SBER, "INR") == 2_350_000_00
    assert corridor.registry.balance(UCO, "INR") == 1_000_000_000_00 + 7_650_000_00
    assert verify(store).ok


def test_rouble_remittance_is_converted_through_the_fx_provider_payment_versus_payment(
    corridor, store, clock
):
    q = corridor.desk.quote(FXP, VTB, "RUB", "INR", 45_000_00, clock())
    p = pay(
        corridor,
        VTB,
        SBI,
        45_000_00,
        "RUB",
        target_currency="INR",
        quote_id=q.id,
        flow="remittance",
        debtor_name="Sergei Ivanov",
        creditor_name="Ravi Kumar",
    )
    assert p.state is State.SETTLED, p.reason
    assert p.target_amount_minor == q.target_amount_minor
    # 1 RUB = 84.5 / 78.5 INR; 150 bp spread below 100,000 RUB
    assert q.reference_rate == Decimal("1.0764331210")
    assert p.fee_minor == 5000 + 22_500  # RUB 50 fixed + 0.5 %
    assert p.fx_margin_minor == q.margin_minor > 0
    assert Decimal(p.cost_bps) > 0 and p.cost_minor == p.fee_minor + round(
        Decimal(q.margin_minor) / q.reference_rate
    )
    assert corridor.registry.balance(VTB, "RUB") == 5_000_000_000_00 - 45_000_00 - 27_500
    assert corridor.registry.balance(SBI, "INR") == 60_000_000_000_00 + q.target_amount_minor
    assert corridor.registry.balance(FXP, "RUB") == 2_000_000_000_00 + 45_000_00
    fees = corridor.registry.operator().account(AccountKind.FEE, "RUB")
    assert store.get_accounts([fees])[0].balance_posted == 27_500
    assert verify(store).ok


def test_expired_quote_is_refused_not_repriced(corridor, store, clock):
    q = corridor.desk.quote(FXP, VTB, "RUB", "INR", 45_000_00, clock())
    clock.advance(600)
    p = pay(corridor, VTB, SBI, 45_000_00, "RUB", target_currency="INR", quote_id=q.id)
    assert p.state is State.REJECTED and p.reason_code == "AB05"
    assert "never re-priced" in p.reason
    assert corridor.registry.balance(VTB, "RUB") == 5_000_000_000_00
    assert verify(store).ok


def test_quote_issued_to_another_bank_is_refused(corridor, clock):
    q = corridor.desk.quote(FXP, SBER, "RUB", "INR", 45_000_00, clock())
    p = pay(corridor, VTB, SBI, 45_000_00, "RUB", target_currency="INR", quote_id=q.id)
    assert p.state is State.REJECTED and "issued to SABRRUMM" in p.reason


def test_fx_provider_short_of_rupees_fails_the_whole_payment(corridor, store, clock):
    corridor.registry.defund(
        FXP, 2_000_000_000_00, "INR", transfer_id=corridor.transfer_id(), actor="test"
    )
    q = corridor.desk.quote(FXP, VTB, "RUB", "INR", 45_000_00, clock())
    p = pay(corridor, VTB, SBI, 45_000_00, "RUB", target_currency="INR", quote_id=q.id)
    assert p.state is State.REJECTED and p.reason_code == "AM04"
    assert "ICICINBB lacks INR liquidity" in p.reason
    assert corridor.registry.balance(VTB, "RUB") == 5_000_000_000_00  # nothing moved
    assert corridor.registry.balance(FXP, "RUB") == 2_000_000_000_00
    account = store.get_accounts([corridor.registry.get(VTB).paying_account("RUB")])[0]
    assert account.debits_pending == 0
    assert verify(store).ok


def test_the_same_payment_submitted_twice_settles_once(corridor, store):
    request = dict(uetr=uetr(), e2e="INV-2026-0042")
    first = pay(corridor, SBI, SBER, 1_000_00, "INR", **request)
    again = pay(corridor, SBI, SBER, 1_000_00, "INR", **request)
    assert first.state is again.state is State.SETTLED
    assert corridor.registry.balance(SBER, "INR") == 1_000_00
    with pytest.raises(DuplicatePayment, match="AM05"):
        pay(corridor, SBI, SBER, 2_000_00, "INR", e2e="INV-2026-0042")
    assert corridor.registry.balance(SBER, "INR") == 1_000_00
    assert verify(store).ok


def test_suspended_participant_is_refused_with_a_clear_reason(corridor):
    settled = pay(corridor, SBI, SBER, 1_000_00, "INR")
    corridor.registry.set_status(SBER, Status.SUSPENDED, actor="ops", reason="licence review")
    refused = pay(corridor, SBI, SBER, 1_000_00, "INR")
    assert refused.state is State.REJECTED and refused.reason_code == "AC06"
    assert "SABRRUMM is suspended" in refused.reason
    assert corridor.payments.get(settled.uetr).state is State.SETTLED  # untouched
    assert corridor.registry.balance(SBER, "INR") == 1_000_00
    actions = [e["action"] for e in audit_entries(corridor.ledger.store, SBER)]
    assert "participant.suspended" in actions


def test_payer_without_liquidity_waits_in_the_queue_and_nothing_moves(corridor, store):
    p = pay(corridor, UCO, SBER, 2_000_000_000_00, "INR")
    assert p.state is State.QUEUED and "UCBAINBB lacks INR liquidity" in p.events[-1].reason
    assert corridor.registry.balance(UCO, "INR") == 1_000_000_000_00
    assert verify(store).ok


def test_return_sends_the_money_back_and_links_to_the_original(corridor, store, clock):
    q = corridor.desk.quote(FXP, VTB, "RUB", "INR", 45_000_00, clock())
    original = pay(corridor, VTB, SBI, 45_000_00, "RUB", target_currency="INR", quote_id=q.id)
    back = corridor.payments.return_payment(original.uetr, uetr(), "beneficiary account closed")
    assert back.state is State.SETTLED and back.original_uetr == original.uetr
    assert corridor.payments.get(original.uetr).state is State.RETURNED
    assert corridor.registry.balance(SBI, "INR") == 60_000_000_000_00
    assert corridor.registry.balance(VTB, "RUB") == 5_000_000_000_00 - 27_500  # fee is kept
    assert verify(store).ok


def test_funding_and_defunding_are_audited_and_bounded(corridor):
    result = corridor.registry.defund(
        UCO, 2_000_000_000_00, "INR", transfer_id=corridor.transfer_id(), actor="ops"
    )
    assert result == "exceeds_credits"
    assert corridor.registry.balance(UCO, "INR") == 1_000_000_000_00
    actions = [e["action"] for e in audit_entries(corridor.ledger.store, UCO)]
    assert actions.count("participant.fund") == 1 and "participant.register" in actions


def test_vostro_surplus_is_swept_into_treasury_bills_and_earns_interest(corridor, store):
    pay(corridor, SBI, SBER, 1_000_000_000_00, "INR")  # INR 1 billion into Sberbank's vostro
    corridor.treasury.configure(SBER, 100_000_000_00, Decimal("0.0650"), actor="ops")
    day1 = corridor.treasury.close_day(date(2026, 11, 27))[0]
    assert day1.vostro_minor == 100_000_000_00 and day1.invested_minor > 900_000_000_00
    # INR 900 million at 6.5 % for one day, actual/365: 160,273.97… → 160,273.97 (half-even)
    assert day1.interest_minor == 16_027_397
    pay(corridor, SBER, UCO, 150_000_000_00, "INR")  # exports drain the vostro below threshold
    day2 = corridor.treasury.close_day(date(2026, 11, 28))[0]
    assert day2.vostro_minor == 100_000_000_00  # redeemed back up to the operating threshold
    assert corridor.treasury.close_day(date(2026, 11, 28))[0] == day2  # idempotent per day
    report = corridor.treasury.report(SBER)
    assert [r.day for r in report] == [date(2026, 11, 27), date(2026, 11, 28)]
    assert verify(store).ok


def test_a_reservation_that_cannot_settle_is_voided_and_the_payment_rejected(
    corridor, store, monkeypatch
):
    from vostro.ledger.types import PendingStatus
    from vostro.payments.model import PaymentRejected, Reason

    def refuse_to_settle(uow, payment, reason=""):  # type: ignore[no-untyped-def]
        raise PaymentRejected(Reason.NOT_SPECIFIED, "settlement refused (simulated)")

    # the lifecycle's settle step, as a ledger refusing the posting would end it
    monkeypatch.setattr(corridor.payments.part.lifecycle, "settle", refuse_to_settle)
    p = pay(corridor, SBI, SBER, 1_000_00, "INR")
    assert p.state is State.REJECTED
    assert [e.state for e in p.events][-2:] == [State.RESERVED, State.REJECTED]
    (sbi,) = store.get_accounts([corridor.registry.get(SBI).paying_account("INR")])
    assert (sbi.debits_pending, sbi.debits_posted) == (0, 0)  # reserved, then released
    assert store.pending_status(p.payment_id | 1) is PendingStatus.VOIDED
    assert verify(store).ok

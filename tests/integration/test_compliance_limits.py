"""Payment limits per payment and per day, by payer and flow, set by the operator (audited)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.corridor import FXP, SBER, SBI, UCO, VTB, Corridor, audit_entries, build, uetr
from tests.fakes import Clock
from vostro.compliance.admin import ComplianceError
from vostro.compliance.limits import LimitError
from vostro.errors import UnknownCurrency
from vostro.participants.bic import InvalidBic
from vostro.participants.model import Role
from vostro.payments.model import Payment, PaymentRequest, State
from vostro.store import Store
from vostro.store.verify import verify

ALFA = "ALFARUMM"  # Alfa-Bank, registered by the tests that need a second rouble payee


@pytest.fixture
def clock() -> Clock:
    return Clock(start_ns=20_833 * 86_400 * 10**9)  # midnight UTC, 2027-01-15


@pytest.fixture
def corridor(store: Store, clock: Clock) -> Any:
    c = build(store, clock)
    c.fund(SBI, 1_000_000_000_00, "INR")
    c.fund(VTB, 1_000_000_000_00, "RUB")
    c.fund(FXP, 1_000_000_000_00, "INR")
    yield c
    c.ledger.close()


@pytest.fixture
def compliance(corridor: Corridor) -> Any:
    return corridor.compliance


def pay(c: Corridor, payer: str, payee: str, amount: int, code: str, **extra: Any) -> Payment:
    return c.payments.submit(
        PaymentRequest(uetr(), f"E2E-{c.transfer_id()}", payer, payee, amount, code, **extra)
    )


def balances(c: Corridor, store: Store) -> list[tuple[int, int, int, int]]:
    return [
        (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in store.all_accounts()
    ]


def test_a_payment_over_the_per_payment_maximum_is_refused_am02_and_moves_nothing(
    corridor, compliance, store
):
    limit = compliance.set_limit(
        SBI, "trade", "INR", per_payment_max_minor=10_000_000_00, actor="ops", origin="10.0.0.9"
    )
    assert limit.scope == "SBININBB, trade payments in INR"
    before = balances(corridor, store)
    over = pay(corridor, SBI, SBER, 10_000_000_01, "INR")
    assert over.state is State.REJECTED
    assert over.reason_code == "AM02"
    assert "10,000,000.01 INR is over the per-payment maximum of 10,000,000.00 INR" in over.reason
    assert [e.state for e in over.events] == [State.RECEIVED, State.REJECTED]
    assert balances(corridor, store) == before
    assert pay(corridor, SBI, SBER, 10_000_000_00, "INR").state is State.SETTLED
    assert pay(corridor, SBI, SBER, 10_000_000_01, "INR", flow="remittance").state is (
        State.SETTLED  # another flow
    )
    (entry,) = audit_entries(store, subject="SBININBB/trade/INR")
    assert (entry["action"], entry["actor"], entry["origin"]) == ("limit.set", "ops", "10.0.0.9")
    assert verify(store).ok


def test_the_daily_limit_counts_the_payers_accepted_payments_of_the_utc_day(
    corridor, compliance, store, clock
):
    compliance.set_limit("*", "remittance", "RUB", per_day_max_minor=100_000_00, actor="ops")
    corridor.registry.register(ALFA, "Alfa-Bank", [Role.BANK], ["RUB"])
    quote = corridor.desk.quote(FXP, VTB, "RUB", "INR", 60_000_00, clock())
    cross = pay(
        corridor,
        VTB,
        SBI,
        60_000_00,
        "RUB",
        flow="remittance",
        target_currency="INR",
        quote_id=quote.id,
    )
    assert cross.state is State.SETTLED, cross.reason
    # a rouble payment to another Russian bank counts too: same payer, flow and currency
    assert pay(corridor, VTB, ALFA, 40_000_00, "RUB", flow="remittance").state is State.SETTLED
    before = balances(corridor, store)
    over = pay(corridor, VTB, ALFA, 1, "RUB", flow="remittance")
    assert over.state is State.REJECTED and over.reason_code == "AM14"
    assert "over the daily limit of 100,000.00 RUB (100,000.00 RUB already accepted)" in (
        over.reason
    )
    assert balances(corridor, store) == before
    assert pay(corridor, VTB, ALFA, 1, "RUB", flow="trade").state is State.SETTLED
    clock.advance(86_400)  # the next UTC day starts afresh
    again = pay(corridor, VTB, ALFA, 90_000_00, "RUB", flow="remittance")
    assert again.state is State.SETTLED


def test_rejected_payments_do_not_count_towards_the_daily_limit(corridor, compliance, store):
    compliance.set_limit(UCO, "*", "INR", per_day_max_minor=5_000_00, actor="ops")
    short = pay(corridor, UCO, SBER, 4_000_00, "INR")  # UCO has no rupees: queued, not rejected
    assert short.state is State.QUEUED
    refused = pay(corridor, UCO, SBER, 2_000_00, "INR")
    assert refused.state is State.REJECTED and refused.reason_code == "AM14"
    corridor.payments.cancel(short.uetr, UCO)  # rejected DS02: no longer counted
    assert pay(corridor, UCO, SBER, 5_000_00, "INR").state is State.QUEUED


def test_every_applicable_limit_holds_not_just_the_most_specific(corridor, compliance):
    compliance.set_limit("*", "*", "INR", per_payment_max_minor=1_000_00, actor="ops")
    compliance.set_limit(SBI, "trade", "INR", per_payment_max_minor=5_000_00, actor="ops")
    refused = pay(corridor, SBI, SBER, 2_000_00, "INR")
    assert refused.reason_code == "AM02" and "every payer, every flow in INR" in refused.reason
    assert [(x.participant, x.flow) for x in compliance.limits()] == [("*", "*"), (SBI, "trade")]
    compliance.remove_limit("*", "*", "INR", actor="ops")
    assert pay(corridor, SBI, SBER, 2_000_00, "INR").state is State.SETTLED


def test_bad_limits_are_refused_and_change_nothing(corridor, compliance, store):
    with pytest.raises(ComplianceError, match="not a participant"):
        compliance.set_limit(ALFA, "*", "RUB", per_payment_max_minor=1, actor="ops")
    with pytest.raises(InvalidBic):
        compliance.set_limit("nope", "*", "RUB", per_payment_max_minor=1, actor="ops")
    with pytest.raises(LimitError, match="flow 'crypto'"):
        compliance.set_limit(SBI, "crypto", "INR", per_payment_max_minor=1, actor="ops")
    with pytest.raises(UnknownCurrency):
        compliance.set_limit(SBI, "*", "inr", per_payment_max_minor=1, actor="ops")
    with pytest.raises(LimitError, match="positive whole number"):
        compliance.set_limit(SBI, "*", "INR", per_day_max_minor=-5, actor="ops")
    with pytest.raises(LimitError, match="positive whole number"):
        compliance.set_limit(SBI, "*", "INR", per_day_max_minor=1.5, actor="ops")  # type: ignore[arg-type]
    with pytest.raises(LimitError, match="give a per-payment maximum"):
        compliance.set_limit(SBI, "*", "INR", actor="ops")
    with pytest.raises(ComplianceError, match="who is acting"):
        compliance.set_limit(SBI, "*", "INR", per_day_max_minor=5, actor="")
    with pytest.raises(LimitError, match="no limit is set"):
        compliance.remove_limit(SBI, "*", "INR", actor="ops")
    assert compliance.limits() == []
    assert [e for e in audit_entries(store) if e["action"].startswith("limit.")] == []

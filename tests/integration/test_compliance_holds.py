"""Sanctions screening in a payment's life, on SQLite and PostgreSQL (DESIGN.md §4, §7): a hit is
held with its funds reserved, an operator releases or rejects it, undecided holds expire, false
positives are remembered per list version, and every decision is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.corridor import FXP, SBER, SBI, UCO, VTB, Corridor, audit_entries, build, uetr
from tests.fakes import Clock
from vostro.compliance.admin import ComplianceError
from vostro.config import HIT_THRESHOLD, Settings
from vostro.iso20022.outbound import payment_status_report
from vostro.participants.model import AccountKind
from vostro.payments.holds import NoSuchPayment, NotHeld
from vostro.payments.model import HoldStatus, Payment, PaymentRequest, State
from vostro.settlement.rules import Mode
from vostro.store import Store
from vostro.store.verify import verify

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sanctions"
LATIN = (FIXTURES / "latin.ftm.json").read_bytes()  # Gazprombank and Sergei Ivanov, Latin only
OWN_CSV = (FIXTURES / "own.csv").read_bytes()  # lists UCO Bank's BIC
NEW_ENTITY = (
    b'{"id": "ofsi-x", "schema": "Company", "properties": {"name": ["Polar Star Shipping"]}}\n'
)
XSD_DIR = Settings().iso20022_xsd_dir
PACS002 = "{urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10}"
AMOUNT = 25_000_000_00  # INR 25 million


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def corridor(store: Store, clock: Clock) -> Any:
    c = build(store, clock, hold_deadline_s=3600)
    c.fund(SBI, 1_000_000_000_00, "INR")
    c.fund(VTB, 1_000_000_000_00, "RUB")
    c.fund(FXP, 1_000_000_000_00, "INR")
    c.fund(FXP, 1_000_000_000_00, "RUB")
    yield c
    c.ledger.close()


@pytest.fixture
def compliance(corridor: Corridor) -> Any:
    corridor.compliance.load_list("sanctions", LATIN, "ftm", "alice")
    return corridor.compliance


@pytest.fixture
def holds(corridor: Corridor, compliance: Any) -> Any:
    return corridor.holds


def pay(c: Corridor, payer: str, payee: str, amount: int, code: str, **extra: Any) -> Payment:
    request = PaymentRequest(
        uetr=extra.pop("uetr", uetr()),
        end_to_end_id=f"E2E-{c.transfer_id()}",
        debtor_agent=payer,
        creditor_agent=payee,
        amount_minor=amount,
        currency=code,
        **extra,
    )
    return c.payments.submit(request)


def pending_debits(c: Corridor, store: Store, bic: str, code: str) -> int:
    (account,) = store.get_accounts([c.registry.get(bic).paying_account(code)])
    return account.debits_pending


def audited(store: Store, uetr: str) -> list[dict[str, Any]]:
    return audit_entries(store, subject=uetr)


def test_the_default_threshold_is_the_calibrated_hit_threshold() -> None:
    assert Settings().screening_threshold == HIT_THRESHOLD == 83.0


def test_a_creditor_in_cyrillic_listed_in_latin_is_held_with_funds_reserved_then_settles(
    corridor, compliance, holds, store
):
    p = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    assert p.state is State.HELD, p.reason
    assert [e.state for e in p.events] == [
        State.RECEIVED,
        State.VALIDATED,
        State.SCREENED,
        State.RESERVED,
        State.HELD,
    ]
    version = compliance.lists()[0].version
    screened = p.events[2].reason
    assert "creditor 'Газпромбанк' ~ listed 'Gazprombank'" in screened
    assert "across scripts (Cyrillic → Latin)" in screened
    assert f"on list sanctions version {version}" in screened and "score 100.0" in screened
    # the money is reserved, not moved
    assert pending_debits(corridor, store, SBI, "INR") == AMOUNT
    assert corridor.registry.balance(SBI, "INR") == 1_000_000_000_00
    (screening,) = holds.screenings(p.uetr)
    assert screening["decision"] == "hold" and screening["lists"] == {"sanctions": version}
    assert screening["score"] == 100.0
    (hit,) = [f for f in screening["findings"] if f["hit"]]
    assert (hit["entity_id"], hit["listed_name"], hit["party"]) == (
        "ofac-gpb",
        "Gazprombank",
        "Газпромбанк",
    )
    (held,) = holds.holds()
    assert held.uetr == p.uetr and held.reserved and held.status is HoldStatus.HELD
    assert held.hits[0]["entity_id"] == "ofac-gpb"

    released = holds.release(p.uetr, "bob", "a different Gazprombank: branch verified")
    assert released.state is State.SETTLED, released.reason
    assert "released by bob: a different Gazprombank" in released.events[-2].reason
    assert pending_debits(corridor, store, SBI, "INR") == 0
    assert corridor.registry.balance(SBI, "INR") == 1_000_000_000_00 - AMOUNT
    assert holds.holds() == []
    actions = {e["action"]: e for e in audited(store, p.uetr)}
    assert actions["hold.released"]["actor"] == "bob"
    assert actions["hold.released"]["detail"]["reason"].startswith("a different Gazprombank")
    assert actions["payment.held"]["actor"] == "screening"
    assert verify(store).ok


def test_a_rejected_hold_voids_its_reservation_and_reports_rjct_rr04(
    corridor, compliance, holds, store
):
    p = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    assert p.state is State.HELD
    rejected = holds.reject(p.uetr, "carol", "the listed bank itself", origin="10.0.0.7")
    assert rejected.state is State.REJECTED
    assert rejected.reason_code == "RR04"
    assert "rejected by carol on sanctions review: the listed bank itself" in rejected.reason
    assert pending_debits(corridor, store, SBI, "INR") == 0
    assert corridor.registry.balance(SBI, "INR") == 1_000_000_000_00
    stored = corridor.payments.get(p.uetr)
    assert stored is not None and stored.state is State.REJECTED

    report = payment_status_report(stored, XSD_DIR)  # validated against the XSD as it renders
    tx = etree.fromstring(report).find(f".//{PACS002}TxInfAndSts")
    assert tx.findtext(f"{PACS002}OrgnlUETR") == p.uetr
    assert tx.findtext(f"{PACS002}TxSts") == "RJCT"
    assert tx.findtext(f"{PACS002}StsRsnInf/{PACS002}Rsn/{PACS002}Cd") == "RR04"
    (entry,) = [e for e in audited(store, p.uetr) if e["action"] == "hold.rejected"]
    assert (entry["actor"], entry["origin"]) == ("carol", "10.0.0.7")
    assert entry["detail"]["reason"] == "the listed bank itself"
    assert corridor.platform.read(lambda uow: uow.holds.get(p.uetr)).status is HoldStatus.REJECTED
    assert verify(store).ok


def test_a_cross_currency_hit_holds_both_fx_legs_and_settles_them_together(
    corridor, compliance, holds, store, clock
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
        debtor_name="Сергей Иванов",
        creditor_name="Ravi Kumar",
    )
    assert p.state is State.HELD, p.reason
    assert "debtor 'Сергей Иванов' ~ listed 'Sergei Ivanov'" in p.events[2].reason
    assert pending_debits(corridor, store, VTB, "RUB") == 45_000_00 + p.fee_minor
    assert pending_debits(corridor, store, FXP, "INR") == q.target_amount_minor
    done = holds.release(p.uetr, "bob", "namesake: a remitting worker")
    assert done.state is State.SETTLED
    assert corridor.registry.balance(SBI, "INR") == 1_000_000_000_00 + q.target_amount_minor
    assert pending_debits(corridor, store, FXP, "INR") == 0
    assert verify(store).ok


def test_holds_past_their_deadline_are_rejected_by_expiry(
    corridor, compliance, holds, store, clock
):
    first = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    clock.advance(1800)
    second = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Gazprombank")
    assert pending_debits(corridor, store, SBI, "INR") == 2 * AMOUNT
    assert holds.expire() == []
    clock.advance(1801)  # the first is past its hour, the second not
    assert holds.expire() == [first.uetr]
    expired = corridor.payments.get(first.uetr)
    assert expired.state is State.REJECTED and expired.reason_code == "RR04"
    assert "no decision on its sanctions screening hit by the deadline" in expired.reason
    assert pending_debits(corridor, store, SBI, "INR") == AMOUNT
    assert [h.uetr for h in holds.holds()] == [second.uetr]
    (entry,) = [e for e in audited(store, first.uetr) if e["action"] == "hold.expired"]
    assert entry["actor"] == "system"
    with pytest.raises(NotHeld):
        holds.release(first.uetr, "bob", "too late")


def test_a_remembered_false_positive_passes_on_the_same_list_version_only(
    corridor, compliance, holds, store
):
    first = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Gazprom Bank")
    assert first.state is State.HELD
    holds.release(first.uetr, "bob", "customer's own trading name", remember=True)
    entry = next(e for e in audited(store, first.uetr) if e["action"] == "hold.released")
    assert entry["detail"]["remembered"]

    again = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="GAZPROM  bank")
    assert again.state is State.SETTLED, again.reason
    assert "passed as a false positive remembered by override #" in again.events[2].reason
    (screening,) = holds.screenings(again.uetr)
    assert screening["decision"] == "pass"
    assert [f["override_id"] is not None for f in screening["findings"] if f["hit"]] == [True]
    # another party is still held by the same entity
    other = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    assert other.state is State.HELD
    holds.reject(other.uetr, "bob", "listed")

    compliance.load_list("sanctions", LATIN + NEW_ENTITY, "ftm", "alice")
    new_version = compliance.lists()[0].version
    third = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Gazprom Bank")
    assert third.state is State.HELD, "a new list version screens the party again"
    assert f"version {new_version}" in third.events[2].reason
    assert verify(store).ok


def test_an_identifier_hit_always_holds_and_cannot_be_remembered(
    corridor, compliance, holds, store
):
    compliance.load_list("own", OWN_CSV, "csv", "alice")
    p = pay(corridor, SBI, UCO, 1_000_00, "INR", debtor_name="Tata Steel", creditor_name="X Ltd")
    assert p.state is State.HELD
    assert "creditor agent identifier UCBAINBB is listed for 'Northern Shell Holdings'" in (
        p.events[2].reason
    )
    with pytest.raises(ComplianceError, match="not remembered as a false positive"):
        holds.release(p.uetr, "bob", "known bank", remember=True)
    assert corridor.payments.get(p.uetr).state is State.HELD  # nothing changed
    assert holds.release(p.uetr, "bob", "licence 17/2026").state is State.SETTLED


def test_a_hit_that_would_queue_is_held_unreserved_and_released_into_the_queue(
    corridor, compliance, holds, store
):
    p = pay(corridor, SBER, UCO, 5_000_00, "INR", creditor_name="Газпромбанк")  # SBER has none
    assert p.state is State.HELD
    assert corridor.settlement_views.queue("INR", SBER) == []
    assert not corridor.platform.read(lambda uow: uow.holds.get(p.uetr)).reserved
    released = holds.release(p.uetr, "bob", "verified")
    assert released.state is State.QUEUED
    corridor.fund(SBI, 1, "INR")
    pay(corridor, SBI, SBER, 10_000_00, "INR")  # liquidity arrives: the queue is retried
    assert corridor.payments.get(p.uetr).state is State.SETTLED


def test_a_deferred_net_hit_is_held_before_its_window_and_joins_it_when_released(
    corridor, compliance, holds, store
):
    corridor.rules.set_mode(SBI, "INR", Mode.DNS, actor="ops")
    corridor.rules.set_net_debit_cap(SBI, "INR", 10 * AMOUNT, actor="ops")
    p = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    assert (
        p.state is State.HELD
        and not corridor.platform.read(lambda uow: uow.holds.get(p.uetr)).reserved
    )
    assert holds.release(p.uetr, "bob", "verified").state is State.CLEARING
    rejected = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    assert holds.reject(rejected.uetr, "bob", "listed").state is State.REJECTED


def test_decisions_refuse_bad_requests_and_change_nothing(corridor, compliance, holds, store):
    p = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    with pytest.raises(NoSuchPayment):
        holds.release(uetr(), "bob", "why")
    with pytest.raises(ComplianceError, match="needs a reason"):
        holds.reject(p.uetr, "bob", "  ")
    with pytest.raises(ComplianceError, match="who is acting"):
        holds.release(p.uetr, "", "fine")
    settled = pay(corridor, SBI, SBER, 1_00, "INR", creditor_name="Ravi Kumar")
    assert settled.state is State.SETTLED
    with pytest.raises(NotHeld, match="is settled, not held"):
        holds.reject(settled.uetr, "bob", "late")
    assert corridor.payments.get(p.uetr).state is State.HELD
    assert [e["action"] for e in audited(store, p.uetr)] == ["payment.held"]


def test_resubmitting_a_held_payment_returns_it_still_held(corridor, compliance):
    request = PaymentRequest(
        uetr(), "E2E-HELD-1", SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк"
    )
    assert corridor.payments.submit(request).state is State.HELD
    again = corridor.payments.submit(request)
    assert again.state is State.HELD and len(again.events) == 5


def test_vostro_account_is_untouched_while_held(corridor, compliance, holds, store):
    p = pay(corridor, SBI, SBER, AMOUNT, "INR", creditor_name="Газпромбанк")
    sber = corridor.registry.get(SBER)
    (vostro,) = store.get_accounts([sber.account(AccountKind.VOSTRO, "INR")])
    assert vostro.credits_pending == AMOUNT and vostro.balance_posted == 0
    holds.reject(p.uetr, "bob", "listed")
    (vostro,) = store.get_accounts([sber.account(AccountKind.VOSTRO, "INR")])
    assert vostro.credits_pending == 0 and vostro.balance_posted == 0

"""The payment lifecycle on hand-written in-memory fakes: no database, milliseconds a test.

The ledger is the real single writer on an in-memory session; the registry, fee schedules, FX
desk and screener are small fakes of the parts the lifecycle calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.fakes import Clock, FakeStore, FakeUnitOfWork
from vostro.compliance.results import Decision, Finding, ScreeningResult
from vostro.fx.errors import QuoteExpired
from vostro.fx.quotes import Quote
from vostro.ledger.types import Account, AccountFlags, Transfer
from vostro.ledger.writer import Ledger
from vostro.money import currency
from vostro.participants.model import (
    OPERATOR_NUMBER,
    AccountKind,
    Participant,
    Purpose,
    Role,
    Status,
)
from vostro.payments.checks import Memo
from vostro.payments.fees import FeeSchedule
from vostro.payments.group import GroupSubmission
from vostro.payments.holds import HoldDecisions
from vostro.payments.lifecycle import DuplicatePayment, Lifecycle
from vostro.payments.model import HoldStatus, PaymentRequest, Reason, State
from vostro.payments.queueing import cancel, expire
from vostro.payments.returns import return_payment

RUPEE = 100  # paise in a rupee
OPERATOR, SBI, UCO, VTB, FX = "VSTRINBB", "SBININBB", "UCBAINBB", "VTBRRUMM", "ICICINBB"
FEE_MINOR = 50 * RUPEE


def _participant(bic: str, number: int, roles: set[Role], codes: tuple[str, ...]) -> Participant:
    return Participant(bic, number, bic, bic[4:6], frozenset(roles), codes, None, Status.ACTIVE)


class Registry:
    def __init__(self) -> None:
        self.by_bic = {
            OPERATOR: _participant(OPERATOR, OPERATOR_NUMBER, {Role.OPERATOR}, ("INR", "RUB")),
            SBI: _participant(SBI, 2, {Role.BANK}, ("INR",)),
            UCO: _participant(UCO, 3, {Role.BANK}, ("INR",)),
            VTB: _participant(VTB, 4, {Role.BANK}, ("RUB",)),
            FX: _participant(FX, 5, {Role.BANK, Role.FX_PROVIDER}, ("INR", "RUB")),
        }

    def find(self, uow: Any, bic: str) -> Participant | None:
        return self.by_bic.get(bic)

    def get(self, uow: Any, bic: str) -> Participant:
        return self.by_bic[bic]

    def operator(self, uow: Any) -> Participant:
        return self.by_bic[OPERATOR]


class Fees:
    def get(self, uow: Any, bic: str, code: str) -> FeeSchedule:
        return FeeSchedule(code, fixed_minor=FEE_MINOR) if bic == SBI else FeeSchedule(code)


class Desk:
    """Quotes RUB → INR at 1 RUB = 1.05 INR (reference 1.06); "expired" has expired."""

    def claim(self, uow: Any, quote_id: str, *, source_amount_minor: int, **_: Any) -> Quote:
        if quote_id == "expired":
            raise QuoteExpired("quote expired 5 s ago: it is never re-priced")
        now = datetime(2027, 1, 4, tzinfo=UTC)
        target = source_amount_minor * 105 // 100
        return Quote(
            quote_id,
            FX,
            "RUB",
            "INR",
            source_amount_minor,
            target,
            Decimal("1.05"),
            Decimal("1.06"),
            94,
            source_amount_minor // 100,
            now,
            now + timedelta(minutes=10),
        )


class Screener:
    """Holds any payment whose debtor is called "Listed"."""

    def screen(self, payment: Any) -> ScreeningResult:
        if payment.debtor_name != "Listed":
            return ScreeningResult(Decision.PASS, "no party matched", lists={"watch": "1"})
        finding = Finding(
            "debtor",
            "Listed",
            "watch",
            "1",
            "e1",
            "Listed",
            100.0,
            True,
            "name",
            "the debtor's name is listed",
        )
        return ScreeningResult(
            Decision.HOLD,
            "debtor 'Listed' is on watch@1",
            lists={"watch": "1"},
            findings=(finding,),
            score=100.0,
        )


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.ledger = Ledger(FakeStore(), clock=self.clock)
        self.registry = Registry()
        self.life = Lifecycle(
            self.registry,
            Desk(),
            Memo(Fees()),
            screener=Screener(),  # type: ignore[arg-type]
            clock=self.clock,
        )
        self.uow = FakeUnitOfWork(self.ledger, self.clock)
        self._open_accounts()

    def _open_accounts(self) -> None:
        accounts = []
        for p in self.registry.by_bic.values():
            for code in p.currencies:
                if Role.OPERATOR in p.roles:
                    kinds = [
                        (AccountKind.FUNDING, 0),
                        (AccountKind.FEE, 0),
                        (AccountKind.CLEARING, 0),
                    ]
                else:
                    kinds = [
                        (AccountKind.SETTLEMENT, int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS))
                    ]
                accounts += [
                    Account(p.account(k, code), currency(code).ledger, int(k), flags=f)
                    for k, f in kinds
                ]
        self.ledger.create_accounts(accounts)

    def fund(self, bic: str, amount_minor: int, code: str = "INR") -> None:
        funding = self.registry.by_bic[OPERATOR].account(AccountKind.FUNDING, code)
        mine = self.registry.by_bic[bic].paying_account(code)
        ids = self.ledger.state.max_transfer_id + 1
        self.ledger.create_transfers(
            [Transfer(ids, funding, mine, amount_minor, currency(code).ledger, int(Purpose.FUND))]
        )

    def balance(self, bic: str, code: str = "INR") -> int:
        return self.ledger.available(self.registry.by_bic[bic].paying_account(code))

    def submit(self, request: PaymentRequest, **kw: Any) -> Any:
        with self.uow as uow:
            payment = self.life.submit(uow, request, **kw)
            uow.commit()
        return payment


def pay(
    payer: str = SBI, payee: str = UCO, amount: int = 1_000 * RUPEE, **kw: Any
) -> PaymentRequest:
    fields: dict[str, Any] = {"currency": "INR", **kw}
    return PaymentRequest(
        str(uuid.uuid4()), f"E2E-{uuid.uuid4().hex[:8]}", payer, payee, amount, **fields
    )


@pytest.fixture
def world() -> Iterator[World]:
    yield World()


def test_a_funded_payment_settles_gross_with_its_fee(world: World) -> None:
    world.fund(SBI, 10_000 * RUPEE)
    p = world.submit(pay())
    assert p.state is State.SETTLED
    assert [e.state for e in p.events] == [
        State.RECEIVED,
        State.VALIDATED,
        State.SCREENED,
        State.RESERVED,
        State.SETTLED,
    ]
    assert world.balance(SBI) == 10_000 * RUPEE - 1_000 * RUPEE - FEE_MINOR
    assert world.balance(UCO) == 1_000 * RUPEE
    assert p.fee_minor == FEE_MINOR and p.cost_minor == FEE_MINOR


def test_an_unfunded_payment_queues_and_settles_when_liquidity_arrives(world: World) -> None:
    p = world.submit(pay(payer=UCO, payee=SBI))
    assert p.state is State.QUEUED and world.uow.queue.get(p.uetr) is not None
    world.fund(UCO, 2_000 * RUPEE)
    with world.uow as uow:
        assert world.life.retry_queue(uow, UCO, "INR") == [p.uetr]
        uow.commit()
    assert world.uow.payments.get(p.uetr).state is State.SETTLED  # type: ignore[union-attr]
    assert world.uow.queue.get(p.uetr) is None
    assert world.balance(SBI) == 1_000 * RUPEE


def test_a_queued_payment_is_cancelled_by_its_sender_and_expires_at_its_deadline(
    world: World,
) -> None:
    first, second = world.submit(pay(UCO, SBI)), world.submit(pay(UCO, SBI))
    with world.uow as uow:
        assert cancel(uow, world.life, first.uetr, UCO).reason_code is Reason.CANCELLED
        uow.commit()
    world.clock.advance(4 * 3600)
    with world.uow as uow:
        assert expire(uow, world.life) == [second.uetr]
        uow.commit()
    assert world.uow.payments.get(second.uetr).reason_code is Reason.INSUFFICIENT_FUNDS  # type: ignore[union-attr]
    assert not world.uow.queue.by_uetr


def test_cross_currency_settles_payment_versus_payment_or_not_at_all(world: World) -> None:
    world.fund(VTB, 100_000, "RUB")
    short = world.submit(
        pay(
            payer=VTB,
            payee=SBI,
            amount=50_000,
            currency="RUB",
            target_currency="INR",
            quote_id="q1",
        )
    )
    assert short.state is State.REJECTED and short.reason_code is Reason.INSUFFICIENT_FUNDS
    assert world.balance(VTB, "RUB") == 100_000 and world.balance(FX, "RUB") == 0  # nothing moved
    world.fund(FX, 1_000_000, "INR")
    paid = world.submit(
        pay(
            payer=VTB,
            payee=SBI,
            amount=50_000,
            currency="RUB",
            target_currency="INR",
            quote_id="q2",
        )
    )
    assert paid.state is State.SETTLED and State.QUOTED in [e.state for e in paid.events]
    assert world.balance(FX, "RUB") == 50_000 and world.balance(SBI) == 52_500
    assert world.balance(FX, "INR") == 1_000_000 - 52_500


def test_an_expired_quote_is_refused_not_repriced(world: World) -> None:
    world.fund(VTB, 100_000, "RUB")
    p = world.submit(
        pay(
            payer=VTB,
            payee=SBI,
            amount=50_000,
            currency="RUB",
            target_currency="INR",
            quote_id="expired",
        )
    )
    assert p.state is State.REJECTED and p.reason_code is Reason.TIMEOUT
    assert world.balance(VTB, "RUB") == 100_000


def test_a_screening_hit_holds_the_reserved_payment_until_released(world: World) -> None:
    world.fund(SBI, 10_000 * RUPEE)
    p = world.submit(pay(debtor_name="Listed"))
    assert p.state is State.HELD and world.uow.holds.get(p.uetr).reserved  # type: ignore[union-attr]
    assert world.balance(SBI) == 10_000 * RUPEE - 1_000 * RUPEE - FEE_MINOR  # reserved
    with world.uow as uow:
        released = HoldDecisions(world.life).release(uow, p.uetr, "ops", "a different person")
        uow.commit()
    assert released.state is State.SETTLED and world.balance(UCO) == 1_000 * RUPEE
    assert world.uow.holds.get(p.uetr).status is HoldStatus.RELEASED  # type: ignore[union-attr]
    assert [e.action for _, e in world.uow.audit.logged] == ["payment.held", "hold.released"]


def test_a_rejected_hold_voids_its_reservation_with_rr04(world: World) -> None:
    world.fund(SBI, 10_000 * RUPEE)
    p = world.submit(pay(debtor_name="Listed"))
    with world.uow as uow:
        rejected = HoldDecisions(world.life).reject(uow, p.uetr, "ops", "confirmed match")
        uow.commit()
    assert rejected.state is State.REJECTED and rejected.reason_code is Reason.REGULATORY
    assert world.balance(SBI) == 10_000 * RUPEE and world.balance(UCO) == 0


def test_a_return_sends_the_money_back_and_keeps_the_fee(world: World) -> None:
    world.fund(SBI, 10_000 * RUPEE)
    p = world.submit(pay())
    with world.uow as uow:
        back = return_payment(uow, world.life, p.uetr, str(uuid.uuid4()), "account closed")
        uow.commit()
    assert back.state is State.SETTLED and back.original_uetr == p.uetr
    assert world.uow.payments.get(p.uetr).state is State.RETURNED  # type: ignore[union-attr]
    assert world.balance(SBI) == 10_000 * RUPEE - FEE_MINOR and world.balance(UCO) == 0


def test_the_same_payment_settles_once_and_a_different_one_reusing_its_uetr_is_refused(
    world: World,
) -> None:
    world.fund(SBI, 10_000 * RUPEE)
    request = pay()
    first, again = world.submit(request), world.submit(request)
    assert first.state is again.state is State.SETTLED
    assert world.balance(UCO) == 1_000 * RUPEE
    other = PaymentRequest(request.uetr, request.end_to_end_id, SBI, UCO, 5, "INR")
    with pytest.raises(DuplicatePayment):
        world.submit(other)


def test_a_unit_that_does_not_commit_leaves_nothing_behind(world: World) -> None:
    world.fund(SBI, 10_000 * RUPEE)
    with world.uow as uow:
        p = world.life.submit(uow, pay())
        assert p.state is State.SETTLED
    assert world.uow.payments.get(p.uetr) is None
    assert world.balance(SBI) == 10_000 * RUPEE and world.balance(UCO) == 0


def test_a_group_settles_in_one_ledger_batch_and_a_short_payer_queues(world: World) -> None:
    world.fund(SBI, 10_000 * RUPEE)
    group = GroupSubmission(world.life)
    items = [(pay(), False), (pay(), False), (pay(payer=UCO, payee=SBI), False)]
    batches = world.ledger.state.last_batch
    with world.uow as uow:
        out = group.submit_many(uow, items)
        uow.commit()
    assert [o.state for o in out] == [State.SETTLED, State.SETTLED, State.SETTLED]  # type: ignore[union-attr]
    # one batch reserved and posted the group; the queued one settled by the retry after it
    assert world.ledger.state.last_batch - batches == 3
    assert world.balance(UCO) == 1_000 * RUPEE

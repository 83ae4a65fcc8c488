"""One lifecycle for every payment, however it arrived: its states and the moves between them.

    received → validated → screened → quoted* → reserved → settled        (* cross-currency)
                    └──► scheduled (warehoused for its value date) ──► validated at the opening
                                        │           └──► held (a screening hit, funds reserved)
                                        ├──► queued   (RTGS: the payer lacks liquidity now)
                                        ├──► clearing (deferred net: in the open window)
                                        └──► held     (a hit before anything is reserved)
    any step ──► rejected (an ISO 20022 reason code and a sentence; a reservation is voided)

The money moves in the ledger as linked chains whose ids derive from the payment's id
(`payments.legs`), so every step can be retried and a payment resumed where it stopped. A
payment's step and its records commit together in the unit of work of the command.

**Sanctions holds.** When screening finds a hit the payment is `held` for an operator instead of
settling, and where it is held depends on where it would have gone:

* an RTGS payment its payer can fund, and every cross-currency payment: the legs are reserved as
  usual (both FX legs, PvP), then `held` instead of settled, so the money is there when it is
  released (→ settled) and goes back when it is rejected (→ voided, rejected RR04);
* an RTGS payment its payer cannot fund yet: `held` with nothing reserved and *not* queued, since
  the queue's retries and the LSM settle queued payments without asking anyone; released, it goes
  on as if unscreened (reserved and settled, or queued);
* a deferred-net payment: `held` before it joins a settlement window (a window's payments are
  netted and settled together; a held one must not be among them); released, it joins the window
  then open, within the net debit cap as it stands then.

A held payment not decided by its deadline is rejected (`payments.holds`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from vostro.calendar.model import cutoff_kind
from vostro.compliance.results import Decision
from vostro.config import HOLD_DEADLINE_MAX_S, HOLD_DEADLINE_S, QUEUE_DEADLINE_S
from vostro.errors import invariant
from vostro.fx.desk import FxDesk
from vostro.ledger.types import CreateTransferResult
from vostro.participants.registry import Registry
from vostro.payments import checks, dating, legs, pricing
from vostro.payments.checks import Memo
from vostro.payments.legs import DONE, LEG_FEE, LEG_PAY, LEG_PAYOUT, Leg
from vostro.payments.model import (
    TRANSITIONS,
    Hold,
    HoldStatus,
    InvalidTransition,
    Payment,
    PaymentRejected,
    PaymentRequest,
    Reason,
    State,
)
from vostro.payments.ports import UnitOfWork
from vostro.payments.screening import NoScreening, Screener
from vostro.settlement.admission import AdmissionRefused, admit
from vostro.settlement.queue import Priority, QueueEntry
from vostro.settlement.rules import Mode
from vostro.text import END_TO_END_ID, MAX140_TEXT, PARTY_NAME, QUOTE_ID, TextType
from vostro.units import NS_PER_S

R = CreateTransferResult
UETR_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RETRY_ATTEMPTS_MAX = 2_000  # queued payments tried per arrival of liquidity (bounds the cascade)
invariant(
    HOLD_DEADLINE_MAX_S == legs.RESERVATION_TIMEOUT_S, "a hold must end before its reservation"
)
SETTLED_GROSS = "settled gross in real time: both sides final"


class DuplicatePayment(PaymentRejected):
    """Same UETR or end-to-end id as an earlier, different payment (AM05)."""


class Shortfall(PaymentRejected):
    """The payer cannot fund the payment now (AM04): an RTGS payment queues instead."""


class Lifecycle:
    def __init__(
        self,
        registry: Registry,
        desk: FxDesk,
        memo: Memo,
        *,
        screener: Screener | None = None,
        clock: Callable[[], int] = time.time_ns,
        hold_deadline_s: int = HOLD_DEADLINE_S,
        queue_deadline_s: int = QUEUE_DEADLINE_S,
    ) -> None:
        invariant(0 < hold_deadline_s <= HOLD_DEADLINE_MAX_S, f"hold deadline {hold_deadline_s}")
        self.registry = registry
        self.desk = desk
        self.memo = memo
        self.screener = screener or NoScreening()
        self.clock = clock
        self.hold_deadline_s = hold_deadline_s
        self.queue_deadline_s = queue_deadline_s

    # ------------------------------------------------------------------ submit
    def submit(self, uow: UnitOfWork, request: PaymentRequest, *, urgent: bool = False) -> Payment:
        """Run the payment through its lifecycle; returns it settled, queued, held, clearing or
        rejected. Submitting the same payment again returns the stored one (it settles once); a
        different payment reusing its UETR or end-to-end id raises `DuplicatePayment`."""
        check_uetr(request.uetr)
        check_text(request)
        existing = uow.payments.get(request.uetr) or uow.payments.by_end_to_end(
            request.debtor_agent, request.end_to_end_id
        )
        if existing is not None:
            if not same_request(existing, request):
                raise DuplicatePayment(
                    Reason.DUPLICATION,
                    f"payment {existing.uetr} already used this UETR or end-to-end id "
                    f"({request.end_to_end_id}) with other details",
                )
            if existing.state in (State.SETTLED, State.REJECTED, State.RETURNED):
                return existing
            return self.resume(uow, existing)
        payment = new_payment(request)
        uow.payments.add(payment, "accepted for processing")
        return self.resume(uow, payment, Priority.URGENT if urgent else Priority.NORMAL)

    def resume(
        self, uow: UnitOfWork, payment: Payment, priority: Priority = Priority.NORMAL
    ) -> Payment:
        """Take the payment on from the state it is in (only an operator moves a held one)."""
        if payment.state in (State.HELD, State.SCHEDULED):
            return payment
        try:
            urgent = priority is Priority.URGENT
            if payment.state is State.RECEIVED and not self.validate(uow, payment, urgent=urgent):
                return payment  # warehoused for its value date
            hold = None
            if payment.state is State.VALIDATED:
                hold = self.screen(uow, payment)
            if hold is None:  # resumed after screening: what did it decide?
                hold = payment.state in (
                    State.SCREENED,
                    State.QUOTED,
                    State.RESERVED,
                ) and uow.payments.held_by_screening(payment.uetr)
            self.proceed(uow, payment, priority, hold=hold)
        except PaymentRejected as rejection:
            self.reject(uow, payment, rejection.code, rejection.reason)
        return payment

    def proceed(self, uow: UnitOfWork, payment: Payment, priority: Priority, *, hold: bool) -> None:
        """From screened (or held, once released) to settled, queued, clearing or held."""
        if payment.state is State.SCREENED:
            self.price(uow, payment)
        if payment.state in (State.SCREENED, State.HELD) and self.deferred_net(uow, payment):
            if hold:
                self.hold(uow, payment, reserved=False, why="before it joins a settlement window")
            else:
                self.clear(uow, payment)
            return
        if payment.state in (State.SCREENED, State.QUOTED, State.HELD):
            try:
                self.reserve(uow, payment)
            except Shortfall as short:
                if payment.cross_currency:  # PvP at a quoted rate: no waiting
                    raise
                if hold:
                    self.hold(uow, payment, reserved=False, why=f"not queued: {short.reason}")
                else:
                    self.enqueue(uow, payment, priority, short.reason)
                return
        if payment.state is State.RESERVED:
            if hold:
                self.hold(uow, payment, reserved=True, why="its funds are reserved")
                return
            self.settle(uow, payment)
            self.retry_queue(uow, payment.creditor_agent, payment.target_currency)

    # ------------------------------------------------------------------ steps
    def validate(self, uow: UnitOfWork, p: Payment, *, urgent: bool = False) -> bool:
        """Validate the payment and give it its value date: True when it goes on now, False when
        it is warehoused (`scheduled`) until its day opens."""
        now = self.clock()
        self.move(uow, p, State.VALIDATED, checks.validate(uow, self.registry, self.memo, p, now))
        day, now_ = dating.value_date(uow, self.memo, p, cutoff_kind(p.flow, urgent), now)
        p.settlement_date = day
        if not now_:
            self.move(uow, p, State.SCHEDULED, f"warehoused for its value date {day}")
        return now_

    def release(self, uow: UnitOfWork, p: Payment) -> Payment:
        """Submit a warehoused payment at its day's opening: validated again, then on."""
        invariant(p.state is State.SCHEDULED, f"payment {p.uetr} is {p.state}, not scheduled")
        try:
            now = self.clock()
            note = checks.validate(uow, self.registry, self.memo, p, now)
            pricing.requote(uow, self.desk, p, now)
            self.move(uow, p, State.VALIDATED, f"released on its value date: {note}")
        except PaymentRejected as rejection:
            self.reject(uow, p, rejection.code, rejection.reason)
            return p
        return self.resume(uow, p)

    def in_hours(self, uow: UnitOfWork, code: str) -> bool:
        """Whether settlement in `code` may happen now (its day open, or in its end of day)."""
        return dating.today(uow, self.memo, code, self.clock()).in_hours(self.clock())

    def screen(self, uow: UnitOfWork, p: Payment) -> bool:
        """Screen the payment's parties; True when it must be held."""
        result = self.screener.screen(p)
        if result.screened:
            uow.payments.add_screening(p.uetr, self.clock(), result)
        if result.decision is Decision.REJECT:
            self.reject(uow, p, Reason.REGULATORY, result.reason)
            return False
        self.move(uow, p, State.SCREENED, result.reason)
        return result.decision is Decision.HOLD

    def price(self, uow: UnitOfWork, p: Payment) -> None:
        quoted = pricing.price(uow, self.registry, self.desk, self.memo, p, self.clock())
        if quoted is not None:
            self.move(uow, p, State.QUOTED, quoted)

    def reserve(self, uow: UnitOfWork, p: Payment, payment_legs: list[Leg] | None = None) -> None:
        if payment_legs is None:
            payment_legs = legs.of(uow, self.registry, p)
        results = uow.ledger.create_transfers(legs.reservation(p.payment_id, payment_legs))
        self.reserved(uow, p, payment_legs, results)

    def reserved(
        self, uow: UnitOfWork, p: Payment, payment_legs: list[Leg], results: list[R]
    ) -> None:
        """Reserved, or the reason it was not (`Shortfall` when the payer lacks liquidity)."""
        for leg, result in zip(payment_legs, results, strict=True):
            if result not in (R.OK, R.EXISTS, R.LINKED_EVENT_FAILED):
                raise refusal(p, leg, result)
        self.move(
            uow,
            p,
            State.RESERVED,
            f"{len(payment_legs)} transfers reserved as one linked chain"
            + (" (payment-versus-payment)" if p.cross_currency else ""),
        )

    def settle(self, uow: UnitOfWork, p: Payment, reason: str = SETTLED_GROSS) -> None:
        chain = legs.resolution(p.payment_id, legs.of(uow, self.registry, p), post=True)
        self.settled(uow, p, uow.ledger.create_transfers(chain), reason)

    def settled(
        self, uow: UnitOfWork, p: Payment, results: list[R], reason: str = SETTLED_GROSS
    ) -> None:
        if any(r not in DONE for r in results):
            raise PaymentRejected(
                Reason.NOT_SPECIFIED, f"the reservation could not be settled: {results}"
            )
        self.move(uow, p, State.SETTLED, reason)

    def reject(self, uow: UnitOfWork, p: Payment, code: Reason, reason: str) -> None:
        """Reject the payment, voiding its reservation if it has one."""
        if p.state is State.RESERVED or (p.state is State.HELD and self.reserved_on_hold(uow, p)):
            uow.ledger.create_transfers(
                legs.resolution(p.payment_id, legs.of(uow, self.registry, p), post=False)
            )
        p.reason_code, p.reason = code, reason
        self.move(uow, p, State.REJECTED, reason)

    def move(self, uow: UnitOfWork, p: Payment, state: State, reason: str) -> None:
        if state not in TRANSITIONS[p.state]:
            raise InvalidTransition(f"payment {p.uetr}: {p.state} → {state} is not allowed")
        p.state = state
        uow.payments.save(p, reason)

    # ---------------------------------------------------------- holds, queue
    def hold(self, uow: UnitOfWork, p: Payment, *, reserved: bool, why: str) -> None:
        now = self.clock()
        deadline = now + self.hold_deadline_s * NS_PER_S
        reason = (
            f"held for an operator's decision on a sanctions screening hit, {why}; "
            f"rejected if not decided within {self.hold_deadline_s} s"
        )
        self.move(uow, p, State.HELD, reason)
        uow.holds.add(Hold(p.uetr, now, deadline, reserved, HoldStatus.HELD))
        uow.audit.record("screening", "payment.held", p.uetr, reason=reason, reserved=reserved)

    @staticmethod
    def reserved_on_hold(uow: UnitOfWork, p: Payment) -> bool:
        hold = uow.holds.get(p.uetr)
        return hold is not None and hold.reserved

    def enqueue(self, uow: UnitOfWork, p: Payment, priority: Priority, reason: str) -> None:
        now = self.clock()
        deadline = now + self.queue_deadline_s * NS_PER_S
        uow.queue.add(
            QueueEntry(p.uetr, p.debtor_agent, p.source_currency, priority, now, deadline)
        )
        self.move(uow, p, State.QUEUED, f"queued ({priority.name.lower()}): {reason}")

    def retry_queue(self, uow: UnitOfWork, payer: str, code: str) -> list[str]:
        """Try the payer's queued payments in order now that liquidity may have arrived; each one
        that settles brings liquidity to its payee, whose queue is tried next. Returns the UETRs
        that settled."""
        settled: list[str] = []
        if not self.in_hours(uow, code):
            return settled  # outside its day's hours: the next opening's retries settle it
        work = [(payer, code)]
        attempts = 0
        while work and attempts < RETRY_ATTEMPTS_MAX:
            bic, ccy = work.pop(0)
            if ccy != code and not self.in_hours(uow, ccy):
                continue
            for entry in uow.queue.entries(ccy, bic):
                attempts += 1
                p = uow.payments.get(entry.uetr)
                if p is None or p.state is not State.QUEUED:
                    uow.queue.remove([entry.uetr])
                    continue
                if self.settle_queued(uow, p):
                    settled.append(p.uetr)
                    work.append((p.creditor_agent, p.target_currency))
        return settled

    def settle_queued(self, uow: UnitOfWork, p: Payment) -> bool:
        payment_legs = legs.of(uow, self.registry, p)
        debits: dict[int, int] = {}
        for leg in payment_legs:
            debits[leg.debit_account] = debits.get(leg.debit_account, 0) + leg.amount_minor
        if uow.ledger.short(debits):
            return False  # still short (its reservation would fail): it keeps its place
        try:
            self.reserve(uow, p, payment_legs)
        except PaymentRejected:
            return False  # still short: it keeps its place in the queue
        uow.queue.remove([p.uetr])
        try:
            self.settle(uow, p)
        except PaymentRejected as rejection:
            self.reject(uow, p, rejection.code, rejection.reason)
            return False
        return True

    # -------------------------------------------------- deferred net settlement
    def deferred_net(self, uow: UnitOfWork, p: Payment) -> bool:
        return not p.cross_currency and (
            self.memo.mode(uow, p.debtor_agent, p.source_currency) is Mode.DNS
        )

    def clear(self, uow: UnitOfWork, p: Payment) -> None:
        """Accept into the open window, within the payer's net debit cap and bilateral limit."""
        try:
            note = admit(uow, legs.obligation(p), self.clock())
        except AdmissionRefused as refused:
            raise PaymentRejected(Reason.NOT_ALLOWED_AMOUNT, str(refused)) from refused
        self.move(uow, p, State.CLEARING, note)


def refusal(p: Payment, leg: Leg, result: R) -> PaymentRejected:
    """What a refused leg means for the payment."""
    who = {LEG_PAY: p.debtor_agent, LEG_PAYOUT: p.fx_provider, LEG_FEE: p.debtor_agent}
    party = who.get(leg.number, "?")
    if result in (R.EXCEEDS_CREDITS, R.EXCEEDS_DEBITS):
        what = "the fee" if leg.is_fee else "the payment"
        reason = f"{party} lacks {leg.currency} liquidity for {what}; nothing moved"
        if leg.number in (LEG_PAY, LEG_FEE):
            return Shortfall(Reason.INSUFFICIENT_FUNDS, reason)
        return PaymentRejected(Reason.INSUFFICIENT_FUNDS, reason)
    if result in (R.DEBIT_ACCOUNT_CLOSED, R.CREDIT_ACCOUNT_CLOSED):
        return PaymentRejected(Reason.CLOSED_ACCOUNT, f"an account of {party} is closed")
    return PaymentRejected(Reason.NOT_SPECIFIED, f"the ledger refused the transfer: {result}")


def check_uetr(uetr: object) -> None:
    if not isinstance(uetr, str) or not UETR_RE.fullmatch(uetr):
        raise PaymentRejected(
            Reason.INVALID_FILE_FORMAT, f"UETR {uetr!r} is not a lower-case UUID version 4"
        )


# The request's text fields and their types (`vostro.text`): what a pacs.002, a statement, a log
# line or a terminal will carry of it.
TEXT_FIELDS: tuple[tuple[str, TextType], ...] = (
    ("end_to_end_id", END_TO_END_ID),
    ("debtor_name", PARTY_NAME),
    ("creditor_name", PARTY_NAME),
    ("remittance_info", MAX140_TEXT),
    ("quote_id", QUOTE_ID),
)


def text_problem(r: PaymentRequest) -> str | None:
    """Why one of the request's text fields cannot be carried, or None."""
    for name, kind in TEXT_FIELDS:
        value = getattr(r, name)
        if value is None:
            continue
        problem = kind.problem(value) if isinstance(value, str) else "is not text"
        if problem is not None:
            return f"{name} {problem}"
    return None


def check_text(r: PaymentRequest) -> None:
    """Refuse (FF01) a request whose text no wire can carry, before anything is stored: however
    it arrived (the API and the messages check at the door; the library and the simulator come
    straight here)."""
    problem = text_problem(r)
    if problem is not None:
        raise PaymentRejected(Reason.INVALID_FILE_FORMAT, problem)


def new_payment(r: PaymentRequest) -> Payment:
    return Payment(
        uetr=r.uetr,
        payment_id=legs.new_payment_id(),
        end_to_end_id=r.end_to_end_id,
        debtor_agent=r.debtor_agent,
        creditor_agent=r.creditor_agent,
        flow=r.flow,
        source_currency=r.currency,
        source_amount_minor=r.amount_minor,
        target_currency=r.settlement_currency,
        target_amount_minor=r.amount_minor if r.settlement_currency == r.currency else 0,
        debtor_name=r.debtor_name,
        creditor_name=r.creditor_name,
        quote_id=r.quote_id,
        purpose=r.purpose,
        remittance_info=r.remittance_info,
        settlement_date=r.settlement_date,
        next_day_if_late=r.next_day_if_late,
    )


def same_request(p: Payment, r: PaymentRequest) -> bool:
    mine = (
        p.uetr,
        p.end_to_end_id,
        p.debtor_agent,
        p.creditor_agent,
        p.source_currency,
        p.source_amount_minor,
        p.target_currency,
        p.quote_id,
    )
    theirs = (
        r.uetr,
        r.end_to_end_id,
        r.debtor_agent,
        r.creditor_agent,
        r.currency,
        r.amount_minor,
        r.settlement_currency,
        r.quote_id,
    )
    return mine == theirs

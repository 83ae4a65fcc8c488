"""The payment service: one lifecycle for every payment, however it arrived.

`submit` takes a `PaymentRequest` through validation, screening, quoting (cross-currency only),
reservation and settlement, recording every transition. The money moves in the ledger as one
linked chain of transfers whose ids derive from the payment's id, so every step can be retried:

    reserve  (pending, linked):  payer → payee                          same currency
                                 payer → FX provider, FX provider → payee   cross-currency (PvP)
                                 payer → operator fee account               if a fee is due
    settle   (post_pending, linked) each of those
    reject   (void_pending, linked) each of those

Both FX legs are in one chain, so they settle together or not at all: an FX provider short of the
target currency fails the chain and nothing moves (payment-versus-payment).

**Limits** (`compliance.limits`) are checked at validation: over a per-payment maximum is AM02,
over a daily limit AM14; the payment is rejected before anything is reserved.

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

A held payment not decided by its deadline (`hold_deadline_s`, shorter than the ledger's 24 h
reservation timeout, so the reservation is always still there) is rejected by `expire_holds`.
Every hold and every decision is written with the payment's history and to the audit log, in one
transaction.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

import sqlalchemy as sa

from vostro import audit
from vostro.compliance.limits import ALL, Limit, Limits, day_bounds
from vostro.compliance.results import Decision, ScreeningResult
from vostro.config import HOLD_DEADLINE_MAX_S, HOLD_DEADLINE_S
from vostro.errors import VostroError
from vostro.fx.desk import FxDesk
from vostro.fx.errors import FxError, QuoteExpired
from vostro.ledger.types import (
    BATCH_EVENTS_MAX,
    INT64_MAX,
    CreateTransferResult,
    Transfer,
    TransferFlags,
    linked_chain,
)
from vostro.ledger.writer import Ledger
from vostro.money import currency, format_amount
from vostro.participants.model import AccountKind, Participant, Purpose
from vostro.participants.registry import Registry
from vostro.payments.fees import FeeSchedule, all_in_cost
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
from vostro.payments.repository import Also, PaymentRepository
from vostro.payments.screening import NoScreening, Screener
from vostro.settlement.queue import PaymentQueue, Priority, QueueEntry
from vostro.settlement.rules import Mode, SettlementRules
from vostro.settlement.windows import WindowPayment, Windows

R = CreateTransferResult
T = TypeVar("T")
UETR_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING)
VOID = int(TransferFlags.VOID_PENDING)
# Transfer ids: the payment id (low 16 bits zero) plus a leg number.
LEG_PAY, LEG_PAYOUT, LEG_FEE = 1, 2, 3
POST_BASE, VOID_BASE, RETURN_BASE = 0x10, 0x20, 0x30
RESERVATION_TIMEOUT_S = 86_400  # a reservation not settled within a day is released by the ledger
QUEUE_DEADLINE_S = 4 * 3600  # a queued payment still unfunded after four hours is rejected
RETRY_ATTEMPTS_MAX = 2_000  # queued payments tried per arrival of liquidity (bounds the cascade)
assert HOLD_DEADLINE_MAX_S == RESERVATION_TIMEOUT_S, "a hold must end before its reservation"


# (leg number, debit account, credit account, amount, currency, purpose)
Leg = tuple[int, int, int, int, str, Purpose]


class DuplicatePayment(PaymentRejected):
    """Same UETR or end-to-end id as an earlier, different payment (AM05)."""


class Shortfall(PaymentRejected):
    """The payer cannot fund the payment now (AM04): an RTGS payment queues instead."""


def new_payment_id() -> int:
    """Time-ordered 128-bit id: milliseconds in the high bits, then 64 random bits, then 16 zero
    bits for the leg number (time-ordered ids index fastest)."""
    return (time.time_ns() // 1_000_000) << 80 | secrets.randbits(64) << 16


class PaymentService:
    def __init__(
        self,
        ledger: Ledger,
        registry: Registry,
        desk: FxDesk,
        *,
        screener: Screener | None = None,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.ledger = ledger
        self.registry = registry
        self.desk = desk
        self.screener = screener or NoScreening()
        self.clock = clock
        self.repo = PaymentRepository(ledger.store.engine, clock)
        self.rules = SettlementRules(ledger.store.engine)
        self.queue = PaymentQueue(ledger.store.engine)
        self.windows = Windows(ledger.store.engine)
        self.limits = Limits(ledger.store.engine, clock)
        self.queue_deadline_s = QUEUE_DEADLINE_S
        self.hold_deadline_s = HOLD_DEADLINE_S
        self._memo: dict[tuple[object, ...], object] | None = None
        # With `cache_settings()`, rules, limits and fee schedules are read once and kept until
        # `forget_settings()`: for a process that is the only writer and forgets them after any
        # command that is not a payment (the service's writer does).
        self._settings_cache: dict[tuple[object, ...], object] | None = None

    # ------------------------------------------------------------------ submit
    def submit(self, request: PaymentRequest, *, urgent: bool = False) -> Payment:
        """Run the payment through its lifecycle; returns it settled or rejected.

        Submitting the same payment again returns the stored one (it settles once); a different
        payment reusing its UETR or end-to-end id raises `DuplicatePayment` and changes nothing.
        """
        if not isinstance(request.uetr, str) or not UETR_RE.match(request.uetr):
            raise PaymentRejected(
                Reason.INVALID_FILE_FORMAT,
                f"UETR {request.uetr!r} is not a lower-case UUID version 4",
            )
        existing = self.repo.get(request.uetr) or self.repo.by_end_to_end(
            request.debtor_agent, request.end_to_end_id
        )
        if existing is not None:
            if not _same_request(existing, request):
                raise DuplicatePayment(
                    Reason.DUPLICATION,
                    f"payment {existing.uetr} already used this UETR or end-to-end id "
                    f"({request.end_to_end_id}) with other details",
                )
            return (
                existing
                if existing.state in (State.SETTLED, State.REJECTED, State.RETURNED)
                else self._resume(existing)
            )
        payment = _new_payment(request)
        self.repo.add(payment, "accepted for processing")
        return self._resume(payment, Priority.URGENT if urgent else Priority.NORMAL)

    def submit_many(
        self, items: Sequence[tuple[PaymentRequest, bool]], *, also: Also | None = None
    ) -> list[Payment | VostroError]:
        """Submit payments that arrived together (`(request, urgent)` each), sharing database
        transactions and ledger batches; returns, per item, the payment or the refusal.

        The group's plain payments (same currency, settled gross, not held, no limits to count,
        new) are validated and screened with their records written in one transaction, then
        reserved and settled in one ledger batch (each payment's reservation its own linked
        chain, then each one's posting), their states written once after it. Every other
        item goes through `submit` on its own afterwards, in order. The one difference from
        submitting one by one: a payment in the group does not yet fund another of the same
        group (reservations are pending until the group settles); a payer short for that reason
        queues, and the queue retry after the group settles it.
        """
        out: list[Payment | VostroError | None] = [None] * len(items)
        taken = self.repo.known(
            [r.uetr for r, _ in items if isinstance(r.uetr, str)],
            [(r.debtor_agent, r.end_to_end_id) for r, _ in items],
        )
        # rules, limits and fees read once per group (or kept across groups, when cached)
        self._memo = self._settings_cache if self._settings_cache is not None else {}
        try:
            plain, alone = self._screen_group(items, out, taken, also)
        finally:
            self._memo = None
        settled = self._reserve_and_settle(plain)
        retried: set[str] = set()
        for bic, code in dict.fromkeys((p.creditor_agent, p.target_currency) for p in settled):
            retried.update(self.retry_queue(bic, code))
        for i, p, _ in plain:
            if p.uetr in retried:  # queued in the group, settled by the retry after it
                out[i] = self.repo.get(p.uetr) or p
        for i in sorted(alone):
            request, urgent = items[i]
            started = out[i]
            try:
                if isinstance(started, Payment):  # screened on the way: it was held
                    out[i] = self._resume(started, Priority.URGENT if urgent else Priority.NORMAL)
                else:
                    out[i] = self.submit(request, urgent=urgent)
            except VostroError as refused:
                out[i] = refused
        assert all(o is not None for o in out)
        return [o for o in out if o is not None]

    def _screen_group(
        self,
        items: Sequence[tuple[PaymentRequest, bool]],
        out: list[Payment | VostroError | None],
        taken: tuple[set[str], set[tuple[str, str]]],
        also: Also | None = None,
    ) -> tuple[list[tuple[int, Payment, Priority]], list[int]]:
        """Accept, validate, screen and price the group's plain payments, their records
        written in one transaction; the rest are left to go alone."""
        plain: list[tuple[int, Payment, Priority]] = []
        alone: list[int] = []
        seen: set[object] = set()
        limited: dict[tuple[str, str, str], bool] = {}
        with self.repo.batched():
            if also is not None:  # the caller's own writes, in the group's first transaction
                self.repo.defer(also)
            for i, (request, urgent) in enumerate(items):
                keys = (request.uetr, (request.debtor_agent, request.end_to_end_id))
                go_alone = not self._plain(request, seen, keys, limited, taken)
                seen.update(keys)
                if go_alone:
                    alone.append(i)
                    continue
                payment = _new_payment(request)
                self.repo.add(payment, "accepted for processing")
                out[i] = payment
                try:
                    self._validate(payment)
                    held = self._screen(payment)
                    if payment.state is State.REJECTED:
                        continue
                    if held:  # a screening hit: it goes on its own, to be held
                        alone.append(i)
                        continue
                    self._price(payment)
                except PaymentRejected as rejection:
                    self._reject(payment, rejection.code, rejection.reason)
                    continue
                plain.append((i, payment, Priority.URGENT if urgent else Priority.NORMAL))
        return plain, alone

    def cache_settings(self) -> None:
        """Keep settlement modes, limits and fee schedules in memory across groups."""
        self._settings_cache = {}

    def forget_settings(self) -> None:
        """Drop the kept settings (after anything that may have changed them)."""
        if self._settings_cache is not None:
            self._settings_cache.clear()

    def _memoised(self, key: tuple[object, ...], read: Callable[[], T]) -> T:
        if self._memo is None:
            return read()
        if key not in self._memo:
            self._memo[key] = read()
        return cast(T, self._memo[key])

    def _mode(self, bic: str, code: str) -> Mode:
        return self._memoised(("mode", bic, code), lambda: self.rules.mode(bic, code))

    def _applicable(self, bic: str, flow: str, code: str) -> list[Limit]:
        return self._memoised(
            ("limits", bic, flow, code), lambda: self.limits.applicable(bic, flow, code)
        )

    def _fees(self, bic: str, code: str) -> FeeSchedule:
        return self._memoised(("fees", bic, code), lambda: self.registry.fee_schedule(bic, code))

    def _plain(
        self,
        r: PaymentRequest,
        seen: set[object],
        keys: tuple[object, object],
        limited: dict[tuple[str, str, str], bool],
        taken: tuple[set[str], set[tuple[str, str]]],
    ) -> bool:
        """Can this request go through the batched path of `submit_many`?"""
        if keys[0] in seen or keys[1] in seen or not isinstance(r.uetr, str):
            return False
        if not UETR_RE.match(r.uetr) or r.settlement_currency != r.currency:
            return False
        if self._mode(r.debtor_agent, r.currency) is not Mode.RTGS:
            return False
        scope = (r.debtor_agent, r.flow, r.currency)
        if scope not in limited:
            limited[scope] = bool(self._applicable(*scope))
        if limited[scope]:  # daily totals must count every earlier payment: one at a time
            return False
        return r.uetr not in taken[0] and (r.debtor_agent, r.end_to_end_id) not in taken[1]

    def _reserve_and_settle(self, group: list[tuple[int, Payment, Priority]]) -> list[Payment]:
        """Reserve the group and settle it in one ledger batch: every payment's pending chain,
        then every payment's posting chain. The ledger applies a batch in order, so a posting
        finds its reservation; one whose reservation failed finds none and changes nothing."""
        reservations = [(p, priority, *self._reservation(p)) for _, p, priority in group]
        postings = [self._resolution(p, POST, POST_BASE) for p, *_ in reservations]
        results = self._batch_results([chain for *_, chain in reservations] + postings)
        reserve_results, post_results = results[: len(group)], results[len(group) :]
        settled: list[Payment] = []
        # The states of both steps are written once, after the batch: the transfer ids derive
        # from each payment's id, so a crash before they are written resumes exactly (`EXISTS`).
        with self.repo.batched():
            for (p, priority, legs, _), reserved, posted in zip(
                reservations, reserve_results, post_results, strict=True
            ):
                try:
                    self._reserved(p, legs, reserved)
                except Shortfall as short:
                    self._enqueue(p, priority, short.reason)
                    continue
                except PaymentRejected as rejection:
                    self._reject(p, rejection.code, rejection.reason)
                    continue
                try:
                    self._settled(p, posted)
                    settled.append(p)
                except PaymentRejected as rejection:
                    self._reject(p, rejection.code, rejection.reason)
        return settled

    def _batch_results(self, chains: list[list[Transfer]]) -> list[list[R]]:
        """Create the chains in as few ledger batches as fit (a chain never split); the results
        of each chain."""
        results: list[list[R]] = []
        start = 0
        while start < len(chains):
            end, events = start, 0
            while end < len(chains) and events + len(chains[end]) <= BATCH_EVENTS_MAX:
                events += len(chains[end])
                end += 1
            flat = self.ledger.create_transfers([t for chain in chains[start:end] for t in chain])
            at = 0
            for chain in chains[start:end]:
                results.append(list(flat[at : at + len(chain)]))
                at += len(chain)
            start = end
        return results

    def _resume(self, payment: Payment, priority: Priority = Priority.NORMAL) -> Payment:
        if payment.state is State.HELD:
            return payment  # only an operator's decision moves it on
        try:
            if payment.state is State.RECEIVED:
                self._validate(payment)
            hold = None
            if payment.state is State.VALIDATED:
                hold = self._screen(payment)
            if hold is None:  # resumed after screening: what did it decide?
                hold = payment.state in (
                    State.SCREENED,
                    State.QUOTED,
                    State.RESERVED,
                ) and self.repo.held_by_screening(payment.uetr)
            self._proceed(payment, priority, hold=hold)
        except PaymentRejected as rejection:
            self._reject(payment, rejection.code, rejection.reason)
        return payment

    def _proceed(self, payment: Payment, priority: Priority, *, hold: bool) -> None:
        """From screened (or held, once released) to settled, queued, clearing or held."""
        if payment.state is State.SCREENED:
            self._price(payment)
        if payment.state in (State.SCREENED, State.HELD) and self._deferred_net(payment):
            if hold:
                self._hold(payment, reserved=False, why="before it joins a settlement window")
            else:
                self._clear(payment)
            return
        if payment.state in (State.SCREENED, State.QUOTED, State.HELD):
            try:
                self._reserve(payment)
            except Shortfall as short:
                if payment.cross_currency:  # PvP at a quoted rate: no waiting
                    raise
                if hold:
                    self._hold(payment, reserved=False, why=f"not queued: {short.reason}")
                else:
                    self._enqueue(payment, priority, short.reason)
                return
        if payment.state is State.RESERVED:
            if hold:
                self._hold(payment, reserved=True, why="its funds are reserved")
                return
            self._settle(payment)
            self.retry_queue(payment.creditor_agent, payment.target_currency)

    # ------------------------------------------------------------------ steps
    def _validate(self, p: Payment) -> None:
        payer = self._participant(p.debtor_agent, "payer")
        payee = self._participant(p.creditor_agent, "payee")
        if not 0 < p.source_amount_minor <= INT64_MAX:
            raise PaymentRejected(Reason.INVALID_AMOUNT, "the amount must be positive")
        if payer.bic == payee.bic:
            raise PaymentRejected(Reason.INCORRECT_ACCOUNT, "payer and payee are the same bank")
        for who, participant, code in (
            ("payer", payer, p.source_currency),
            ("payee", payee, p.target_currency),
        ):
            if not participant.settles_in(code):
                raise PaymentRejected(
                    Reason.NOT_ALLOWED_CURRENCY,
                    f"the {who} {participant.bic} does not settle in {code}",
                )
        if p.cross_currency and not p.quote_id:
            raise PaymentRejected(
                Reason.NOT_SPECIFIED, "a cross-currency payment must name an FX quote"
            )
        within = self._check_limits(p)
        self._move(p, State.VALIDATED, "participants, currencies and amount are valid" + within)

    def _check_limits(self, p: Payment) -> str:
        """Refuse a payment over a limit that applies to it; says which limits it is within."""
        limits = self._applicable(p.debtor_agent, p.flow, p.source_currency)
        code, amount = p.source_currency, p.source_amount_minor
        for limit in limits:
            cap = limit.per_payment_max_minor
            if cap is not None and amount > cap:
                raise PaymentRejected(
                    Reason.NOT_ALLOWED_AMOUNT,
                    f"{format_amount(amount, code)} is over the per-payment maximum of "
                    f"{format_amount(cap, code)} for {limit.scope}",
                )
            cap = limit.per_day_max_minor
            if cap is not None:
                since, until = day_bounds(self.clock())
                flow = None if limit.flow == ALL else limit.flow
                total = self.repo.accepted_total(
                    p.debtor_agent, code, since, until, flow=flow, excluding=p.uetr
                )
                if total + amount > cap:
                    raise PaymentRejected(
                        Reason.EXCEEDS_AGREED_LIMIT,
                        f"it would take today's total (UTC) for {limit.scope} to "
                        f"{format_amount(total + amount, code)}, over the daily limit of "
                        f"{format_amount(cap, code)} ({format_amount(total, code)} already "
                        "accepted)",
                    )
        return f"; within {len(limits)} limits" if limits else ""

    def _participant(self, bic: str, who: str) -> Participant:
        participant = self.registry.find(bic)
        if participant is None:
            raise PaymentRejected(Reason.INCORRECT_ACCOUNT, f"the {who} {bic} is not a participant")
        if not participant.active:
            raise PaymentRejected(
                Reason.BLOCKED_ACCOUNT,
                f"the {who} {bic} is suspended: no new payments to or from it",
            )
        return participant

    def _screen(self, p: Payment) -> bool:
        """Screen the payment's parties; True when it must be held."""
        result = self.screener.screen(p)
        record = self._screening_record(p, result)
        if result.decision is Decision.REJECT:
            self._reject(p, Reason.REGULATORY, result.reason, also=record)
            return False
        self._move(p, State.SCREENED, result.reason, also=record)
        return result.decision is Decision.HOLD

    def _screening_record(self, p: Payment, result: ScreeningResult) -> Also | None:
        if not result.screened:
            return None
        at = self.clock()
        return lambda conn: self.repo.add_screening(conn, p.uetr, at, result)

    # ------------------------------------------------------------ sanctions holds
    def _hold(self, p: Payment, *, reserved: bool, why: str) -> None:
        now = self.clock()
        hold = Hold(
            p.uetr, now, now + self.hold_deadline_s * 1_000_000_000, reserved, HoldStatus.HELD
        )
        reason = (
            f"held for an operator's decision on a sanctions screening hit, {why}; "
            f"rejected if not decided within {self.hold_deadline_s} s"
        )

        def record(conn: sa.Connection) -> None:
            self.repo.add_hold(conn, hold)
            audit.record(
                conn, "screening", "payment.held", p.uetr, reason=reason, reserved=reserved
            )

        self._move(p, State.HELD, reason, also=record)

    def held(self, uetr: str) -> tuple[Payment, Hold]:
        """A payment waiting for a decision, and its hold; `PaymentRejected` if it is not one."""
        p = self.repo.get(uetr)
        hold = self.repo.hold(uetr)
        if p is None:
            raise PaymentRejected(Reason.NOT_SPECIFIED, f"no payment has UETR {uetr}")
        if p.state is not State.HELD or hold is None:
            raise PaymentRejected(Reason.NOT_SPECIFIED, f"payment {uetr} is {p.state}, not held")
        return p, hold

    def release_held(self, uetr: str, note: str, also: Also) -> Payment:
        """Let a held payment go on: `also` records the decision (with the history's event
        `note`, in one transaction); then it settles, or goes where it would have gone."""
        p, hold = self.held(uetr)
        if hold.status is HoldStatus.HELD:
            self.repo.note(p, note, also)
        # else: released before, and stopped before it moved on (a crash): go on now
        try:
            if hold.reserved:
                self._settle(p, f"released and settled gross: {note}")
                self.retry_queue(p.creditor_agent, p.target_currency)
            else:
                self._proceed(p, Priority.NORMAL, hold=False)
        except PaymentRejected as rejection:
            self._reject(p, rejection.code, rejection.reason)
        return p

    def reject_held(self, uetr: str, code: Reason, reason: str, also: Also) -> Payment:
        """End a held payment: its reservation is voided and it is rejected, with `also`
        recording the decision in the same transaction as the rejection."""
        p, _ = self.held(uetr)
        self._reject(p, code, reason, also=also)
        return p

    def _price(self, p: Payment) -> None:
        """Claim the FX quote (cross-currency), then work out the fee and the all-in cost."""
        payer = self.registry.get(p.debtor_agent)
        fee = self._fees(payer.bic, p.source_currency).fee(p.source_amount_minor)
        p.fee_minor = fee
        if not p.cross_currency:
            cost = all_in_cost(p.source_amount_minor, fee)
            p.cost_minor, p.cost_bps = cost.total_minor, str(cost.total_bps)
            return
        assert p.quote_id is not None
        try:
            q = self.desk.claim(
                p.quote_id,
                payer=payer.bic,
                source=p.source_currency,
                target=p.target_currency,
                source_amount_minor=p.source_amount_minor,
                uetr=p.uetr,
                now_ns=self.clock(),
            )
        except QuoteExpired as expired:
            raise PaymentRejected(Reason.TIMEOUT, str(expired)) from expired
        except FxError as mismatch:
            raise PaymentRejected(Reason.NOT_SPECIFIED, str(mismatch)) from mismatch
        provider = self.registry.find(q.provider_id)
        if provider is None or not provider.active:
            raise PaymentRejected(
                Reason.BLOCKED_ACCOUNT, f"FX provider {q.provider_id} is not an active participant"
            )
        p.fx_provider, p.rate, p.reference_rate = q.provider_id, str(q.rate), str(q.reference_rate)
        p.target_amount_minor, p.fx_margin_minor = q.target_amount_minor, q.margin_minor
        cost = all_in_cost(
            p.source_amount_minor,
            fee,
            q.margin_minor,
            q.reference_rate,
            p.source_currency,
            p.target_currency,
        )
        p.cost_minor, p.cost_bps = cost.total_minor, str(cost.total_bps)
        self._move(
            p,
            State.QUOTED,
            f"quote {q.id} from {q.provider_id}: rate {q.rate} (reference "
            f"{q.reference_rate}, spread {q.spread_bps} bp)",
        )

    def _reserve(self, p: Payment) -> None:
        legs, chain = self._reservation(p)
        self._reserved(p, legs, self.ledger.create_transfers(chain))

    def _reservation(self, p: Payment) -> tuple[list[Leg], list[Transfer]]:
        """The payment's legs, and the linked chain of pending transfers that reserves them."""
        legs = self._legs(p)
        chain = linked_chain(
            [
                Transfer(
                    p.payment_id | leg,
                    debit,
                    credit,
                    amount,
                    currency(code).ledger,
                    int(purpose),
                    flags=PENDING,
                    timeout_s=RESERVATION_TIMEOUT_S,
                    user_data_128=p.payment_id,
                )
                for leg, debit, credit, amount, code, purpose in legs
            ]
        )
        return legs, chain

    def _reserved(self, p: Payment, legs: list[Leg], results: list[R]) -> None:
        """Reserved, or the reason it was not (`Shortfall` when the payer lacks liquidity)."""
        failed = [
            (leg, r)
            for leg, r in zip(legs, results, strict=True)
            if r not in (R.OK, R.EXISTS, R.LINKED_EVENT_FAILED)
        ]
        if failed:
            leg, result = failed[0]
            raise self._why(p, leg, result)
        self._move(
            p,
            State.RESERVED,
            f"{len(legs)} transfers reserved as one linked chain"
            + (" (payment-versus-payment)" if p.cross_currency else ""),
        )

    def _legs(self, p: Payment) -> list[Leg]:
        payer = self.registry.get(p.debtor_agent)
        payee = self.registry.get(p.creditor_agent)
        src, tgt = p.source_currency, p.target_currency
        if p.cross_currency:
            assert p.fx_provider is not None
            fx = self.registry.get(p.fx_provider)
            legs = [
                (
                    LEG_PAY,
                    payer.paying_account(src),
                    fx.account(AccountKind.SETTLEMENT, src),
                    p.source_amount_minor,
                    src,
                    Purpose.FX_LEG,
                ),
                (
                    LEG_PAYOUT,
                    fx.account(AccountKind.SETTLEMENT, tgt),
                    payee.paying_account(tgt),
                    p.target_amount_minor,
                    tgt,
                    Purpose.FX_LEG,
                ),
            ]
        else:
            legs = [
                (
                    LEG_PAY,
                    payer.paying_account(src),
                    payee.paying_account(tgt),
                    p.source_amount_minor,
                    src,
                    Purpose.PAYMENT,
                )
            ]
        if p.fee_minor:
            fees = self.registry.operator().account(AccountKind.FEE, src)
            legs.append((LEG_FEE, payer.paying_account(src), fees, p.fee_minor, src, Purpose.FEE))
        return legs

    def _why(self, p: Payment, leg: Leg, result: R) -> PaymentRejected:
        who = {LEG_PAY: p.debtor_agent, LEG_PAYOUT: p.fx_provider, LEG_FEE: p.debtor_agent}
        party = who.get(leg[0], "?")
        code = leg[4]
        if result in (R.EXCEEDS_CREDITS, R.EXCEEDS_DEBITS):
            what = "the fee" if leg[0] == LEG_FEE else "the payment"
            reason = f"{party} lacks {code} liquidity for {what}; nothing moved"
            if leg[0] in (LEG_PAY, LEG_FEE):
                return Shortfall(Reason.INSUFFICIENT_FUNDS, reason)
            return PaymentRejected(Reason.INSUFFICIENT_FUNDS, reason)
        if result in (R.DEBIT_ACCOUNT_CLOSED, R.CREDIT_ACCOUNT_CLOSED):
            return PaymentRejected(Reason.CLOSED_ACCOUNT, f"an account of {party} is closed")
        return PaymentRejected(Reason.NOT_SPECIFIED, f"the ledger refused the transfer: {result}")

    def _settle(
        self, p: Payment, reason: str = "settled gross in real time: both sides final"
    ) -> None:
        self._settled(p, self._resolve_reservation(p, POST, POST_BASE), reason)

    def _settled(
        self,
        p: Payment,
        results: list[R],
        reason: str = "settled gross in real time: both sides final",
    ) -> None:
        if any(r not in (R.OK, R.EXISTS) for r in results):
            raise PaymentRejected(
                Reason.NOT_SPECIFIED, f"the reservation could not be settled: {results}"
            )
        self._move(p, State.SETTLED, reason)

    # ------------------------------------------------------------- RTGS queue
    def _enqueue(self, p: Payment, priority: Priority, reason: str) -> None:
        now = self.clock()
        self.queue.add(
            QueueEntry(
                p.uetr,
                p.debtor_agent,
                p.source_currency,
                priority,
                now,
                now + self.queue_deadline_s * 1_000_000_000,
            )
        )
        self._move(p, State.QUEUED, f"queued ({priority.name.lower()}): {reason}")

    def retry_queue(self, payer: str, code: str) -> list[str]:
        """Try the payer's queued payments in order now that liquidity may have arrived; each one
        that settles brings liquidity to its payee, whose queue is tried next. Returns the UETRs
        that settled."""
        settled: list[str] = []
        work = [(payer, code)]
        attempts = 0
        while work and attempts < RETRY_ATTEMPTS_MAX:
            bic, ccy = work.pop(0)
            for entry in self.queue.entries(ccy, bic):
                attempts += 1
                p = self.repo.get(entry.uetr)
                if p is None or p.state is not State.QUEUED:
                    self.queue.remove([entry.uetr])
                    continue
                if self._settle_queued(p):
                    settled.append(p.uetr)
                    work.append((p.creditor_agent, p.target_currency))
        return settled

    def _settle_queued(self, p: Payment) -> bool:
        try:
            self._reserve(p)
        except PaymentRejected:
            return False  # still short: it keeps its place in the queue
        self.queue.remove([p.uetr])
        try:
            self._settle(p)
        except PaymentRejected as rejection:
            self._reject(p, rejection.code, rejection.reason)
            return False
        return True

    def cancel(self, uetr: str, by: str) -> Payment:
        """The sender withdraws a queued payment (camt.056); anyone else is told it is unknown."""
        p = self._own_queued(uetr, by)
        self.queue.remove([uetr])
        self._reject(p, Reason.CANCELLED, f"cancelled by its sender {by} while queued")
        return p

    def reprioritise(self, uetr: str, by: str, priority: Priority) -> Payment:
        p = self._own_queued(uetr, by)
        self.queue.set_priority(uetr, priority)
        return p

    def _own_queued(self, uetr: str, by: str) -> Payment:
        p = self.repo.get(uetr)
        if p is None or p.debtor_agent != by:
            raise PaymentRejected(Reason.NOT_SPECIFIED, f"{by} has no payment {uetr}")
        if p.state is not State.QUEUED:
            raise PaymentRejected(Reason.NOT_SPECIFIED, f"payment {uetr} is {p.state}, not queued")
        return p

    def expire_queue(self) -> list[str]:
        """Reject queued payments past their deadline; returns their UETRs."""
        expired = []
        for entry in self.queue.due(self.clock()):
            p = self.repo.get(entry.uetr)
            self.queue.remove([entry.uetr])
            if p is not None and p.state is State.QUEUED:
                self._reject(
                    p,
                    Reason.INSUFFICIENT_FUNDS,
                    "still queued at its deadline: the payer lacked the liquidity",
                )
                expired.append(p.uetr)
        return expired

    # -------------------------------------------------- deferred net settlement
    def _deferred_net(self, p: Payment) -> bool:
        return not p.cross_currency and (self._mode(p.debtor_agent, p.source_currency) is Mode.DNS)

    def _clear(self, p: Payment) -> None:
        """Accept into the open window, within the payer's net debit cap and bilateral limit."""
        code = p.source_currency
        window = self.windows.open_window(code, self.clock())
        debit = self.windows.net_debit(window.id, p.debtor_agent) + p.source_amount_minor
        debit += p.fee_minor
        cap = self.rules.net_debit_cap(p.debtor_agent, code)
        if debit > cap:
            raise PaymentRejected(
                Reason.NOT_ALLOWED_AMOUNT,
                f"it would take {p.debtor_agent}'s net debit in window {window.id} to "
                f"{debit} minor units of {code}, over its net debit cap of {cap}",
            )
        limit = self.rules.bilateral_limit(p.debtor_agent, p.creditor_agent, code)
        owed = self.windows.bilateral_debit(window.id, p.debtor_agent, p.creditor_agent)
        if limit is not None and owed + p.source_amount_minor > limit:
            raise PaymentRejected(
                Reason.NOT_ALLOWED_AMOUNT,
                f"it would take what {p.debtor_agent} owes {p.creditor_agent} to "
                f"{owed + p.source_amount_minor}, over their bilateral limit of {limit}",
            )
        self.windows.add(
            window.id,
            WindowPayment(
                p.uetr, p.debtor_agent, p.creditor_agent, p.source_amount_minor, p.fee_minor
            ),
        )
        self._move(
            p,
            State.CLEARING,
            f"accepted into {code} settlement window {window.id}; "
            f"net debit now {debit} of cap {cap}",
        )

    def _reject(self, p: Payment, code: Reason, reason: str, also: Also | None = None) -> None:
        if p.state is State.RESERVED or (p.state is State.HELD and self._reserved_on_hold(p)):
            self._release(p)

        p.reason_code, p.reason = code, reason
        self._move(p, State.REJECTED, reason, also=also)

    def _reserved_on_hold(self, p: Payment) -> bool:
        hold = self.repo.hold(p.uetr)
        return hold is not None and hold.reserved

    def _release(self, p: Payment) -> None:
        self._resolve_reservation(p, VOID, VOID_BASE)

    def _resolve_reservation(self, p: Payment, flag: int, id_base: int) -> list[R]:
        """Post or void every reserved leg of the payment, as one linked chain."""
        return self.ledger.create_transfers(self._resolution(p, flag, id_base))

    def _resolution(self, p: Payment, flag: int, id_base: int) -> list[Transfer]:
        return linked_chain(
            [
                Transfer(
                    p.payment_id | (id_base + leg[0]),
                    0,
                    0,
                    0,
                    0,
                    0,
                    flags=flag,
                    pending_id=p.payment_id | leg[0],
                    user_data_128=p.payment_id,
                )
                for leg in self._legs(p)
            ]
        )

    # ------------------------------------------------------------------ return
    def return_payment(self, original_uetr: str, return_uetr: str, reason: str) -> Payment:
        """Send a settled payment's money back along the same legs (the fee is not refunded)."""
        original = self.repo.get(original_uetr)
        if original is None:
            raise PaymentRejected(Reason.NOT_SPECIFIED, f"no payment has UETR {original_uetr}")
        if original.state is not State.SETTLED:
            raise PaymentRejected(
                Reason.NOT_SPECIFIED, f"payment {original_uetr} is {original.state}, not settled"
            )
        back = _new_payment(
            PaymentRequest(
                uetr=return_uetr,
                end_to_end_id=f"RTN-{original.end_to_end_id}"[:35],
                debtor_agent=original.creditor_agent,
                creditor_agent=original.debtor_agent,
                amount_minor=original.target_amount_minor,
                currency=original.target_currency,
                target_currency=original.source_currency,
                flow="return",
                debtor_name=original.creditor_name,
                creditor_name=original.debtor_name,
            )
        )
        back.target_amount_minor = original.source_amount_minor
        back.original_uetr, back.fx_provider = original.uetr, original.fx_provider
        self.repo.add(back, f"return of {original.uetr}: {reason}")
        legs = [
            (leg[0], leg[2], leg[1], leg[3], leg[4])
            for leg in self._legs(original)
            if leg[0] != LEG_FEE
        ]
        chain = linked_chain(
            [
                Transfer(
                    back.payment_id | (RETURN_BASE + leg),
                    debit,
                    credit,
                    amount,
                    currency(code).ledger,
                    int(Purpose.RETURN),
                    user_data_128=original.payment_id,
                )
                for leg, debit, credit, amount, code in reversed(legs)
            ]
        )
        results = self.ledger.create_transfers(chain)
        if any(r not in (R.OK, R.EXISTS) for r in results):
            back.reason_code, back.reason = (
                Reason.INSUFFICIENT_FUNDS,
                (f"the return could not be funded ({results}); the original stays settled"),
            )
            self._move(back, State.REJECTED, back.reason)
            return back
        for state in (State.VALIDATED, State.SCREENED, State.RESERVED, State.SETTLED):
            self._move(back, state, "return: funds sent back along the original legs")
        original.reason = reason
        self._move(original, State.RETURNED, f"returned by {return_uetr}: {reason}")
        return back

    # ----------------------------------------------------------------- helpers
    def _move(self, p: Payment, state: State, reason: str, also: Also | None = None) -> None:
        if state not in TRANSITIONS[p.state]:
            raise InvalidTransition(f"payment {p.uetr}: {p.state} → {state} is not allowed")
        p.state = state
        self.repo.save(p, reason, also)

    def get(self, uetr: str) -> Payment | None:
        return self.repo.get(uetr)


def _new_payment(r: PaymentRequest) -> Payment:
    return Payment(
        uetr=r.uetr,
        payment_id=new_payment_id(),
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
    )


def _same_request(p: Payment, r: PaymentRequest) -> bool:
    return (
        p.uetr,
        p.end_to_end_id,
        p.debtor_agent,
        p.creditor_agent,
        p.source_currency,
        p.source_amount_minor,
        p.target_currency,
        p.quote_id,
    ) == (
        r.uetr,
        r.end_to_end_id,
        r.debtor_agent,
        r.creditor_agent,
        r.currency,
        r.amount_minor,
        r.settlement_currency,
        r.quote_id,
    )

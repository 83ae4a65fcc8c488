"""Group commit: payments that arrived together go through their lifecycle together.

The group's plain payments (settled gross, not held, no daily limits to count, new; in one
currency, or cross-currency on a firm quote, payment-versus-payment) are validated, screened and
priced with their records written together, then reserved and settled in one ledger batch (each
payment's reservation its own linked chain, then each one's posting; the ledger applies a batch in
order, so a posting finds its reservation, and one whose reservation failed finds none and changes
nothing), their states written once after it. A cross-currency payment short of liquidity is
refused, as it would be alone: a quoted rate does not wait in a queue. Every other item goes
through `Lifecycle.submit` on its own afterwards, in order. The one difference from submitting one
by one: a payment in the group does not yet fund another of the same group (reservations are
pending until the group settles); a payer short for that reason queues, and the queue retry after
the group settles it. All of it is one unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vostro.errors import VostroError, invariant
from vostro.ledger.types import BATCH_EVENTS_MAX, CreateTransferResult, Transfer
from vostro.payments import legs
from vostro.payments.lifecycle import UETR_RE, Lifecycle, Shortfall, new_payment, text_problem
from vostro.payments.model import Payment, PaymentRejected, PaymentRequest, State
from vostro.payments.ports import UnitOfWork
from vostro.settlement.queue import Priority
from vostro.settlement.rules import Mode

R = CreateTransferResult
Item = tuple[PaymentRequest, bool]  # (request, urgent)


@dataclass
class _Sorting:
    """The group split into plain payments (batched) and the rest (one at a time)."""

    taken: tuple[set[str], set[tuple[str, str]]]
    seen: set[object] = field(default_factory=set)
    limited: dict[tuple[str, str, str], bool] = field(default_factory=dict)
    plain: list[tuple[int, Payment, Priority]] = field(default_factory=list)
    alone: list[int] = field(default_factory=list)


class GroupSubmission:
    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle

    def submit_many(self, uow: UnitOfWork, items: Sequence[Item]) -> list[Payment | VostroError]:
        """Submit payments that arrived together; returns, per item, the payment or the
        refusal."""
        out: list[Payment | VostroError | None] = [None] * len(items)
        taken = uow.payments.known(
            [r.uetr for r, _ in items if isinstance(r.uetr, str)],
            [(r.debtor_agent, r.end_to_end_id) for r, _ in items],
        )
        sorting = _Sorting(taken)
        self.lifecycle.memo.open_group()  # rules, limits, fees and calendars read once per group
        try:
            # One batch of writes for the plain payments from arrival to settlement: each new
            # payment's row is written once, in its last state, with all its events.
            with uow.payments.batched():
                self._screen(uow, items, out, sorting)
                settled = self._reserve_and_settle(uow, sorting.plain)
            self._settle(uow, items, out, sorting, settled)
        finally:
            self.lifecycle.memo.close_group()
        invariant(all(o is not None for o in out), "a submission of the group has no outcome")
        return [o for o in out if o is not None]

    def _settle(
        self,
        uow: UnitOfWork,
        items: Sequence[Item],
        out: list[Payment | VostroError | None],
        sorting: _Sorting,
        settled: list[Payment],
    ) -> None:
        """After the plain payments settled in one batch: retry the queues they bring liquidity
        to, then the rest one at a time, in order."""
        retried: set[str] = set()
        waiting = uow.queue.payers() if settled else set()  # a payee with nothing queued: skip
        for bic, code in dict.fromkeys((p.creditor_agent, p.target_currency) for p in settled):
            if (bic, code) in waiting:
                retried.update(self.lifecycle.retry_queue(uow, bic, code))
        for i, p, _ in sorting.plain:
            if p.uetr in retried:  # queued in the group, settled by the retry after it
                out[i] = uow.payments.get(p.uetr) or p
        for i in sorted(sorting.alone):
            out[i] = self._alone(uow, items[i], out[i])

    def _alone(
        self, uow: UnitOfWork, item: Item, started: Payment | VostroError | None
    ) -> Payment | VostroError:
        request, urgent = item
        try:
            if isinstance(started, Payment):  # screened on the way: it was held
                priority = Priority.URGENT if urgent else Priority.NORMAL
                return self.lifecycle.resume(uow, started, priority)
            return self.lifecycle.submit(uow, request, urgent=urgent)
        except VostroError as refused:
            return refused

    def _screen(
        self,
        uow: UnitOfWork,
        items: Sequence[Item],
        out: list[Payment | VostroError | None],
        sorting: _Sorting,
    ) -> None:
        """Accept, validate, screen and price the group's plain payments; the rest are left to
        go alone."""
        life = self.lifecycle
        for i, (request, urgent) in enumerate(items):
            keys = (request.uetr, (request.debtor_agent, request.end_to_end_id))
            go_alone = not self._plain(uow, request, keys, sorting)
            sorting.seen.update(keys)
            if go_alone:
                sorting.alone.append(i)
                continue
            payment = new_payment(request)
            uow.payments.add(payment, "accepted for processing")
            out[i] = payment
            try:
                if not life.validate(uow, payment, urgent=urgent):
                    continue  # warehoused for its value date
                held = life.screen(uow, payment)
                if payment.state is State.REJECTED:
                    continue
                if held:  # a screening hit: it goes on its own, to be held
                    sorting.alone.append(i)
                    continue
                life.price(uow, payment)
            except PaymentRejected as rejection:
                life.reject(uow, payment, rejection.code, rejection.reason)
                continue
            priority = Priority.URGENT if urgent else Priority.NORMAL
            sorting.plain.append((i, payment, priority))

    def _plain(
        self, uow: UnitOfWork, r: PaymentRequest, keys: tuple[object, object], s: _Sorting
    ) -> bool:
        """Can this request go through the batched path?"""
        if keys[0] in s.seen or keys[1] in s.seen or not isinstance(r.uetr, str):
            return False
        if not UETR_RE.fullmatch(r.uetr) or text_problem(r) is not None:
            return False  # refused on its own, with the reason
        memo = self.lifecycle.memo
        if memo.mode(uow, r.debtor_agent, r.currency) is not Mode.RTGS:
            return False
        scope = (r.debtor_agent, r.flow, r.currency)
        if scope not in s.limited:
            s.limited[scope] = bool(memo.limits(uow, *scope))
        if s.limited[scope]:  # daily totals must count every earlier payment: one at a time
            return False
        return r.uetr not in s.taken[0] and (r.debtor_agent, r.end_to_end_id) not in s.taken[1]

    def _reserve_and_settle(
        self, uow: UnitOfWork, group: list[tuple[int, Payment, Priority]]
    ) -> list[Payment]:
        """Reserve the group and settle it in one ledger batch: every payment's pending chain,
        then every payment's posting chain."""
        life = self.lifecycle
        planned = []
        for _, p, priority in group:
            payment_legs = legs.of(uow, life.registry, p)
            planned.append((p, priority, payment_legs))
        chains = [legs.reservation(p.payment_id, pl) for p, _, pl in planned]
        chains += [legs.resolution(p.payment_id, pl, post=True) for p, _, pl in planned]
        results = batch_results(uow, chains, new_ids=True)  # the group's payments are new
        settled: list[Payment] = []
        for (p, priority, payment_legs), reserved, posted in zip(
            planned, results[: len(group)], results[len(group) :], strict=True
        ):
            try:
                life.reserved(uow, p, payment_legs, reserved)
            except Shortfall as short:
                if p.cross_currency:  # PvP at a quoted rate: no waiting
                    life.reject(uow, p, short.code, short.reason)
                else:
                    life.enqueue(uow, p, priority, short.reason)
                continue
            except PaymentRejected as rejection:
                life.reject(uow, p, rejection.code, rejection.reason)
                continue
            try:
                life.settled(uow, p, posted)
                settled.append(p)
            except PaymentRejected as rejection:
                life.reject(uow, p, rejection.code, rejection.reason)
        return settled


def batch_results(
    uow: UnitOfWork, chains: list[list[Transfer]], *, new_ids: bool = False
) -> list[list[R]]:
    """Create the chains in as few ledger batches as fit (a chain never split); the results of
    each chain. `new_ids` as for `Ledger.create_transfers`."""
    results: list[list[R]] = []
    start = 0
    while start < len(chains):
        end, events = start, 0
        while end < len(chains) and events + len(chains[end]) <= BATCH_EVENTS_MAX:
            events += len(chains[end])
            end += 1
        flat = uow.ledger.create_transfers(
            [t for chain in chains[start:end] for t in chain], new_ids=new_ids
        )
        at = 0
        for chain in chains[start:end]:
            results.append(list(flat[at : at + len(chain)]))
            at += len(chain)
        start = end
    return results

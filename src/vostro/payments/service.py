"""The payment service: one lifecycle for every payment, however it arrived.

This is the payments part as the platform sees it: each method is one command on a unit of
work, carried out by the module that holds its idea — `lifecycle` (states and moves), `group`
(group commit), `returns`, `queueing` (cancel, priority, deadlines), `holds` (decisions on
sanctions holds) and `settling` (LSM runs and window closes turned into payment states).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from vostro.errors import VostroError
from vostro.payments import queueing, returns
from vostro.payments.group import GroupSubmission, Item
from vostro.payments.lifecycle import Lifecycle
from vostro.payments.model import Payment, PaymentRequest, Reason, State
from vostro.payments.ports import UnitOfWork
from vostro.settlement.queue import Priority


class Payments:
    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self.group = GroupSubmission(lifecycle)

    def submit(self, uow: UnitOfWork, request: PaymentRequest, *, urgent: bool = False) -> Payment:
        return self.lifecycle.submit(uow, request, urgent=urgent)

    def submit_many(
        self, uow: UnitOfWork, items: Sequence[Item]
    ) -> builtins.list[Payment | VostroError]:
        return self.group.submit_many(uow, items)

    def get(self, uow: UnitOfWork, uetr: str) -> Payment | None:
        return uow.payments.get(uetr)

    def list(
        self, uow: UnitOfWork, limit: int = 100, state: State | None = None
    ) -> builtins.list[Payment]:
        """The newest payments first (in one state, if given)."""
        return uow.payments.list(limit, state)

    def retry_queue(self, uow: UnitOfWork, payer: str, code: str) -> builtins.list[str]:
        return self.lifecycle.retry_queue(uow, payer, code)

    def cancel(self, uow: UnitOfWork, uetr: str, by: str) -> Payment:
        return queueing.cancel(uow, self.lifecycle, uetr, by)

    def reprioritise(self, uow: UnitOfWork, uetr: str, by: str, priority: Priority) -> Payment:
        return queueing.reprioritise(uow, uetr, by, priority)

    def expire_queue(self, uow: UnitOfWork) -> builtins.list[str]:
        return queueing.expire(uow, self.lifecycle)

    def refuse_queued(
        self, uow: UnitOfWork, code: Reason, reason: str, *, participant: str | None = None
    ) -> builtins.list[str]:
        return queueing.refuse(uow, self.lifecycle, code, reason, participant=participant)

    def return_payment(
        self, uow: UnitOfWork, original_uetr: str, return_uetr: str, reason: str
    ) -> Payment:
        return returns.return_payment(uow, self.lifecycle, original_uetr, return_uetr, reason)

"""What happens to a payment waiting in the RTGS queue besides settling: its sender cancels it
(camt.056; a warehoused one too) or changes its priority, or it reaches its deadline and is
rejected. The queue itself is settlement's (`settlement.queue`); the payment's states are the
lifecycle's."""

from __future__ import annotations

from vostro.payments.lifecycle import Lifecycle
from vostro.payments.model import Payment, PaymentRejected, Reason, State
from vostro.payments.ports import UnitOfWork
from vostro.settlement.queue import QUEUE_PAGE_MAX, Priority


def cancel(uow: UnitOfWork, life: Lifecycle, uetr: str, by: str) -> Payment:
    """The sender withdraws a queued payment; anyone else is told it is unknown."""
    p = _own(uow, uetr, by, (State.QUEUED, State.SCHEDULED))
    if p.state is State.QUEUED:
        uow.queue.remove([uetr])
    life.reject(uow, p, Reason.CANCELLED, f"cancelled by its sender {by} while {p.state}")
    return p


def reprioritise(uow: UnitOfWork, uetr: str, by: str, priority: Priority) -> Payment:
    p = _own_queued(uow, uetr, by)
    uow.queue.set_priority(uetr, priority)
    return p


def expire(uow: UnitOfWork, life: Lifecycle) -> list[str]:
    """Reject queued payments past their deadline; returns their UETRs."""
    expired = []
    for entry in uow.queue.due(life.clock()):
        p = uow.payments.get(entry.uetr)
        uow.queue.remove([entry.uetr])
        if p is not None and p.state is State.QUEUED:
            life.reject(
                uow,
                p,
                Reason.INSUFFICIENT_FUNDS,
                "still queued at its deadline: the payer lacked the liquidity",
            )
            expired.append(p.uetr)
    return expired


def refuse(
    uow: UnitOfWork, life: Lifecycle, code: Reason, reason: str, *, participant: str | None = None
) -> list[str]:
    """Reject every queued payment (or those to or from `participant`) with the reason; returns
    their UETRs. Used when a participant is cut off and at the end of the day."""
    refused: list[str] = []
    kept = 0  # entries left in the queue, all ahead of the next page
    page = uow.queue.entries(limit=QUEUE_PAGE_MAX)
    while page:
        for entry in page:
            p = uow.payments.get(entry.uetr)
            if p is not None and participant not in (None, p.debtor_agent, p.creditor_agent):
                kept += 1
                continue
            uow.queue.remove([entry.uetr])
            if p is not None and p.state is State.QUEUED:
                life.reject(uow, p, code, reason)
                refused.append(p.uetr)
        page = uow.queue.entries(limit=kept + QUEUE_PAGE_MAX)[kept:]
    return refused


def _own_queued(uow: UnitOfWork, uetr: str, by: str) -> Payment:
    return _own(uow, uetr, by, (State.QUEUED,))


def _own(uow: UnitOfWork, uetr: str, by: str, states: tuple[State, ...]) -> Payment:
    p = uow.payments.get(uetr)
    if p is None or p.debtor_agent != by:
        raise PaymentRejected(Reason.NOT_SPECIFIED, f"{by} has no payment {uetr}")
    if p.state not in states:
        wanted = " or ".join(states)
        raise PaymentRejected(Reason.NOT_SPECIFIED, f"payment {uetr} is {p.state}, not {wanted}")
    return p

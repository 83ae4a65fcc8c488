"""Decisions on payments held by a sanctions screening hit (DESIGN.md §7).

* `release` — the payment goes on (settles, or goes where it would have gone); with
  `remember=True` every name hit of its screening is remembered as a false positive for that
  party, entity and list version, so the next payment naming the party passes (and says so);
* `reject` — its reservation is voided and it is rejected with RR04 (a pacs.002 RJCT can be
  rendered for it: `iso20022.outbound.payment_status_report`);
* `expire` — every hold past its deadline is rejected (RR04) by `system`.

Each decision is one unit of work: the hold's row, the payment's history, the ledger's
transfers and the audit entry (who, why, and from where: `origin`) commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vostro.compliance.admin import ComplianceError, check_actor, check_reason
from vostro.compliance.stored import party_key
from vostro.payments.lifecycle import Lifecycle
from vostro.payments.model import Hold, HoldStatus, Payment, PaymentRejected, Reason, State
from vostro.payments.ports import UnitOfWork
from vostro.settlement.queue import Priority
from vostro.units import NS_PER_S

HOLDS_LISTED_MAX = 1_000  # holds returned by one listing (an operator's review screen)
SYSTEM = "system"  # the actor of automatic decisions (expiry)


class HoldError(ComplianceError):
    """A decision that cannot be carried out as asked; nothing was changed."""


class NoSuchPayment(HoldError):
    """No payment has that UETR."""


class NotHeld(HoldError):
    """The payment is not waiting for a decision."""


@dataclass(frozen=True, slots=True)
class HeldPayment:
    """A hold as an operator reviews it: the payment, why it is held, and until when."""

    uetr: str
    debtor_agent: str
    creditor_agent: str
    debtor_name: str
    creditor_name: str
    flow: str
    source_amount_minor: int
    source_currency: str
    target_amount_minor: int
    target_currency: str
    held_at: int
    deadline_at: int
    reserved: bool
    status: HoldStatus
    score: float | None
    reason: str  # the screening's reason: which name matched what, on which list version
    hits: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class HoldDecisions:
    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle

    def holds(
        self,
        uow: UnitOfWork,
        limit: int = HOLDS_LISTED_MAX,
        after: tuple[int, str] | None = None,
    ) -> list[HeldPayment]:
        """Payments waiting for a decision, the soonest deadline first (after the (deadline,
        UETR) of `after`)."""
        found = []
        for hold in uow.holds.list(HoldStatus.HELD, limit, after):
            payment = uow.payments.get(hold.uetr)
            if payment is not None:
                found.append(_view(payment, hold, latest_screening(uow, hold.uetr)))
        return found

    def screenings(self, uow: UnitOfWork, uetr: str) -> list[dict[str, Any]]:
        """Every screening of the payment, oldest first: decision, list versions, best score,
        reason and each match (party, listed name, entity, how, score, override)."""
        return uow.payments.screenings(uetr)

    def release(
        self,
        uow: UnitOfWork,
        uetr: str,
        actor: str,
        reason: str,
        remember: bool = False,
        origin: str | None = None,
    ) -> Payment:
        """Release a held payment: it settles (its funds were reserved) or goes on its way."""
        actor, reason = check_actor(actor), check_reason(reason)
        payment, hold = _held(uow, uetr)
        hits = holding(latest_screening(uow, uetr))
        if remember and any(h["how"] == "identifier" for h in hits):
            raise HoldError(
                f"payment {uetr} is held on a listed identifier, which is the listed party "
                "itself: it can be released, but not remembered as a false positive"
            )
        now = uow.clock()
        remembered = [_remember(uow, h, uetr, now, actor, reason) for h in hits if remember]
        note = f"released by {actor}: {reason}" + (
            "; remembered as false positives: " + ", ".join(remembered) if remembered else ""
        )
        uow.holds.decide(uetr, HoldStatus.RELEASED, now, actor, reason)
        uow.audit.record(
            actor,
            "hold.released",
            uetr,
            origin=origin,
            reason=reason,
            remembered=remembered,
            reserved=hold.reserved,
        )
        uow.payments.note(payment, note)
        self._go_on(uow, payment, hold, note)
        return payment

    def _go_on(self, uow: UnitOfWork, p: Payment, hold: Hold, note: str) -> None:
        life = self.lifecycle
        try:
            if hold.reserved:
                life.settle(uow, p, f"released and settled gross: {note}")
                life.retry_queue(uow, p.creditor_agent, p.target_currency)
            else:
                life.proceed(uow, p, Priority.NORMAL, hold=False)
        except PaymentRejected as rejection:
            life.reject(uow, p, rejection.code, rejection.reason)

    def reject(
        self, uow: UnitOfWork, uetr: str, actor: str, reason: str, origin: str | None = None
    ) -> Payment:
        """Reject a held payment (RR04): its reservation is voided, nothing moves."""
        actor, reason = check_actor(actor), check_reason(reason)
        payment, hold = _held(uow, uetr)
        uow.holds.decide(uetr, HoldStatus.REJECTED, uow.clock(), actor, reason)
        uow.audit.record(
            actor,
            "hold.rejected",
            uetr,
            origin=origin,
            reason=reason,
            reason_code=str(Reason.REGULATORY),
            reserved=hold.reserved,
        )
        text = f"rejected by {actor} on sanctions review: {reason}"
        self.lifecycle.reject(uow, payment, Reason.REGULATORY, text)
        return payment

    def expire(self, uow: UnitOfWork) -> list[str]:
        """Reject (RR04) every held payment past its deadline; returns their UETRs."""
        now = uow.clock()
        expired = []
        for hold in uow.holds.due(now):
            payment = uow.payments.get(hold.uetr)
            if payment is None or payment.state is not State.HELD:
                continue
            waited_s = (now - hold.held_at) // NS_PER_S
            text = (
                f"no decision on its sanctions screening hit by the deadline: rejected after "
                f"{waited_s} s on hold"
            )
            uow.holds.decide(hold.uetr, HoldStatus.EXPIRED, now, SYSTEM, text)
            uow.audit.record(
                SYSTEM,
                "hold.expired",
                hold.uetr,
                reason=text,
                reason_code=str(Reason.REGULATORY),
            )
            self.lifecycle.reject(uow, payment, Reason.REGULATORY, text)
            expired.append(hold.uetr)
        return expired


def latest_screening(uow: UnitOfWork, uetr: str) -> dict[str, Any] | None:
    found = uow.payments.screenings(uetr)
    return found[-1] if found else None


def holding(screening: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The findings that held the payment: hits no remembered false positive covered."""
    if screening is None:
        return []
    return [f for f in screening["findings"] if f["hit"] and f["override_id"] is None]


def _remember(
    uow: UnitOfWork, hit: dict[str, Any], uetr: str, at: int, actor: str, reason: str
) -> str:
    uow.lists.remember(
        party_key(hit["party"]),
        hit["entity_id"],
        hit["list_name"],
        hit["list_version"],
        uetr=uetr,
        at=at,
        by=actor,
        reason=reason,
    )
    return f"{hit['party']!r} ~ {hit['entity_id']} ({hit['list_name']}@{hit['list_version']})"


def _held(uow: UnitOfWork, uetr: str) -> tuple[Payment, Hold]:
    payment = uow.payments.get(uetr) if isinstance(uetr, str) else None
    if payment is None:
        raise NoSuchPayment(f"no payment has UETR {uetr!r}")
    hold = uow.holds.get(uetr)
    if payment.state is not State.HELD or hold is None:
        raise NotHeld(f"payment {uetr} is {payment.state}, not held")
    if hold.status is not HoldStatus.HELD:
        raise NotHeld(f"payment {uetr} was already {hold.status} by {hold.decided_by}")
    return payment, hold


def _view(p: Payment, hold: Hold, screening: dict[str, Any] | None) -> HeldPayment:
    return HeldPayment(
        p.uetr,
        p.debtor_agent,
        p.creditor_agent,
        p.debtor_name,
        p.creditor_name,
        p.flow,
        p.source_amount_minor,
        p.source_currency,
        p.target_amount_minor,
        p.target_currency,
        hold.held_at,
        hold.deadline_at,
        hold.reserved,
        hold.status,
        screening["score"] if screening else None,
        screening["reason"] if screening else "",
        holding(screening),
    )

"""Work the writer runs as a group: payment submissions that arrive together.

Each item is one submission with who sent it and from where; the group returns, per item, the
payment or the refusal. The whole round is one unit of work: the payments, their ledger batch,
the corridor segments of new payments and one audit entry per submission (a submission refused
outright adds a second entry saying why) commit together.
"""

from __future__ import annotations

from dataclasses import dataclass

from vostro.audit import AuditEntry
from vostro.errors import VostroError
from vostro.payments.lifecycle import UETR_RE
from vostro.payments.model import Payment, PaymentRequest
from vostro.platform import Platform
from vostro.service.writer.thread import Writer

SUBJECT_CHARS_MAX = 64  # audit_log.subject


@dataclass(frozen=True, slots=True)
class Submission:
    request: PaymentRequest
    urgent: bool
    actor: str
    origin: str | None
    segment: str | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    outcome: Payment | VostroError
    replayed: bool  # the payment was there before: this submission changed nothing


def submit_group(platform: Platform, items: list[Submission]) -> list[Submitted]:
    """Run the round's submissions through `submit_many`, in one unit of work."""
    with platform.unit() as uow:
        before, _ = uow.payments.known([s.request.uetr for s in items], [])
        uow.audit.record_many([_entry(s, "submitted") for s in items])
        outcomes = platform.payments.submit_many([(s.request, s.urgent) for s in items])
        # Only payments now stored get a tag: a submission refused before it became a payment
        # leaves no row, and its UETR may come again.
        tags = {
            s.request.uetr: s.segment
            for s, o in zip(items, outcomes, strict=True)
            if s.segment
            and isinstance(o, Payment)
            and o.uetr == s.request.uetr
            and s.request.uetr not in before
            and UETR_RE.fullmatch(s.request.uetr)
        }
        uow.payments.tag(tags)  # one tag per payment, however often it came in the round
        uow.audit.record_many(
            [
                _entry(s, f"refused: {o}")
                for s, o in zip(items, outcomes, strict=True)
                if not isinstance(o, Payment)
            ]
        )
        uow.commit()
    return [Submitted(o, isinstance(o, Payment) and o.uetr in before) for o in outcomes]


def _entry(s: Submission, outcome: str) -> AuditEntry:
    detail = {
        "outcome": outcome,
        "debtor_agent": s.request.debtor_agent,
        "creditor_agent": s.request.creditor_agent,
        "amount_minor": s.request.amount_minor,
        "currency": s.request.currency,
    }
    return AuditEntry(
        s.actor, "payment.submit", s.request.uetr[:SUBJECT_CHARS_MAX], s.origin, detail
    )


def install_groups(writer: Writer) -> None:
    writer.groups["submit"] = submit_group

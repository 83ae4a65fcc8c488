"""Work the writer runs as a group: payment submissions that arrive together.

Each item is one submission with who sent it and from where; the group returns, per item, the
payment or the refusal. Every submission is also one audit entry, written together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from vostro import audit
from vostro.errors import VostroError
from vostro.payments.model import Payment, PaymentRequest
from vostro.payments.service import UETR_RE
from vostro.platform import Platform
from vostro.service.writer import Writer
from vostro.store.schema import audit_log, payment_tags


@dataclass(frozen=True, slots=True)
class Submission:
    request: PaymentRequest
    urgent: bool
    actor: str
    origin: str | None
    segment: str | None = None


def install_groups(writer: Writer) -> None:
    writer.groups["submit"] = submit_group


@dataclass(frozen=True, slots=True)
class Submitted:
    outcome: Payment | VostroError
    replayed: bool  # the payment was there before: this submission changed nothing


def submit_group(platform: Platform, items: list[Submission]) -> list[Submitted]:
    """Run the round's submissions through `submit_many`. Each is an audit entry (who, what,
    from where), written in the group's first transaction with the corridor segments of new
    payments; a submission refused outright adds a second entry saying why."""
    payments = platform.payments
    before, _ = payments.repo.known([s.request.uetr for s in items], [])
    now = time.time_ns()

    def record(conn: sa.Connection) -> None:
        conn.execute(audit_log.insert(), [_entry(s, now, "submitted") for s in items])
        tags = [
            {"uetr": s.request.uetr, "segment": s.segment}
            for s in items
            if s.segment and s.request.uetr not in before and UETR_RE.match(s.request.uetr)
        ]
        if tags:  # one tag per payment: a UETR repeated within the round is tagged once
            conn.execute(payment_tags.insert(), list({t["uetr"]: t for t in tags}.values()))

    outcomes = payments.submit_many([(s.request, s.urgent) for s in items], also=record)
    refused = [
        _entry(s, time.time_ns(), f"refused: {o}")
        for s, o in zip(items, outcomes, strict=True)
        if not isinstance(o, Payment)
    ]
    if refused:
        with platform.store.engine.begin() as conn:
            conn.execute(audit_log.insert(), refused)
    return [Submitted(o, isinstance(o, Payment) and o.uetr in before) for o in outcomes]


def _entry(s: Submission, at: int, outcome: str) -> dict[str, object]:
    return {
        "at": at,
        "actor": s.actor,
        "action": "payment.submit",
        "subject": s.request.uetr[:64],
        "origin": s.origin,
        "detail": audit.detail_json(
            outcome=outcome,
            debtor_agent=s.request.debtor_agent,
            creditor_agent=s.request.creditor_agent,
            amount_minor=s.request.amount_minor,
            currency=s.request.currency,
        ),
    }

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
    before, _ = platform.payments.repo.known([s.request.uetr for s in items], [])
    outcomes = platform.payments.submit_many([(s.request, s.urgent) for s in items])
    now = time.time_ns()
    with platform.store.engine.begin() as conn:
        conn.execute(
            audit_log.insert(),
            [
                {
                    "at": now,
                    "actor": s.actor,
                    "action": "payment.submit",
                    "subject": s.request.uetr,
                    "origin": s.origin,
                    "detail": audit.detail_json(
                        outcome=(str(o.state) if isinstance(o, Payment) else f"refused: {o}"),
                        debtor_agent=s.request.debtor_agent,
                        creditor_agent=s.request.creditor_agent,
                        amount_minor=s.request.amount_minor,
                        currency=s.request.currency,
                    ),
                }
                for s, o in zip(items, outcomes, strict=True)
            ],
        )
        tags = [
            {"uetr": s.request.uetr, "segment": s.segment}
            for s, o in zip(items, outcomes, strict=True)
            if s.segment and isinstance(o, Payment)
        ]
        if tags:
            known = set(
                conn.execute(
                    sa.select(payment_tags.c.uetr).where(
                        payment_tags.c.uetr.in_([t["uetr"] for t in tags])
                    )
                ).scalars()
            )
            fresh = [t for t in tags if t["uetr"] not in known]
            if fresh:
                conn.execute(payment_tags.insert(), fresh)
    return [Submitted(o, isinstance(o, Payment) and o.uetr in before) for o in outcomes]

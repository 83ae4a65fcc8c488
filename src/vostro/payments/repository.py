"""Payment records and their history (SQLAlchemy Core). Each state change is one transaction
that updates the payment and appends its event."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from vostro.payments.model import Event, Payment, State
from vostro.store.schema import payment_events, payments

_FIELDS = (
    "uetr",
    "end_to_end_id",
    "debtor_agent",
    "creditor_agent",
    "flow",
    "source_currency",
    "source_amount_minor",
    "target_currency",
    "target_amount_minor",
    "quote_id",
    "fx_provider",
    "rate",
    "reference_rate",
    "fee_minor",
    "fx_margin_minor",
    "cost_minor",
    "cost_bps",
    "debtor_name",
    "creditor_name",
    "purpose",
    "remittance_info",
    "state",
    "reason_code",
    "reason",
    "original_uetr",
)


class PaymentRepository:
    def __init__(self, engine: sa.Engine, clock: Any = time.time_ns) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, payment: Payment, reason: str) -> None:
        now = self.clock()
        values = {name: getattr(payment, name) for name in _FIELDS}
        with self.engine.begin() as conn:
            conn.execute(
                payments.insert().values(
                    **values,
                    payment_id=payment.payment_id.to_bytes(16, "big"),
                    created_at=now,
                    updated_at=now,
                )
            )
            self._event(conn, payment, now, reason)

    def save(self, payment: Payment, reason: str | None) -> None:
        """Store the payment's current fields and state, with an event for the state."""
        now = self.clock()
        values = {name: getattr(payment, name) for name in _FIELDS if name != "uetr"}
        with self.engine.begin() as conn:
            conn.execute(
                payments.update()
                .where(payments.c.uetr == payment.uetr)
                .values(**values, updated_at=now)
            )
            self._event(conn, payment, now, reason)

    @staticmethod
    def _event(conn: sa.Connection, payment: Payment, at: int, reason: str | None) -> None:
        conn.execute(
            payment_events.insert().values(
                uetr=payment.uetr,
                at=at,
                state=payment.state,
                reason_code=payment.reason_code if payment.state is State.REJECTED else None,
                reason=reason,
            )
        )
        payment.events.append(
            Event(
                at,
                payment.state,
                payment.reason_code if payment.state is State.REJECTED else None,
                reason,
            )
        )

    def get(self, uetr: str) -> Payment | None:
        return self._one(payments.c.uetr == uetr)

    def by_end_to_end(self, debtor_agent: str, end_to_end_id: str) -> Payment | None:
        return self._one(
            sa.and_(
                payments.c.debtor_agent == debtor_agent, payments.c.end_to_end_id == end_to_end_id
            )
        )

    def _one(self, where: sa.ColumnElement[bool]) -> Payment | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(payments).where(where)).first()
            if row is None:
                return None
            events = conn.execute(
                sa.select(payment_events)
                .where(payment_events.c.uetr == row.uetr)
                .order_by(payment_events.c.id)
            ).all()
        m = row._mapping
        payment = Payment(
            **{name: m[name] for name in _FIELDS if name != "state"},
            payment_id=int.from_bytes(m["payment_id"], "big"),
            state=State(m["state"]),
        )
        payment.events = [Event(e.at, State(e.state), e.reason_code, e.reason) for e in events]
        return payment

    def list(self, limit: int = 100, state: State | None = None) -> list[Payment]:
        query = sa.select(payments.c.uetr).order_by(payments.c.created_at.desc()).limit(limit)
        if state is not None:
            query = query.where(payments.c.state == state)
        with self.engine.connect() as conn:
            uetrs = [r.uetr for r in conn.execute(query)]
        return [p for p in map(self.get, uetrs) if p is not None]

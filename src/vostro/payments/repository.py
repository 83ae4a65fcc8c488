"""Payment records and their history (SQLAlchemy Core). Each state change is one transaction
that updates the payment and appends its event; `also` lets a caller write more in that same
transaction (a screening, a hold, an audit entry).

Also here, because the lifecycle reads them: a payment's screenings, its hold, and a payer's
accepted total for a day (daily limits)."""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from vostro.payments.model import Event, Hold, HoldStatus, Payment, State
from vostro.payments.screening import Decision, ScreeningResult
from vostro.store.schema import payment_events, payment_holds, payments, screenings

Also = Callable[[sa.Connection], None]
HOLDS_LISTED_MAX = 1_000  # holds returned by one listing (an operator's review screen)

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

    def save(self, payment: Payment, reason: str | None, also: Also | None = None) -> None:
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
            if also is not None:
                also(conn)

    def note(self, payment: Payment, reason: str, also: Also | None = None) -> None:
        """An event in the payment's history that does not change its state (a decision)."""
        with self.engine.begin() as conn:
            self._event(conn, payment, self.clock(), reason)
            if also is not None:
                also(conn)

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

    # ------------------------------------------------------------ screenings and holds
    @staticmethod
    def add_screening(conn: sa.Connection, uetr: str, at: int, result: ScreeningResult) -> None:
        conn.execute(
            screenings.insert().values(
                uetr=uetr,
                at=at,
                decision=result.decision,
                lists=json.dumps(result.lists, sort_keys=True),
                score=result.score,
                reason=result.reason,
                findings=json.dumps([f.as_dict() for f in result.findings], ensure_ascii=False),
            )
        )

    def screenings(self, uetr: str) -> builtins.list[dict[str, Any]]:
        """The payment's screenings, oldest first."""
        query = sa.select(screenings).where(screenings.c.uetr == uetr).order_by(screenings.c.id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {
                **row._mapping,
                "lists": json.loads(row.lists),
                "findings": json.loads(row.findings),
            }
            for row in rows
        ]

    def held_by_screening(self, uetr: str) -> bool:
        """Whether the payment's latest screening decided it must be held."""
        query = (
            sa.select(screenings.c.decision)
            .where(screenings.c.uetr == uetr)
            .order_by(screenings.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar() == Decision.HOLD

    @staticmethod
    def add_hold(conn: sa.Connection, hold: Hold) -> None:
        conn.execute(
            payment_holds.insert().values(
                uetr=hold.uetr,
                held_at=hold.held_at,
                deadline_at=hold.deadline_at,
                reserved=int(hold.reserved),
                status=hold.status,
            )
        )

    @staticmethod
    def decide_hold(
        conn: sa.Connection, uetr: str, status: HoldStatus, at: int, by: str, reason: str
    ) -> None:
        done = conn.execute(
            payment_holds.update()
            .where(payment_holds.c.uetr == uetr, payment_holds.c.status == HoldStatus.HELD)
            .values(status=status, decided_at=at, decided_by=by, decision_reason=reason)
        )
        assert done.rowcount == 1, f"payment {uetr} has no undecided hold"

    def hold(self, uetr: str) -> Hold | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(payment_holds).where(payment_holds.c.uetr == uetr)).first()
        return None if row is None else _hold(row)

    def holds(
        self, status: HoldStatus | None = HoldStatus.HELD, limit: int = HOLDS_LISTED_MAX
    ) -> builtins.list[Hold]:
        """Holds by deadline, soonest first (by default the undecided ones)."""
        query = (
            sa.select(payment_holds)
            .order_by(payment_holds.c.deadline_at, payment_holds.c.uetr)
            .limit(min(limit, HOLDS_LISTED_MAX))
        )
        if status is not None:
            query = query.where(payment_holds.c.status == status)
        with self.engine.connect() as conn:
            return [_hold(row) for row in conn.execute(query)]

    def due_holds(self, now: int, limit: int = HOLDS_LISTED_MAX) -> builtins.list[Hold]:
        query = (
            sa.select(payment_holds)
            .where(payment_holds.c.status == HoldStatus.HELD, payment_holds.c.deadline_at <= now)
            .order_by(payment_holds.c.deadline_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_hold(row) for row in conn.execute(query)]

    # --------------------------------------------------------------------- limits
    def accepted_total(
        self,
        payer: str,
        code: str,
        since: int,
        until: int,
        *,
        flow: str | None = None,
        excluding: str | None = None,
    ) -> int:
        """What the payer sent in `code` between `since` and `until` (ns), in payments not
        rejected (optionally of one flow, and leaving one payment out)."""
        query = sa.select(sa.func.coalesce(sa.func.sum(payments.c.source_amount_minor), 0)).where(
            payments.c.debtor_agent == payer,
            payments.c.created_at >= since,
            payments.c.created_at < until,
            payments.c.source_currency == code,
            payments.c.state != State.REJECTED,
        )
        if flow is not None:
            query = query.where(payments.c.flow == flow)
        if excluding is not None:
            query = query.where(payments.c.uetr != excluding)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


def _hold(row: sa.Row[Any]) -> Hold:
    return Hold(
        row.uetr,
        row.held_at,
        row.deadline_at,
        bool(row.reserved),
        HoldStatus(row.status),
        row.decided_at,
        row.decided_by,
        row.decision_reason,
    )

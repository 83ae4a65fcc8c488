"""Payment records and their history (SQLAlchemy Core). Each state change is one transaction
that updates the payment and appends its event; `also` lets a caller write more in that same
transaction (a screening, a hold, an audit entry).

Also here, because the lifecycle reads them: a payment's screenings, its hold, and a payer's
accepted total for a day (daily limits)."""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from vostro.compliance.results import Decision, ScreeningResult
from vostro.payments.model import Event, Hold, HoldStatus, Payment, State
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


@dataclass
class _Batch:
    """Writes collected by `PaymentRepository.batched`, committed together."""

    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    also: list[Also] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.inserts or self.updates or self.events or self.also)


class PaymentRepository:
    def __init__(self, engine: sa.Engine, clock: Any = time.time_ns) -> None:
        self.engine = engine
        self.clock = clock
        self._batch: _Batch | None = None

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Collect the writes of the block (each as it was when made) and commit them in one
        transaction when it ends, or at `flush()`: for many payments processed together. A
        payment saved several times is written once, with its last fields; every event is kept."""
        if self._batch is not None:
            raise RuntimeError("payment writes are already being batched")
        self._batch = _Batch()
        try:
            yield
        finally:
            try:
                self.flush()
            finally:
                self._batch = None

    def flush(self) -> None:
        """Commit the writes collected so far (before the ledger moves their payments' money)."""
        batch = self._batch
        if batch is None or batch.empty:
            return
        self._batch = _Batch()
        with self.engine.begin() as conn:
            if batch.inserts:
                conn.execute(payments.insert(), list(batch.inserts.values()))
            if batch.updates:
                conn.execute(
                    payments.update().where(payments.c.uetr == sa.bindparam("b_uetr")),
                    [{"b_uetr": uetr, **values} for uetr, values in batch.updates.items()],
                )
            if batch.events:
                conn.execute(payment_events.insert(), batch.events)
            for also in batch.also:
                also(conn)

    def defer(self, write: Also) -> None:
        """Another write for the batch's transaction (or at once, outside a batch)."""
        if self._batch is not None:
            self._batch.also.append(write)
            return
        with self.engine.begin() as conn:
            write(conn)

    def add(self, payment: Payment, reason: str) -> None:
        now = self.clock()
        row = {
            **{name: getattr(payment, name) for name in _FIELDS},
            "payment_id": payment.payment_id.to_bytes(16, "big"),
            "created_at": now,
            "updated_at": now,
        }
        event = self._event(payment, now, reason)
        if self._batch is not None:
            self._batch.inserts[payment.uetr] = row
            self._batch.events.append(event)
            return
        with self.engine.begin() as conn:
            conn.execute(payments.insert().values(**row))
            conn.execute(payment_events.insert().values(**event))

    def save(self, payment: Payment, reason: str | None, also: Also | None = None) -> None:
        """Store the payment's current fields and state, with an event for the state."""
        now = self.clock()
        values = {
            **{name: getattr(payment, name) for name in _FIELDS if name != "uetr"},
            "updated_at": now,
        }
        event = self._event(payment, now, reason)
        if self._batch is not None:
            inserted = self._batch.inserts.get(payment.uetr)
            if inserted is not None:
                inserted.update(values)
            else:
                self._batch.updates[payment.uetr] = values
            self._batch.events.append(event)
            if also is not None:
                self._batch.also.append(also)
            return
        with self.engine.begin() as conn:
            conn.execute(payments.update().where(payments.c.uetr == payment.uetr).values(**values))
            conn.execute(payment_events.insert().values(**event))
            if also is not None:
                also(conn)

    def note(self, payment: Payment, reason: str, also: Also | None = None) -> None:
        """An event in the payment's history that does not change its state (a decision)."""
        event = self._event(payment, self.clock(), reason)
        if self._batch is not None:
            self._batch.events.append(event)
            if also is not None:
                self._batch.also.append(also)
            return
        with self.engine.begin() as conn:
            conn.execute(payment_events.insert().values(**event))
            if also is not None:
                also(conn)

    @staticmethod
    def _event(payment: Payment, at: int, reason: str | None) -> dict[str, Any]:
        """The event row for the payment as it is now (also appended to its history)."""
        code = payment.reason_code if payment.state is State.REJECTED else None
        payment.events.append(Event(at, payment.state, code, reason))
        return {
            "uetr": payment.uetr,
            "at": at,
            "state": payment.state,
            "reason_code": code,
            "reason": reason,
        }

    def get(self, uetr: str) -> Payment | None:
        return self._one(payments.c.uetr == uetr)

    def by_end_to_end(self, debtor_agent: str, end_to_end_id: str) -> Payment | None:
        return self._one(
            sa.and_(
                payments.c.debtor_agent == debtor_agent, payments.c.end_to_end_id == end_to_end_id
            )
        )

    def known(
        self, uetrs: list[str], end_to_end: list[tuple[str, str]]
    ) -> tuple[set[str], set[tuple[str, str]]]:
        """Which of these UETRs, and which (debtor agent, end-to-end id) pairs, are taken."""
        uetr_hits: set[str] = set()
        pair_hits: set[tuple[str, str]] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(uetrs), 500):
                chunk = uetrs[start : start + 500]
                uetr_hits.update(
                    conn.execute(sa.select(payments.c.uetr).where(payments.c.uetr.in_(chunk)))
                    .scalars()
                    .all()
                )
            for start in range(0, len(end_to_end), 500):
                ids = {e2e for _, e2e in end_to_end[start : start + 500]}
                rows = conn.execute(
                    sa.select(payments.c.debtor_agent, payments.c.end_to_end_id).where(
                        payments.c.end_to_end_id.in_(ids)
                    )
                )
                pair_hits.update((r.debtor_agent, r.end_to_end_id) for r in rows)
        return uetr_hits, pair_hits & set(end_to_end)

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

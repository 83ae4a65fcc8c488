"""The payments' tables: each payment, its history, screenings and hold (`payments.ports`).

Writes go into the unit of work's transaction. Inside `batched()` they are collected (each as
it was when made) and written with one statement per table when the block ends, for the many
payments of a group: a payment saved several times is written once, with its last fields; every
event is kept. Reads flush what is collected first, so they always see the unit's own writes.
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from vostro.compliance.results import Decision, ScreeningResult
from vostro.errors import invariant
from vostro.payments.model import Event, Hold, HoldStatus, Payment, State
from vostro.store import bulk
from vostro.store.schema import payment_events, payment_holds, payment_tags, payments, screenings

HOLDS_LISTED_MAX = 1_000  # holds returned by one listing (an operator's review screen)
KNOWN_CHUNK = 500  # ids looked up per query by `known`

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
    "settlement_date",
)


@dataclass
class _Batch:
    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    screenings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.inserts or self.updates or self.events or self.screenings)


class SqlPayments:
    def __init__(self, conn: sa.Connection, clock: Callable[[], int] = time.time_ns) -> None:
        self.conn = conn
        self.clock = clock
        self._batch: _Batch | None = None

    # ------------------------------------------------------------------ writes
    @contextmanager
    def batched(self) -> Iterator[None]:
        """Collect the block's writes and write them together when it ends."""
        invariant(self._batch is None, "payment writes are already being batched")
        self._batch = _Batch()
        try:
            yield
        finally:
            try:
                self.flush()
            finally:
                self._batch = None

    def flush(self) -> None:
        batch = self._batch
        if batch is None or batch.empty:
            return
        self._batch = _Batch()
        bulk.insert_rows(self.conn, payments, list(batch.inserts.values()))
        bulk.update_rows(
            self.conn,
            payments,
            "uetr",
            [{"uetr": uetr, **values} for uetr, values in batch.updates.items()],
        )
        bulk.insert_rows(self.conn, payment_events, batch.events)
        bulk.insert_rows(self.conn, screenings, batch.screenings)

    def add(self, payment: Payment, reason: str) -> None:
        now = self.clock()
        row = {
            **{name: getattr(payment, name) for name in _FIELDS},
            "payment_id": payment.payment_id.to_bytes(16, "big"),
            "created_at": now,
            "updated_at": now,
        }
        event = _event(payment, now, reason)
        if self._batch is not None:
            self._batch.inserts[payment.uetr] = row
            self._batch.events.append(event)
            return
        self.conn.execute(payments.insert().values(**row))
        self.conn.execute(payment_events.insert().values(**event))

    def save(self, payment: Payment, reason: str | None) -> None:
        """Store the payment's current fields and state, with an event for the state."""
        now = self.clock()
        values = {
            **{name: getattr(payment, name) for name in _FIELDS if name != "uetr"},
            "updated_at": now,
        }
        event = _event(payment, now, reason)
        if self._batch is not None:
            inserted = self._batch.inserts.get(payment.uetr)
            if inserted is not None:
                inserted.update(values)
            else:
                self._batch.updates[payment.uetr] = values
            self._batch.events.append(event)
            return
        self.conn.execute(payments.update().where(payments.c.uetr == payment.uetr).values(**values))
        self.conn.execute(payment_events.insert().values(**event))

    def note(self, payment: Payment, reason: str) -> None:
        """An event in the payment's history that does not change its state (a decision)."""
        event = _event(payment, self.clock(), reason)
        if self._batch is not None:
            self._batch.events.append(event)
            return
        self.conn.execute(payment_events.insert().values(**event))

    def tag(self, tags: dict[str, str]) -> None:
        """The corridor segment of new payments (UETR → segment)."""
        if tags:
            self.flush()  # the payments' rows first
            self.conn.execute(
                payment_tags.insert(), [{"uetr": u, "segment": s} for u, s in tags.items()]
            )

    # ------------------------------------------------------------------- reads
    def get(self, uetr: str) -> Payment | None:
        return self._one(payments.c.uetr == uetr)

    def by_end_to_end(self, debtor_agent: str, end_to_end_id: str) -> Payment | None:
        return self._one(
            sa.and_(
                payments.c.debtor_agent == debtor_agent, payments.c.end_to_end_id == end_to_end_id
            )
        )

    def known(
        self, uetrs: builtins.list[str], end_to_end: builtins.list[tuple[str, str]]
    ) -> tuple[set[str], set[tuple[str, str]]]:
        """Which of these UETRs, and which (debtor agent, end-to-end id) pairs, are taken.

        One statement per chunk: the UETRs' primary-key lookups OR'ed with a (debtor, IN ids)
        term per debtor, each a range of the (debtor agent, end-to-end id) index."""
        self.flush()
        wanted_uetrs, wanted_pairs = set(uetrs), set(end_to_end)
        uetr_hits: set[str] = set()
        pair_hits: set[tuple[str, str]] = set()
        for start in range(0, max(len(uetrs), len(end_to_end)), KNOWN_CHUNK):
            terms: dict[str, builtins.list[str]] = {}
            for debtor, e2e in end_to_end[start : start + KNOWN_CHUNK]:
                terms.setdefault(debtor, []).append(e2e)
            chunk = uetrs[start : start + KNOWN_CHUNK]
            where: builtins.list[sa.ColumnElement[bool]] = []
            if chunk:
                where.append(payments.c.uetr.in_(chunk))
            where += [
                sa.and_(payments.c.debtor_agent == d, payments.c.end_to_end_id.in_(ids))
                for d, ids in terms.items()
            ]
            rows = self.conn.execute(
                sa.select(payments.c.uetr, payments.c.debtor_agent, payments.c.end_to_end_id).where(
                    sa.or_(*where)
                )
            )
            for uetr, debtor, e2e in rows:
                if uetr in wanted_uetrs:
                    uetr_hits.add(uetr)
                if (debtor, e2e) in wanted_pairs:
                    pair_hits.add((debtor, e2e))
        return uetr_hits, pair_hits

    def _one(self, where: sa.ColumnElement[bool]) -> Payment | None:
        self.flush()
        row = self.conn.execute(sa.select(payments).where(where)).first()
        if row is None:
            return None
        events = self.conn.execute(
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

    def list(self, limit: int = 100, state: State | None = None) -> builtins.list[Payment]:
        self.flush()
        query = sa.select(payments.c.uetr).order_by(payments.c.created_at.desc()).limit(limit)
        if state is not None:
            query = query.where(payments.c.state == state)
        uetrs = [r.uetr for r in self.conn.execute(query)]
        return [p for p in map(self.get, uetrs) if p is not None]

    def scheduled(self, up_to: date, limit: int) -> builtins.list[Payment]:
        """Warehoused payments valued on or before `up_to`, in arrival order."""
        self.flush()
        query = (
            sa.select(payments.c.uetr)
            .where(payments.c.state == State.SCHEDULED, payments.c.settlement_date <= up_to)
            .order_by(payments.c.created_at, payments.c.uetr)
            .limit(limit)
        )
        uetrs = [r.uetr for r in self.conn.execute(query)]
        return [p for p in map(self.get, uetrs) if p is not None]

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
        self.flush()
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
        return int(self.conn.execute(query).scalar_one())

    # ---------------------------------------------------------------- screenings
    def add_screening(self, uetr: str, at: int, result: ScreeningResult) -> None:
        row = {
            "uetr": uetr,
            "at": at,
            "decision": result.decision,
            "lists": json.dumps(result.lists, sort_keys=True),
            "score": result.score,
            "reason": result.reason,
            "findings": json.dumps([f.as_dict() for f in result.findings], ensure_ascii=False),
        }
        if self._batch is not None:
            self._batch.screenings.append(row)
            return
        self.conn.execute(screenings.insert().values(**row))

    def screenings(self, uetr: str) -> builtins.list[dict[str, Any]]:
        """The payment's screenings, oldest first."""
        self.flush()
        query = sa.select(screenings).where(screenings.c.uetr == uetr).order_by(screenings.c.id)
        return [
            {**row._mapping, "lists": json.loads(row.lists), "findings": json.loads(row.findings)}
            for row in self.conn.execute(query).all()
        ]

    def held_by_screening(self, uetr: str) -> bool:
        """Whether the payment's latest screening decided it must be held."""
        self.flush()
        query = (
            sa.select(screenings.c.decision)
            .where(screenings.c.uetr == uetr)
            .order_by(screenings.c.id.desc())
            .limit(1)
        )
        return bool(self.conn.execute(query).scalar() == Decision.HOLD)


class SqlHolds:
    """Sanctions holds (`payment_holds`)."""

    def __init__(self, conn: sa.Connection, payments_: SqlPayments) -> None:
        self.conn = conn
        self.payments = payments_

    def add(self, hold: Hold) -> None:
        self.payments.flush()  # the payment's row first
        self.conn.execute(
            payment_holds.insert().values(
                uetr=hold.uetr,
                held_at=hold.held_at,
                deadline_at=hold.deadline_at,
                reserved=int(hold.reserved),
                status=hold.status,
            )
        )

    def decide(self, uetr: str, status: HoldStatus, at: int, by: str, reason: str) -> None:
        done = self.conn.execute(
            payment_holds.update()
            .where(payment_holds.c.uetr == uetr, payment_holds.c.status == HoldStatus.HELD)
            .values(status=status, decided_at=at, decided_by=by, decision_reason=reason)
        )
        invariant(done.rowcount == 1, f"payment {uetr} has no undecided hold")

    def get(self, uetr: str) -> Hold | None:
        row = self.conn.execute(
            sa.select(payment_holds).where(payment_holds.c.uetr == uetr)
        ).first()
        return None if row is None else _hold(row)

    def list(
        self,
        status: HoldStatus | None = HoldStatus.HELD,
        limit: int = HOLDS_LISTED_MAX,
        after: tuple[int, str] | None = None,
    ) -> builtins.list[Hold]:
        """Holds by deadline, soonest first (by default the undecided ones); `after` is the
        (deadline, UETR) of the last one seen."""
        h = payment_holds
        query = sa.select(h).order_by(h.c.deadline_at, h.c.uetr).limit(min(limit, HOLDS_LISTED_MAX))
        if status is not None:
            query = query.where(h.c.status == status)
        if after is not None:
            query = query.where(sa.tuple_(h.c.deadline_at, h.c.uetr) > after)
        return [_hold(row) for row in self.conn.execute(query)]

    def due(self, now_ns: int, limit: int = HOLDS_LISTED_MAX) -> builtins.list[Hold]:
        query = (
            sa.select(payment_holds)
            .where(payment_holds.c.status == HoldStatus.HELD, payment_holds.c.deadline_at <= now_ns)
            .order_by(payment_holds.c.deadline_at)
            .limit(limit)
        )
        return [_hold(row) for row in self.conn.execute(query)]


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

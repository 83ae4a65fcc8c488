"""Read models of the HTTP API and its dashboard: payment lists, counts by state, corridor totals
and the audit log's pages. They read committed rows (in a read unit, `uow.read_models`) and never
wait for the writer. `bic` limits a query to what one participant may see (None: everything)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from vostro.store.schema import audit_log, payment_tags, payments
from vostro.units import NS_PER_DAY, NS_PER_S

PAGE_MAX = 501  # the largest page of any list the API serves, and one row to say more follow

SETTLED_STATES = ("settled", "returned")


@dataclass(frozen=True, slots=True)
class Total:
    """Settled payments of one corridor segment (or flow) in one currency."""

    key: str
    currency: str
    count: int
    value_minor: int


@dataclass(frozen=True, slots=True)
class DailyValue:
    """Settled payments of one UTC day in one currency."""

    day: str
    currency: str
    count: int
    value_minor: int


def _involves(bic: str) -> sa.ColumnElement[bool]:
    return sa.or_(payments.c.debtor_agent == bic, payments.c.creditor_agent == bic)


class SqlReadModels:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def ping(self) -> None:
        """The database answers."""
        self.conn.execute(sa.text("SELECT 1"))

    def payments_by_state(self, bic: str | None = None) -> dict[str, int]:
        query = sa.select(payments.c.state, sa.func.count()).group_by(payments.c.state)
        if bic is not None:
            query = query.where(_involves(bic))
        return {state: int(n) for state, n in self.conn.execute(query)}

    def payment_uetrs(
        self,
        bic: str | None,
        *,
        state: str | None = None,
        limit: int = 50,
        after: tuple[int, str] | None = None,
    ) -> list[tuple[str, int]]:
        """(UETR, created_at) of payments, newest first; `after` is the (created_at, UETR) of
        the last one seen (UETRs break ties, so no two rows share a key)."""
        query = (
            sa.select(payments.c.uetr, payments.c.created_at)
            .order_by(payments.c.created_at.desc(), payments.c.uetr.desc())
            .limit(min(max(limit, 1), PAGE_MAX))
        )
        if bic is not None:
            query = query.where(_involves(bic))
        if state is not None:
            query = query.where(payments.c.state == state)
        if after is not None:
            query = query.where(sa.tuple_(payments.c.created_at, payments.c.uetr) < after)
        return [(row.uetr, row.created_at) for row in self.conn.execute(query)]

    def payment_rows(self, uetrs: list[str]) -> list[dict[str, Any]]:
        """The stored rows of these payments, in the order given."""
        if not uetrs:
            return []
        rows = self.conn.execute(sa.select(payments).where(payments.c.uetr.in_(uetrs))).all()
        by_uetr = {row.uetr: dict(row._mapping) for row in rows}
        return [by_uetr[u] for u in uetrs if u in by_uetr]

    def recent_payments(
        self,
        bic: str | None,
        *,
        state: str | None = None,
        limit: int = 50,
        after: tuple[int, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Rows of payments, newest first (as `payment_uetrs` pages them)."""
        uetrs = self.payment_uetrs(bic, state=state, limit=limit, after=after)
        return self.payment_rows([u for u, _ in uetrs])

    def totals_by_segment(self, bic: str | None) -> list[Total]:
        """Settled payments per corridor segment (the sender's tag, else the flow) and currency."""
        segment = sa.func.coalesce(payment_tags.c.segment, payments.c.flow)
        query = (
            sa.select(
                segment.label("segment"),
                payments.c.source_currency,
                sa.func.count(),
                sa.func.sum(payments.c.source_amount_minor),
            )
            .select_from(payments.outerjoin(payment_tags, payment_tags.c.uetr == payments.c.uetr))
            .where(payments.c.state.in_(SETTLED_STATES))
            .group_by(segment, payments.c.source_currency)
            .order_by(segment, payments.c.source_currency)
        )
        if bic is not None:
            query = query.where(_involves(bic))
        return [Total(s, c, int(n), int(v or 0)) for s, c, n, v in self.conn.execute(query)]

    def daily_values(self, bic: str | None) -> list[DailyValue]:
        """Settled payments and their value in minor units, by UTC day and currency."""
        day = (payments.c.created_at / NS_PER_DAY).cast(sa.BigInteger)
        query = (
            sa.select(
                day.label("day"),
                payments.c.source_currency,
                sa.func.count(),
                sa.func.sum(payments.c.source_amount_minor),
            )
            .where(payments.c.state.in_(SETTLED_STATES))
            .group_by(day, payments.c.source_currency)
            .order_by(day)
        )
        if bic is not None:
            query = query.where(_involves(bic))
        return [
            DailyValue(
                datetime.fromtimestamp(int(d) * NS_PER_DAY // NS_PER_S, UTC).date().isoformat(),
                code,
                int(n),
                int(v or 0),
            )
            for d, code, n, v in self.conn.execute(query)
        ]

    def audit_page(self, *, limit: int, before: int | None) -> list[dict[str, Any]]:
        """The audit log, newest first; `before` pages on the entry id."""
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(min(limit, PAGE_MAX))
        if before is not None:
            query = query.where(audit_log.c.id < before)
        rows = self.conn.execute(query)
        return [{**row._mapping, "detail": json.loads(row.detail)} for row in rows]

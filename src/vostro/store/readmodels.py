"""Read-only queries of the API and the dashboard. They read committed rows and never wait for
the writer. `bic` limits a query to what one participant may see (None: everything)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import sqlalchemy as sa

from vostro.fx.errors import FxError
from vostro.fx.rates import RateBook
from vostro.store.schema import audit_log, payment_tags, payments
from vostro.units import NS_PER_DAY

PAGE_MAX = 500


def payments_by_state(engine: sa.Engine, bic: str | None = None) -> dict[str, int]:
    query = sa.select(payments.c.state, sa.func.count()).group_by(payments.c.state)
    if bic is not None:
        query = query.where(_involves(bic))
    with engine.connect() as conn:
        return {state: int(n) for state, n in conn.execute(query)}


def _involves(bic: str) -> sa.ColumnElement[bool]:
    return sa.or_(payments.c.debtor_agent == bic, payments.c.creditor_agent == bic)


def payment_uetrs(
    engine: sa.Engine,
    bic: str | None,
    *,
    state: str | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[tuple[str, int]]:
    """(UETR, created_at) of payments, newest first; `before` pages on created_at."""
    query = (
        sa.select(payments.c.uetr, payments.c.created_at)
        .order_by(payments.c.created_at.desc(), payments.c.uetr.desc())
        .limit(min(max(limit, 1), PAGE_MAX))
    )
    if bic is not None:
        query = query.where(_involves(bic))
    if state is not None:
        query = query.where(payments.c.state == state)
    if before is not None:
        query = query.where(payments.c.created_at < before)
    with engine.connect() as conn:
        return [(row.uetr, row.created_at) for row in conn.execute(query)]


def payment_rows(engine: sa.Engine, uetrs: list[str]) -> list[dict[str, Any]]:
    if not uetrs:
        return []
    with engine.connect() as conn:
        rows = conn.execute(sa.select(payments).where(payments.c.uetr.in_(uetrs))).all()
    by_uetr = {row.uetr: dict(row._mapping) for row in rows}
    return [by_uetr[u] for u in uetrs if u in by_uetr]


@dataclass(frozen=True, slots=True)
class Total:
    key: str
    currency: str
    count: int
    value_minor: int


def totals_by_segment(engine: sa.Engine, bic: str | None) -> list[Total]:
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
        .where(payments.c.state.in_(("settled", "returned")))
        .group_by(segment, payments.c.source_currency)
        .order_by(segment, payments.c.source_currency)
    )
    if bic is not None:
        query = query.where(_involves(bic))
    with engine.connect() as conn:
        return [Total(s, c, int(n), int(v or 0)) for s, c, n, v in conn.execute(query)]


def daily_values(engine: sa.Engine, bic: str | None) -> list[tuple[str, str, int, int]]:
    """(UTC day, currency, payments, value in minor units) of settled payments, by day."""
    day = (payments.c.created_at / NS_PER_DAY).cast(sa.BigInteger)
    query = (
        sa.select(
            day.label("day"),
            payments.c.source_currency,
            sa.func.count(),
            sa.func.sum(payments.c.source_amount_minor),
        )
        .where(payments.c.state.in_(("settled", "returned")))
        .group_by(day, payments.c.source_currency)
        .order_by(day)
    )
    if bic is not None:
        query = query.where(_involves(bic))
    with engine.connect() as conn:
        return [
            (
                datetime.fromtimestamp(int(d) * 86_400, UTC).date().isoformat(),
                code,
                int(n),
                int(v or 0),
            )
            for d, code, n, v in conn.execute(query)
        ]


def usd_value(book: RateBook | None, minor: int, code: str, exponent: int) -> int | None:
    """A value in whole US dollars at the reference rate, rounded half-to-even; None without
    a rate. (For the corridor's headline only: no money moves in dollars.)"""
    if book is None:
        return None
    if code == "USD":
        return int((Decimal(minor).scaleb(-exponent)).quantize(Decimal(1), ROUND_HALF_EVEN))
    try:
        rate = book.rate("USD", code).rate
    except FxError:
        return None
    major = Decimal(minor).scaleb(-exponent)
    return int((major / rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def audit_entries(engine: sa.Engine, *, limit: int, before: int | None) -> list[dict[str, Any]]:
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(min(limit, PAGE_MAX))
    if before is not None:
        query = query.where(audit_log.c.id < before)
    with engine.connect() as conn:
        return [{**row._mapping, "detail": json.loads(row.detail)} for row in conn.execute(query)]

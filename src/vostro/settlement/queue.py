"""The RTGS queue: payments waiting for their payer's liquidity.

Order is priority (urgent before normal), then arrival. A queued payment holds no reservation:
it is retried whenever its payer receives money, offered to the liquidity-saving mechanism, and
rejected if it is still waiting at its deadline. Its sender may cancel it or change its priority.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import sqlalchemy as sa

from vostro.store.schema import payment_queue

QUEUE_PAGE_MAX = 8189  # entries read at a time: one ledger batch's worth


class Priority(IntEnum):
    URGENT = 0
    NORMAL = 1


@dataclass(frozen=True, slots=True)
class QueueEntry:
    uetr: str
    payer: str
    currency: str
    priority: Priority
    arrival: int
    deadline_at: int


class PaymentQueue:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def add(self, entry: QueueEntry) -> None:
        with self.engine.begin() as conn:
            conn.execute(payment_queue.delete().where(payment_queue.c.uetr == entry.uetr))
            conn.execute(
                payment_queue.insert().values(
                    uetr=entry.uetr,
                    payer=entry.payer,
                    currency=entry.currency,
                    priority=int(entry.priority),
                    arrival=entry.arrival,
                    deadline_at=entry.deadline_at,
                )
            )

    def remove(self, uetrs: list[str]) -> None:
        if uetrs:
            with self.engine.begin() as conn:
                conn.execute(payment_queue.delete().where(payment_queue.c.uetr.in_(uetrs)))

    def set_priority(self, uetr: str, priority: Priority) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                payment_queue.update()
                .where(payment_queue.c.uetr == uetr)
                .values(priority=int(priority))
            )

    def get(self, uetr: str) -> QueueEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(payment_queue).where(payment_queue.c.uetr == uetr)).first()
        return _entry(row) if row is not None else None

    def entries(
        self, currency: str | None = None, payer: str | None = None, limit: int = QUEUE_PAGE_MAX
    ) -> list[QueueEntry]:
        """Queued payments in settlement order: priority, then arrival."""
        q = payment_queue
        query = sa.select(q).order_by(q.c.priority, q.c.arrival, q.c.uetr).limit(limit)
        if currency is not None:
            query = query.where(q.c.currency == currency)
        if payer is not None:
            query = query.where(q.c.payer == payer)
        with self.engine.connect() as conn:
            return [_entry(row) for row in conn.execute(query)]

    def due(self, now: int, limit: int = QUEUE_PAGE_MAX) -> list[QueueEntry]:
        q = payment_queue
        query = sa.select(q).where(q.c.deadline_at <= now).order_by(q.c.deadline_at).limit(limit)
        with self.engine.connect() as conn:
            return [_entry(row) for row in conn.execute(query)]

    def depth(self) -> dict[str, int]:
        q = payment_queue
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(q.c.currency, sa.func.count()).group_by(q.c.currency))
            return {code: int(n) for code, n in rows}


def _entry(row: sa.Row) -> QueueEntry:  # type: ignore[type-arg]
    return QueueEntry(
        row.uetr, row.payer, row.currency, Priority(row.priority), row.arrival, row.deadline_at
    )

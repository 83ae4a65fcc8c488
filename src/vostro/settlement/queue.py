"""The RTGS queue: payments waiting for their payer's liquidity.

Order is priority (urgent before normal), then arrival. A queued payment holds no reservation:
it is retried whenever its payer receives money, offered to the liquidity-saving mechanism, and
rejected if it is still waiting at its deadline. Its sender may cancel it or change its priority.
The entries live in the unit of work's `queue` (`settlement.ports.QueueRepository`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from vostro.ledger.types import BATCH_EVENTS_MAX

QUEUE_PAGE_MAX = BATCH_EVENTS_MAX  # entries read at a time: one ledger batch's worth


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

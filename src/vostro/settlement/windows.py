"""Deferred net settlement windows (Mojaloop's model): open → closed → settling → settled.

Payments accepted into the open window of their currency count at once against the payer's net
debit cap (and any bilateral limit towards the payee); nothing moves in the ledger until the window
settles on net. This module names the windows and their payments; the unit of work's `windows`
(`settlement.ports.WindowRepository`) keeps them, `settlement.admission` fills them and
`settlement.engine` settles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

WINDOWS_LISTED_MAX = 100  # windows returned by one listing, newest first


class WindowState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    SETTLING = "settling"
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class Window:
    id: int
    currency: str
    state: WindowState
    opened_at: int
    closed_at: int | None
    settled_at: int | None


@dataclass(frozen=True, slots=True)
class WindowPayment:
    uetr: str
    payer: str
    payee: str
    amount_minor: int
    fee_minor: int

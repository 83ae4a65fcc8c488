"""Deferred net settlement windows (Mojaloop's model): open → closed → settling → settled.

Payments accepted into the open window of their currency count at once against the payer's net
debit cap (and any bilateral limit towards the payee); nothing moves in the ledger until the window
settles on net. This module keeps the windows and their payments; `settlement.engine` settles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from vostro.store.schema import settlement_windows, window_payments


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


class Windows:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def open_window(self, code: str, now: int) -> Window:
        """The currency's open window, opening one if there is none."""
        current = self.current(code)
        if current is not None:
            return current
        with self.engine.begin() as conn:
            conn.execute(
                settlement_windows.insert().values(
                    currency=code, state=WindowState.OPEN, opened_at=now
                )
            )
        opened = self.current(code)
        assert opened is not None
        return opened

    def current(self, code: str) -> Window | None:
        w = settlement_windows
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(w).where(w.c.currency == code, w.c.state == WindowState.OPEN)
            ).first()
        return _window(row) if row is not None else None

    def get(self, window_id: int) -> Window | None:
        w = settlement_windows
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(w).where(w.c.id == window_id)).first()
        return _window(row) if row is not None else None

    def all(self, limit: int = 100) -> list[Window]:
        w = settlement_windows
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(w).order_by(w.c.id.desc()).limit(limit)).all()
        return [_window(r) for r in rows]

    def set_state(self, window_id: int, state: WindowState, now: int) -> None:
        values: dict[str, object] = {"state": state}
        if state is WindowState.CLOSED:
            values["closed_at"] = now
        if state is WindowState.SETTLED:
            values["settled_at"] = now
        with self.engine.begin() as conn:
            conn.execute(
                settlement_windows.update()
                .where(settlement_windows.c.id == window_id)
                .values(**values)
            )

    def add(self, window_id: int, payment: WindowPayment) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                window_payments.insert().values(
                    uetr=payment.uetr,
                    window_id=window_id,
                    payer=payment.payer,
                    payee=payment.payee,
                    amount_minor=payment.amount_minor,
                    fee_minor=payment.fee_minor,
                )
            )

    def payments(self, window_id: int) -> list[WindowPayment]:
        wp = window_payments
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(wp).where(wp.c.window_id == window_id).order_by(wp.c.uetr)
            ).all()
        return [WindowPayment(r.uetr, r.payer, r.payee, r.amount_minor, r.fee_minor) for r in rows]

    def net_debit(self, window_id: int, bic: str) -> int:
        """What `bic` owes net in the window so far: sent plus fees minus received."""
        wp = window_payments
        with self.engine.connect() as conn:
            sent = conn.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(wp.c.amount_minor + wp.c.fee_minor), 0)
                ).where(wp.c.window_id == window_id, wp.c.payer == bic)
            ).scalar_one()
            received = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(wp.c.amount_minor), 0)).where(
                    wp.c.window_id == window_id, wp.c.payee == bic
                )
            ).scalar_one()
        return int(sent) - int(received)

    def bilateral_debit(self, window_id: int, bic: str, counterparty: str) -> int:
        """What `bic` owes `counterparty` net in the window so far."""
        wp = window_payments

        def flow(a: str, b: str) -> int:
            with self.engine.connect() as conn:
                return int(
                    conn.execute(
                        sa.select(sa.func.coalesce(sa.func.sum(wp.c.amount_minor), 0)).where(
                            wp.c.window_id == window_id, wp.c.payer == a, wp.c.payee == b
                        )
                    ).scalar_one()
                )

        return flow(bic, counterparty) - flow(counterparty, bic)


def _window(row: sa.Row) -> Window:  # type: ignore[type-arg]
    return Window(
        row.id, row.currency, WindowState(row.state), row.opened_at, row.closed_at, row.settled_at
    )

"""Settlement's tables (`settlement.ports`): the RTGS queue, the deferred-net windows and their
payments, the operator's rules, and the reports of settlement runs.

Every statement runs on the unit of work's connection, so it commits or rolls back with the
ledger's batches and the rest of the command.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import sqlalchemy as sa

from vostro.errors import invariant
from vostro.settlement.queue import QUEUE_PAGE_MAX, Priority, QueueEntry
from vostro.settlement.reports import REPORTS_LISTED_MAX, SettlementReport
from vostro.settlement.rules import Mode
from vostro.settlement.windows import WINDOWS_LISTED_MAX, Window, WindowPayment, WindowState
from vostro.store.schema import (
    bilateral_limits,
    net_debit_caps,
    payment_queue,
    settlement_modes,
    settlement_runs,
    settlement_windows,
    window_payments,
)


class SqlPaymentQueue:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, entry: QueueEntry) -> None:
        self.conn.execute(payment_queue.delete().where(payment_queue.c.uetr == entry.uetr))
        self.conn.execute(
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
            self.conn.execute(payment_queue.delete().where(payment_queue.c.uetr.in_(uetrs)))

    def set_priority(self, uetr: str, priority: Priority) -> None:
        self.conn.execute(
            payment_queue.update()
            .where(payment_queue.c.uetr == uetr)
            .values(priority=int(priority))
        )

    def get(self, uetr: str) -> QueueEntry | None:
        q = payment_queue
        row = self.conn.execute(sa.select(q).where(q.c.uetr == uetr)).first()
        return _entry(row) if row is not None else None

    def entries(
        self,
        currency: str | None = None,
        payer: str | None = None,
        limit: int = QUEUE_PAGE_MAX,
        after: tuple[int, int, str] | None = None,
    ) -> list[QueueEntry]:
        """Queued payments in settlement order: priority, then arrival; `after` is the
        (priority, arrival, UETR) of the last one seen."""
        q = payment_queue
        query = sa.select(q).order_by(q.c.priority, q.c.arrival, q.c.uetr).limit(limit)
        if after is not None:
            query = query.where(sa.tuple_(q.c.priority, q.c.arrival, q.c.uetr) > after)
        if currency is not None:
            query = query.where(q.c.currency == currency)
        if payer is not None:
            query = query.where(q.c.payer == payer)
        return [_entry(row) for row in self.conn.execute(query)]

    def due(self, now_ns: int, limit: int = QUEUE_PAGE_MAX) -> list[QueueEntry]:
        q = payment_queue
        query = sa.select(q).where(q.c.deadline_at <= now_ns).order_by(q.c.deadline_at).limit(limit)
        return [_entry(row) for row in self.conn.execute(query)]

    def depth(self) -> dict[str, int]:
        q = payment_queue
        rows = self.conn.execute(sa.select(q.c.currency, sa.func.count()).group_by(q.c.currency))
        return {code: int(n) for code, n in rows}

    def payers(self) -> set[tuple[str, str]]:
        q = payment_queue
        rows = self.conn.execute(sa.select(q.c.payer, q.c.currency).distinct())
        return {(payer, code) for payer, code in rows}


def _entry(row: sa.Row) -> QueueEntry:  # type: ignore[type-arg]
    return QueueEntry(
        row.uetr, row.payer, row.currency, Priority(row.priority), row.arrival, row.deadline_at
    )


class SqlWindows:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def open_window(self, code: str, now_ns: int) -> Window:
        """The currency's open window, opening one if there is none."""
        current = self.current(code)
        if current is not None:
            return current
        self.conn.execute(
            settlement_windows.insert().values(
                currency=code, state=WindowState.OPEN, opened_at=now_ns
            )
        )
        opened = self.current(code)
        invariant(opened is not None, f"the {code} window just opened is not there")
        assert opened is not None
        return opened

    def current(self, code: str) -> Window | None:
        w = settlement_windows
        row = self.conn.execute(
            sa.select(w).where(w.c.currency == code, w.c.state == WindowState.OPEN)
        ).first()
        return _window(row) if row is not None else None

    def get(self, window_id: int) -> Window | None:
        w = settlement_windows
        row = self.conn.execute(sa.select(w).where(w.c.id == window_id)).first()
        return _window(row) if row is not None else None

    def all(self, limit: int = WINDOWS_LISTED_MAX, before: int | None = None) -> list[Window]:
        w = settlement_windows
        query = sa.select(w).order_by(w.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(w.c.id < before)
        rows = self.conn.execute(query).all()
        return [_window(r) for r in rows]

    def set_state(self, window_id: int, state: WindowState, now_ns: int) -> None:
        values: dict[str, object] = {"state": state}
        if state is WindowState.CLOSED:
            values["closed_at"] = now_ns
        if state is WindowState.SETTLED:
            values["settled_at"] = now_ns
        self.conn.execute(
            settlement_windows.update().where(settlement_windows.c.id == window_id).values(**values)
        )

    def add(self, window_id: int, payment: WindowPayment) -> None:
        self.conn.execute(
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
        rows = self.conn.execute(
            sa.select(wp).where(wp.c.window_id == window_id).order_by(wp.c.uetr)
        ).all()
        return [WindowPayment(r.uetr, r.payer, r.payee, r.amount_minor, r.fee_minor) for r in rows]

    def net_debit(self, window_id: int, bic: str) -> int:
        """What `bic` owes net in the window so far: sent plus fees minus received."""
        wp = window_payments
        sent = self.conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(wp.c.amount_minor + wp.c.fee_minor), 0)).where(
                wp.c.window_id == window_id, wp.c.payer == bic
            )
        ).scalar_one()
        received = self.conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(wp.c.amount_minor), 0)).where(
                wp.c.window_id == window_id, wp.c.payee == bic
            )
        ).scalar_one()
        return int(sent) - int(received)

    def bilateral_debit(self, window_id: int, bic: str, counterparty: str) -> int:
        """What `bic` owes `counterparty` net in the window so far."""
        return self._flow(window_id, bic, counterparty) - self._flow(window_id, counterparty, bic)

    def _flow(self, window_id: int, payer: str, payee: str) -> int:
        wp = window_payments
        return int(
            self.conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(wp.c.amount_minor), 0)).where(
                    wp.c.window_id == window_id, wp.c.payer == payer, wp.c.payee == payee
                )
            ).scalar_one()
        )


def _window(row: sa.Row) -> Window:  # type: ignore[type-arg]
    return Window(
        row.id, row.currency, WindowState(row.state), row.opened_at, row.closed_at, row.settled_at
    )


class SqlSettlementRules:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def mode(self, bic: str, code: str) -> Mode:
        m = settlement_modes
        found = self.conn.execute(
            sa.select(m.c.mode).where(m.c.bic == bic, m.c.currency == code)
        ).scalar()
        return Mode(found) if found else Mode.RTGS

    def net_debit_cap(self, bic: str, code: str) -> int:
        """The cap on the participant's net debit in a window; 0 (no debit) if none is set."""
        c = net_debit_caps
        found = self.conn.execute(
            sa.select(c.c.cap_minor).where(c.c.bic == bic, c.c.currency == code)
        ).scalar()
        return int(found or 0)

    def bilateral_limit(self, bic: str, counterparty: str, code: str) -> int | None:
        """The most `bic` may owe `counterparty` net in a window, or None if unlimited."""
        b = bilateral_limits
        found = self.conn.execute(
            sa.select(b.c.limit_minor).where(
                b.c.bic == bic, b.c.counterparty == counterparty, b.c.currency == code
            )
        ).scalar()
        return None if found is None else int(found)

    def store_mode(self, bic: str, code: str, mode: Mode) -> None:
        self._replace(settlement_modes, bic, code, {"mode": str(mode)})

    def store_net_debit_cap(self, bic: str, code: str, cap_minor: int) -> None:
        self._replace(net_debit_caps, bic, code, {"cap_minor": cap_minor})

    def store_bilateral_limit(
        self, bic: str, counterparty: str, code: str, limit_minor: int
    ) -> None:
        b = bilateral_limits
        self.conn.execute(
            b.delete().where(b.c.bic == bic, b.c.counterparty == counterparty, b.c.currency == code)
        )
        self.conn.execute(
            b.insert().values(
                bic=bic, counterparty=counterparty, currency=code, limit_minor=limit_minor
            )
        )

    def _replace(self, table: sa.Table, bic: str, code: str, values: dict[str, object]) -> None:
        self.conn.execute(table.delete().where(table.c.bic == bic, table.c.currency == code))
        self.conn.execute(table.insert().values(bic=bic, currency=code, **values))


class SqlSettlementRuns:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, report: SettlementReport, at_ns: int) -> int:
        stored = {k: v for k, v in asdict(report).items() if k != "run_id"}
        run_id: int = self.conn.execute(
            settlement_runs.insert()
            .values(kind=report.kind, currency=report.currency, at=at_ns, report=json.dumps(stored))
            .returning(settlement_runs.c.id)
        ).scalar_one()
        return run_id

    def latest(
        self, limit: int = REPORTS_LISTED_MAX, before: int | None = None
    ) -> list[SettlementReport]:
        r = settlement_runs
        query = sa.select(r.c.id, r.c.report).order_by(r.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(r.c.id < before)
        rows = self.conn.execute(query).all()
        return [SettlementReport(**{**json.loads(row.report), "run_id": row.id}) for row in rows]

"""The operating day's tables (`calendar.ports.CalendarRepository`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from vostro.calendar.model import Closure, Cutoff, DayState, OperatingDay, Schedule
from vostro.errors import invariant
from vostro.store.schema import (
    calendar_closures,
    day_carry,
    day_schedules,
    day_statements,
    end_of_day_steps,
    operating_days,
    participant_accounts,
    payment_events,
    payments,
)

_CUTOFF_COLUMNS = {
    Cutoff.CUSTOMER: "customer_cutoff",
    Cutoff.INTERBANK: "interbank_cutoff",
    Cutoff.URGENT: "urgent_cutoff",
}


class SqlCalendar:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---------------------------------------------------------- schedules
    def schedule(self, code: str) -> Schedule | None:
        row = self.conn.execute(
            sa.select(day_schedules).where(day_schedules.c.currency == code)
        ).first()
        return None if row is None else _schedule(row._mapping)

    def schedules(self) -> list[Schedule]:
        rows = self.conn.execute(sa.select(day_schedules).order_by(day_schedules.c.currency))
        return [_schedule(r._mapping) for r in rows]

    def put_schedule(self, schedule: Schedule) -> None:
        t = day_schedules
        self.conn.execute(t.delete().where(t.c.currency == schedule.currency))
        cutoffs = {column: schedule.cutoffs.get(kind) for kind, column in _CUTOFF_COLUMNS.items()}
        self.conn.execute(
            t.insert().values(
                currency=schedule.currency,
                always_open=schedule.always_open,
                opens=schedule.opens,
                end_of_day=schedule.end_of_day,
                **cutoffs,
            )
        )

    def closures(self, code: str) -> list[Closure]:
        t = calendar_closures
        rows = self.conn.execute(sa.select(t).where(t.c.currency == code).order_by(t.c.day))
        return [Closure(r.currency, r.day, bool(r.closed), r.reason) for r in rows]

    def put_closure(self, closure: Closure) -> None:
        self.remove_closure(closure.currency, closure.day)
        self.conn.execute(
            calendar_closures.insert().values(
                currency=closure.currency,
                day=closure.day,
                closed=closure.closed,
                reason=closure.reason,
            )
        )

    def remove_closure(self, code: str, day: date) -> bool:
        t = calendar_closures
        done = self.conn.execute(t.delete().where(t.c.currency == code, t.c.day == day))
        return bool(done.rowcount)

    # ------------------------------------------------------ operating days
    def current_day(self, code: str) -> OperatingDay | None:
        t = operating_days
        row = self.conn.execute(
            sa.select(t)
            .where(t.c.currency == code, t.c.state != DayState.CLOSED)
            .order_by(t.c.day.desc())
            .limit(1)
        ).first()
        return None if row is None else _day(row._mapping)

    def day(self, code: str, day: date) -> OperatingDay | None:
        t = operating_days
        row = self.conn.execute(sa.select(t).where(t.c.currency == code, t.c.day == day)).first()
        return None if row is None else _day(row._mapping)

    def days(self, code: str | None = None, limit: int = 30) -> list[OperatingDay]:
        t = operating_days
        query = sa.select(t).order_by(t.c.day.desc(), t.c.currency).limit(limit)
        if code is not None:
            query = query.where(t.c.currency == code)
        return [_day(r._mapping) for r in self.conn.execute(query)]

    def add_day(self, day: OperatingDay) -> None:
        self.conn.execute(
            operating_days.insert().values(
                currency=day.currency,
                day=day.day,
                state=day.state,
                opened_at=day.opened_at,
                span_start=day.span_start,
            )
        )

    def set_state(self, code: str, day: date, state: DayState, at: int) -> None:
        t = operating_days
        stamp = {DayState.CLOSING: "closing_at", DayState.CLOSED: "closed_at"}[state]
        done = self.conn.execute(
            t.update()
            .where(t.c.currency == code, t.c.day == day)
            .values(state=state, **{stamp: at})
        )
        invariant(done.rowcount == 1, f"the operating day {code} {day} is not recorded")

    def steps(self, code: str, day: date) -> dict[str, dict[str, Any]]:
        t = end_of_day_steps
        rows = self.conn.execute(
            sa.select(t).where(t.c.currency == code, t.c.day == day).order_by(t.c.done_at)
        )
        return {r.step: {"done_at": r.done_at, **json.loads(r.detail)} for r in rows}

    def step_done(self, code: str, day: date, step: str, at: int, detail: dict[str, Any]) -> None:
        invariant(
            step not in self.steps(code, day), f"end-of-day step {step} of {code} {day} twice"
        )
        self.conn.execute(
            end_of_day_steps.insert().values(
                currency=code, day=day, step=step, done_at=at, detail=json.dumps(detail)
            )
        )

    # ---------------------------------------------------- what it keeps
    def add_statement(
        self, code: str, day: date, account_id: int, name: str, owner: str | None, xml: bytes
    ) -> None:
        self.conn.execute(
            day_statements.insert().values(
                day=day,
                name=name,
                currency=code,
                account_id=account_id.to_bytes(16, "big"),
                owner=owner,
                xml=xml,
            )
        )

    def statements(self, day: date, code: str | None = None) -> list[dict[str, Any]]:
        t = day_statements
        query = sa.select(t.c.name, t.c.currency, t.c.account_id, t.c.owner).where(t.c.day == day)
        if code is not None:
            query = query.where(t.c.currency == code)
        return [
            {
                "name": r.name,
                "currency": r.currency,
                "account_id": str(int.from_bytes(r.account_id, "big")),
                "owner": r.owner,
            }
            for r in self.conn.execute(query.order_by(t.c.name))
        ]

    def statement(self, day: date, name: str) -> bytes | None:
        t = day_statements
        found = self.conn.execute(sa.select(t.c.xml).where(t.c.day == day, t.c.name == name))
        xml = found.scalar()
        return None if xml is None else bytes(xml)

    def put_report(self, code: str, day: date, report: dict[str, Any]) -> None:
        t = operating_days
        self.conn.execute(
            t.update()
            .where(t.c.currency == code, t.c.day == day)
            .values(report=json.dumps(report, sort_keys=True))
        )

    def report(self, code: str, day: date) -> dict[str, Any] | None:
        t = operating_days
        found = self.conn.execute(sa.select(t.c.report).where(t.c.currency == code, t.c.day == day))
        text = found.scalar()
        return None if text is None else dict(json.loads(text))

    # ------------------------------------------------ what a day reads
    def currencies(self) -> list[str]:
        """The currencies participants hold accounts in: those with operating days."""
        t = participant_accounts
        return list(
            self.conn.execute(sa.select(t.c.currency).distinct().order_by(t.c.currency)).scalars()
        )

    def accounts(self, code: str) -> list[tuple[int, str, str]]:
        """(ledger account id, owner, kind) of every participant account in `code`."""
        t = participant_accounts
        rows = self.conn.execute(
            sa.select(t.c.account_id, t.c.bic, t.c.kind)
            .where(t.c.currency == code)
            .order_by(t.c.bic, t.c.kind)
        )
        return [(int.from_bytes(r.account_id, "big"), r.bic, r.kind) for r in rows]

    def day_payments(self, code: str, day: date) -> list[dict[str, Any]]:
        """The legs in `code` of the payments valued `day`: payer, payee, amount, state, and when
        each arrived, queued and settled."""
        p = payments
        rows = self.conn.execute(
            sa.select(p).where(
                p.c.settlement_date == day,
                sa.or_(p.c.source_currency == code, p.c.target_currency == code),
            )
        ).all()
        times = self._event_times([r.uetr for r in rows])
        flows = []
        for r in rows:
            queued, settled = times.get(r.uetr, (None, None))
            legs = []
            if r.source_currency == code:
                legs.append(
                    (r.debtor_agent, r.fx_provider or r.creditor_agent, r.source_amount_minor)
                )
            if r.target_currency == code and r.source_currency != code:
                legs.append(
                    (r.fx_provider or r.debtor_agent, r.creditor_agent, r.target_amount_minor)
                )
            for payer, payee, amount in legs:
                flows.append(
                    {
                        "payer": payer,
                        "payee": payee,
                        "amount_minor": int(amount),
                        "state": r.state,
                        "arrived_at": r.created_at,
                        "queued_at": queued,
                        "settled_at": settled,
                    }
                )
        return flows

    def _event_times(self, uetrs: list[str]) -> dict[str, tuple[int | None, int | None]]:
        e = payment_events
        found: dict[str, tuple[int | None, int | None]] = {}
        for start in range(0, len(uetrs), 500):
            rows = self.conn.execute(
                sa.select(e.c.uetr, e.c.state, sa.func.min(e.c.at))
                .where(
                    e.c.uetr.in_(uetrs[start : start + 500]), e.c.state.in_(("queued", "settled"))
                )
                .group_by(e.c.uetr, e.c.state)
            )
            for uetr, state, at in rows:
                queued, settled = found.get(uetr, (None, None))
                found[uetr] = (at, settled) if state == "queued" else (queued, at)
        return found

    # ---------------------------------------------------------- carry
    def carries(self, bic: str) -> bool:
        found = self.conn.execute(sa.select(day_carry.c.bic).where(day_carry.c.bic == bic))
        return found.first() is not None

    def set_carry(self, bic: str, carry: bool) -> None:
        self.conn.execute(day_carry.delete().where(day_carry.c.bic == bic))
        if carry:
            self.conn.execute(day_carry.insert().values(bic=bic))


def _schedule(m: Any) -> Schedule:
    if m["always_open"]:
        return Schedule(m["currency"])
    cutoffs = {kind: int(m[column]) for kind, column in _CUTOFF_COLUMNS.items()}
    return Schedule(m["currency"], False, int(m["opens"]), cutoffs, int(m["end_of_day"]))


def _day(m: Any) -> OperatingDay:
    return OperatingDay(
        m["currency"],
        m["day"],
        DayState(m["state"]),
        m["opened_at"],
        m["span_start"],
        m["closing_at"],
        m["closed_at"],
    )

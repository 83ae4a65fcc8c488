"""The participants' tables, their fee schedules, and the ledger's accounts as readers see them
(`participants.ports`, `payments.ports`)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from vostro.ledger.types import Account
from vostro.participants.model import (
    OPERATOR_NUMBER,
    AccountKind,
    Participant,
    Role,
    Status,
    account_id,
)
from vostro.payments.fees import FeeSchedule
from vostro.store import schema
from vostro.store.base import account_from_row
from vostro.store.codec import id_to_bytes
from vostro.store.schema import (
    fee_schedules,
    participant_accounts,
    participant_aliases,
    participants,
)


class SqlParticipants:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self._operator: str | None = None

    def add(self, p: Participant, kinds: list[tuple[AccountKind, str]]) -> None:
        self.conn.execute(
            participants.insert().values(
                bic=p.bic,
                number=p.number,
                name=p.name,
                country=p.country,
                roles=",".join(sorted(p.roles)),
                currencies=",".join(p.currencies),
                correspondent_bic=p.correspondent_bic,
                status=p.status,
                created_at=time.time_ns(),
            )
        )
        self.conn.execute(
            participant_accounts.insert(),
            [
                {
                    "account_id": account_id(p.number, kind, code).to_bytes(16, "big"),
                    "bic": p.bic,
                    "currency": code,
                    "kind": kind.name.lower(),
                    "held_at_bic": p.correspondent_bic if kind is AccountKind.VOSTRO else None,
                }
                for kind, code in kinds
            ],
        )

    def get(self, bic: str) -> Participant | None:
        row = self.conn.execute(sa.select(participants).where(participants.c.bic == bic)).first()
        return None if row is None else _participant(row)

    def all(self) -> list[Participant]:
        rows = self.conn.execute(sa.select(participants).order_by(participants.c.number)).all()
        return [_participant(r) for r in rows]

    def top_number(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.max(participants.c.number))).scalar() or 0)

    def operator_bic(self) -> str | None:
        """The operator's BIC, read once per unit of work once it is registered."""
        if self._operator is None:
            query = sa.select(participants.c.bic).where(participants.c.number == OPERATOR_NUMBER)
            self._operator = self.conn.execute(query).scalar()
        return self._operator

    def set_status(self, bic: str, status: Status) -> None:
        self.conn.execute(
            participants.update().where(participants.c.bic == bic).values(status=status)
        )

    def set_alias(self, alias: str, bic: str) -> None:
        a = participant_aliases
        self.conn.execute(a.delete().where(a.c.alias == alias))
        self.conn.execute(a.insert().values(alias=alias, bic=bic))

    def alias(self, identifier: str) -> str | None:
        a = participant_aliases
        found: str | None = self.conn.execute(
            sa.select(a.c.bic).where(a.c.alias == identifier)
        ).scalar()
        return found


class SqlFees:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def put(self, bic: str, schedule: FeeSchedule) -> None:
        f = fee_schedules
        self.conn.execute(f.delete().where(f.c.bic == bic, f.c.currency == schedule.currency))
        self.conn.execute(
            f.insert().values(
                bic=bic,
                currency=schedule.currency,
                fixed_minor=schedule.fixed_minor,
                rate_bps=schedule.rate_bps,
                cap_minor=schedule.cap_minor,
            )
        )

    def get(self, bic: str, code: str) -> FeeSchedule:
        f = fee_schedules
        row = self.conn.execute(sa.select(f).where(f.c.bic == bic, f.c.currency == code)).first()
        if row is None:
            return FeeSchedule(code)
        return FeeSchedule(code, row.fixed_minor, row.rate_bps, row.cap_minor)


class SqlAccounts:
    """The ledger's accounts with their committed balances, for readers."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def get(self, ids: Iterable[int]) -> list[Account]:
        keys = [id_to_bytes(i) for i in ids]
        query = sa.select(schema.accounts).where(schema.accounts.c.id.in_(keys))
        by_id = {a.id: a for a in map(account_from_row, self.conn.execute(query))}
        return [by_id[i] for i in (int.from_bytes(k, "big") for k in keys) if i in by_id]


def _participant(row: sa.Row[Any]) -> Participant:
    return Participant(
        bic=row.bic,
        number=row.number,
        name=row.name,
        country=row.country,
        roles=frozenset(Role(r) for r in row.roles.split(",")),
        currencies=tuple(row.currencies.split(",")),
        correspondent_bic=row.correspondent_bic,
        status=Status(row.status),
    )

"""Compliance's tables: the active screening lists (with their bytes), the remembered false
positives, and the payment limits (`compliance.ports`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from vostro.compliance.limits import ALL, Limit
from vostro.compliance.stored import Override, StoredList
from vostro.store.schema import payment_limits, screening_lists, screening_overrides

OVERRIDES_LOOKED_UP_MAX = 1_000  # overrides read for one screening (bounds the query)


class SqlLists:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def lists(self) -> list[StoredList]:
        columns = [c for c in screening_lists.c if c.name != "data"]
        rows = self.conn.execute(sa.select(*columns).order_by(screening_lists.c.name)).all()
        return [StoredList(**row._mapping) for row in rows]

    def data(self, name: str) -> bytes | None:
        query = sa.select(screening_lists.c.data).where(screening_lists.c.name == name)
        found = self.conn.execute(query).scalar()
        return None if found is None else bytes(found)

    def put(self, stored: StoredList, data: bytes) -> None:
        """Replace the list of that name."""
        self.remove(stored.name)
        self.conn.execute(screening_lists.insert().values(**stored.as_dict(), data=data))

    def remove(self, name: str) -> None:
        self.conn.execute(screening_lists.delete().where(screening_lists.c.name == name))

    def overrides(self, keys: Iterable[str], versions: Iterable[str]) -> list[Override]:
        """Overrides for any of these parties on any of these list versions."""
        keys, versions = sorted(set(keys)), sorted(set(versions))
        if not keys or not versions:
            return []
        query = (
            sa.select(screening_overrides)
            .where(
                screening_overrides.c.party_key.in_(keys),
                screening_overrides.c.list_version.in_(versions),
            )
            .order_by(screening_overrides.c.id)
            .limit(OVERRIDES_LOOKED_UP_MAX)
        )
        return [Override(**row._mapping) for row in self.conn.execute(query)]

    def remember(
        self,
        key: str,
        entity_id: str,
        list_name: str,
        list_version: str,
        *,
        uetr: str,
        at: int,
        by: str,
        reason: str,
    ) -> bool:
        """Remember one false positive; False if it was already remembered."""
        o = screening_overrides
        exists = self.conn.execute(
            sa.select(o.c.id).where(
                o.c.party_key == key,
                o.c.entity_id == entity_id,
                o.c.list_name == list_name,
                o.c.list_version == list_version,
            )
        ).first()
        if exists is not None:
            return False
        self.conn.execute(
            o.insert().values(
                party_key=key,
                entity_id=entity_id,
                list_name=list_name,
                list_version=list_version,
                uetr=uetr,
                created_at=at,
                created_by=by,
                reason=reason,
            )
        )
        return True


class SqlListSource:
    """The stored lists for a screener, read on connections of its own (a screener reads what
    is committed, whoever loaded it)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def lists(self) -> list[StoredList]:
        with self.engine.connect() as conn:
            return SqlLists(conn).lists()

    def data(self, name: str) -> bytes | None:
        with self.engine.connect() as conn:
            return SqlLists(conn).data(name)

    def overrides(self, keys: Iterable[str], versions: Iterable[str]) -> list[Override]:
        with self.engine.connect() as conn:
            return SqlLists(conn).overrides(keys, versions)


class SqlLimits:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def get(self, participant: str, flow: str, code: str) -> Limit | None:
        row = self.conn.execute(
            sa.select(payment_limits).where(_key(participant, flow, code))
        ).first()
        return None if row is None else _limit(row)

    def count(self) -> int:
        query = sa.select(sa.func.count()).select_from(payment_limits)
        return int(self.conn.execute(query).scalar_one())

    def put(self, limit: Limit) -> None:
        """Set the limit of its scope, replacing the one there was."""
        self.remove(limit.participant, limit.flow, limit.currency)
        self.conn.execute(payment_limits.insert().values(**limit.as_dict()))

    def remove(self, participant: str, flow: str, code: str) -> None:
        self.conn.execute(payment_limits.delete().where(_key(participant, flow, code)))

    def all(self, limit: int) -> list[Limit]:
        query = (
            sa.select(payment_limits)
            .order_by(
                payment_limits.c.participant, payment_limits.c.flow, payment_limits.c.currency
            )
            .limit(limit)
        )
        return [_limit(row) for row in self.conn.execute(query)]

    def applicable(self, payer: str, flow: str, code: str) -> list[Limit]:
        """Every limit a payment from `payer` of `flow` in `code` answers to."""
        query = sa.select(payment_limits).where(
            payment_limits.c.participant.in_((payer, ALL)),
            payment_limits.c.flow.in_((flow, ALL)),
            payment_limits.c.currency == code,
        )
        return [_limit(row) for row in self.conn.execute(query)]


def _key(participant: str, flow: str, code: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        payment_limits.c.participant == participant,
        payment_limits.c.flow == flow,
        payment_limits.c.currency == code,
    )


def _limit(row: sa.Row[Any]) -> Limit:
    return Limit(
        row.participant,
        row.flow,
        row.currency,
        row.per_payment_max_minor,
        row.per_day_max_minor,
        row.set_at,
        row.set_by,
    )

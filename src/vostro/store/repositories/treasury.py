"""The rupee vostro treasury's tables: each bank's settings and its closed days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from vostro.store.schema import vostro_days, vostro_settings
from vostro.treasury.vostro import VostroDay, VostroSetting


class SqlTreasury:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def put_setting(self, setting: VostroSetting) -> None:
        s = vostro_settings
        self.conn.execute(s.delete().where(s.c.bic == setting.bic))
        self.conn.execute(
            s.insert().values(
                bic=setting.bic,
                threshold_minor=setting.threshold_minor,
                annual_yield=str(setting.annual_yield),
            )
        )

    def settings(self) -> list[VostroSetting]:
        rows = self.conn.execute(sa.select(vostro_settings)).all()
        return [VostroSetting(r.bic, r.threshold_minor, Decimal(r.annual_yield)) for r in rows]

    def add_day(self, d: VostroDay) -> None:
        self.conn.execute(
            vostro_days.insert().values(
                bic=d.bic,
                day=d.day,
                vostro_minor=d.vostro_minor,
                invested_minor=d.invested_minor,
                interest_minor=d.interest_minor,
            )
        )

    def days(self, bic: str | None = None, day: date | None = None) -> list[VostroDay]:
        """Oldest first."""
        query = sa.select(vostro_days).order_by(vostro_days.c.day, vostro_days.c.bic)
        if bic is not None:
            query = query.where(vostro_days.c.bic == bic)
        if day is not None:
            query = query.where(vostro_days.c.day == day)
        return [
            VostroDay(r.bic, r.day, r.vostro_minor, r.invested_minor, r.interest_minor)
            for r in self.conn.execute(query)
        ]

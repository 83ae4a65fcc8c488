"""Per-participant settlement rules set by the operator: the settlement mode of each currency
(RTGS, the default, or deferred net settlement), net debit caps and bilateral limits."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from vostro import audit
from vostro.errors import VostroError
from vostro.money import currency
from vostro.store.schema import bilateral_limits, net_debit_caps, settlement_modes


class Mode(StrEnum):
    RTGS = "rtgs"  # gross, in real time; a payment the payer cannot fund waits in the queue
    DNS = "dns"  # deferred net settlement in windows, within a net debit cap


class RuleError(VostroError, ValueError):
    """A settlement rule that cannot be set."""


class SettlementRules:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def set_mode(self, bic: str, code: str, mode: Mode | str, *, actor: str) -> None:
        mode = Mode(mode)
        currency(code)
        self._replace(settlement_modes, bic, code, {"mode": str(mode)}, actor, "settlement.mode")

    def mode(self, bic: str, code: str) -> Mode:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(settlement_modes.c.mode).where(
                    settlement_modes.c.bic == bic, settlement_modes.c.currency == code
                )
            ).scalar()
        return Mode(found) if found else Mode.RTGS

    def set_net_debit_cap(self, bic: str, code: str, cap_minor: int, *, actor: str) -> None:
        if cap_minor < 0:
            raise RuleError("a net debit cap is zero or more")
        self._replace(
            net_debit_caps, bic, code, {"cap_minor": cap_minor}, actor, "settlement.net_debit_cap"
        )

    def net_debit_cap(self, bic: str, code: str) -> int:
        """The cap on the participant's net debit in a window; 0 (no debit) if none is set."""
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(net_debit_caps.c.cap_minor).where(
                    net_debit_caps.c.bic == bic, net_debit_caps.c.currency == code
                )
            ).scalar()
        return int(found or 0)

    def set_bilateral_limit(
        self, bic: str, counterparty: str, code: str, limit_minor: int, *, actor: str
    ) -> None:
        if limit_minor < 0:
            raise RuleError("a bilateral limit is zero or more")
        with self.engine.begin() as conn:
            conn.execute(
                bilateral_limits.delete().where(
                    bilateral_limits.c.bic == bic,
                    bilateral_limits.c.counterparty == counterparty,
                    bilateral_limits.c.currency == code,
                )
            )
            conn.execute(
                bilateral_limits.insert().values(
                    bic=bic, counterparty=counterparty, currency=code, limit_minor=limit_minor
                )
            )
            audit.record(
                conn,
                actor,
                "settlement.bilateral_limit",
                bic,
                counterparty=counterparty,
                currency=code,
                limit_minor=limit_minor,
            )

    def bilateral_limit(self, bic: str, counterparty: str, code: str) -> int | None:
        """The most `bic` may owe `counterparty` net in a window, or None if unlimited."""
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(bilateral_limits.c.limit_minor).where(
                    bilateral_limits.c.bic == bic,
                    bilateral_limits.c.counterparty == counterparty,
                    bilateral_limits.c.currency == code,
                )
            ).scalar()
        return None if found is None else int(found)

    def _replace(
        self,
        table: sa.Table,
        bic: str,
        code: str,
        values: dict[str, object],
        actor: str,
        action: str,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(table.c.bic == bic, table.c.currency == code))
            conn.execute(table.insert().values(bic=bic, currency=code, **values))
            audit.record(conn, actor, action, bic, currency=code, values=values)

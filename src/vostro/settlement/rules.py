"""Per-participant settlement rules set by the operator: the settlement mode of each currency
(RTGS, the default, or deferred net settlement), net debit caps and bilateral limits.

`SettlementRules` holds the operator's commands: each change is written through the unit of
work's `rules` with its audit entry, in the same transaction. The rules themselves are read
where they apply (`uow.rules`, by the payment lifecycle and `settlement.admission`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from vostro.errors import VostroError
from vostro.money import currency

if TYPE_CHECKING:
    from vostro.settlement.ports import RulesUnit


class Mode(StrEnum):
    RTGS = "rtgs"  # gross, in real time; a payment the payer cannot fund waits in the queue
    DNS = "dns"  # deferred net settlement in windows, within a net debit cap


class RuleError(VostroError, ValueError):
    """A settlement rule that cannot be set."""


class SettlementRules:
    """The operator's settlement rules: commands that change them, and queries that read them."""

    def set_mode(
        self, uow: RulesUnit, bic: str, code: str, mode: Mode | str, *, actor: str
    ) -> None:
        mode = Mode(mode)
        currency(code)
        uow.rules.store_mode(bic, code, mode)
        values: dict[str, object] = {"mode": str(mode)}
        uow.audit.record(actor, "settlement.mode", bic, currency=code, values=values)

    def set_net_debit_cap(
        self, uow: RulesUnit, bic: str, code: str, cap_minor: int, *, actor: str
    ) -> None:
        if cap_minor < 0:
            raise RuleError("a net debit cap is zero or more")
        uow.rules.store_net_debit_cap(bic, code, cap_minor)
        values: dict[str, object] = {"cap_minor": cap_minor}
        uow.audit.record(actor, "settlement.net_debit_cap", bic, currency=code, values=values)

    def set_bilateral_limit(
        self,
        uow: RulesUnit,
        bic: str,
        counterparty: str,
        code: str,
        limit_minor: int,
        *,
        actor: str,
    ) -> None:
        if limit_minor < 0:
            raise RuleError("a bilateral limit is zero or more")
        uow.rules.store_bilateral_limit(bic, counterparty, code, limit_minor)
        uow.audit.record(
            actor,
            "settlement.bilateral_limit",
            bic,
            counterparty=counterparty,
            currency=code,
            limit_minor=limit_minor,
        )

    # ----------------------------------------------------------------- queries
    def mode(self, uow: RulesUnit, bic: str, code: str) -> Mode:
        return uow.rules.mode(bic, code)

    def net_debit_cap(self, uow: RulesUnit, bic: str, code: str) -> int:
        return uow.rules.net_debit_cap(bic, code)

    def bilateral_limit(self, uow: RulesUnit, bic: str, counterparty: str, code: str) -> int | None:
        return uow.rules.bilateral_limit(bic, counterparty, code)

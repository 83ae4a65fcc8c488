"""Settlement runs seen from the payments: the liquidity-saving mechanism over the RTGS queue,
and the close of a deferred-net window. Settlement (`settlement.engine`) works on obligations
and reports which settled and which were unwound; here those reports become payment states,
in the same unit of work as the settlement's transfers."""

from __future__ import annotations

from vostro.participants.model import AccountKind
from vostro.participants.registry import Registry
from vostro.payments import legs
from vostro.payments.lifecycle import Lifecycle
from vostro.payments.model import Payment, Reason, State
from vostro.payments.ports import UnitOfWork
from vostro.settlement import engine
from vostro.settlement.engine import SettlementReport

LSM_SETTLED = "settled simultaneously by the liquidity-saving mechanism"


class RegistryAccounts:
    """The accounts settlement posts to in one currency, from the participant registry."""

    def __init__(self, uow: UnitOfWork, registry: Registry, code: str) -> None:
        self.uow, self.registry, self.code = uow, registry, code
        operator = registry.operator(uow)
        self.clearing = operator.account(AccountKind.CLEARING, code)
        self.fees = operator.account(AccountKind.FEE, code)

    def paying(self, bic: str) -> int:
        return self.registry.get(self.uow, bic).paying_account(self.code)


class Settling:
    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle

    def run_lsm(self, uow: UnitOfWork, code: str, *, optimal: bool = False) -> SettlementReport:
        """Settle as many queued payments in `code` as can go together; report the run."""
        # outside the currency's open hours nothing settles: the run finds nothing to do
        queued = self._queued(uow, code) if self.lifecycle.in_hours(uow, code) else []
        accounts = RegistryAccounts(uow, self.lifecycle.registry, code)
        obligations = [legs.obligation(p, arrival) for p, arrival in queued]
        result = engine.run_lsm(uow, code, obligations, accounts, optimal=optimal)
        settled = set(result.settled)
        for p, _ in queued:
            if p.uetr in settled:
                self.lifecycle.move(uow, p, State.SETTLED, LSM_SETTLED)
        return result.report

    def close_window(self, uow: UnitOfWork, code: str) -> SettlementReport:
        """Close the currency's open window, net it, unwind who cannot pay, settle the rest."""
        accounts = RegistryAccounts(uow, self.lifecycle.registry, code)
        result = engine.close_window(uow, code, accounts)
        life = self.lifecycle
        for uetr, note in result.unwound:
            p = uow.payments.get(uetr)
            if p is not None and p.state is State.CLEARING:
                life.reject(uow, p, Reason.INSUFFICIENT_FUNDS, note)
        for uetr in result.settled:
            p = uow.payments.get(uetr)
            if p is not None and p.state is State.CLEARING:
                life.move(
                    uow, p, State.SETTLED, f"settled on net in window {result.report.window_id}"
                )
        return result.report

    def reports(
        self, uow: UnitOfWork, limit: int = 50, before: int | None = None
    ) -> list[SettlementReport]:
        return engine.reports(uow, limit, before)

    @staticmethod
    def _queued(uow: UnitOfWork, code: str) -> list[tuple[Payment, int]]:
        """The currency's queued payments in queue order, each with the time it queued."""
        found = []
        for entry in uow.queue.entries(code, limit=engine.LSM_PAYMENTS_MAX):
            p = uow.payments.get(entry.uetr)
            if p is not None and p.state is State.QUEUED and not p.cross_currency:
                found.append((p, entry.arrival))
        return found

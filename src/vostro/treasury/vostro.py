"""Rupee vostro balances, their sweep into treasury bills, and daily interest.

India's trade with Russia is badly imbalanced, so rupees pile up in Russian banks' Special Rupee
Vostro Accounts; RBI allows the surplus to be invested in government treasury bills and securities.
For each Russian bank with a vostro account the operator sets an operating threshold and the
yield earned: a sweep moves everything above the threshold from the vostro account into the
bank's investment account (T-bills are issued from the operator's treasury account), and redeems
investments back when the vostro balance falls below the threshold. Interest accrues daily on the
invested amount, actual/365, rounded half-to-even to the paisa, and is credited to the investment
account. Each day's vostro balance, invested amount and interest are kept for the report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Protocol

from vostro.errors import VostroError
from vostro.ledger.types import Transfer, linked_chain
from vostro.money import currency
from vostro.participants.model import AccountKind, Purpose
from vostro.participants.ports import ParticipantsUnit
from vostro.participants.registry import Registry

DAYS_PER_YEAR = 365  # actual/365 fixed, the Indian money-market convention for T-bills
INR = currency("INR").ledger


class TreasuryError(VostroError):
    """A treasury request that cannot be carried out."""


@dataclass(frozen=True, slots=True)
class VostroDay:
    bic: str
    day: date
    vostro_minor: int
    invested_minor: int
    interest_minor: int


@dataclass(frozen=True, slots=True)
class VostroSetting:
    bic: str
    threshold_minor: int  # the operating balance kept in the vostro account
    annual_yield: Decimal  # of the treasury bills the surplus is invested in


class TreasuryRepository(Protocol):
    def put_setting(self, setting: VostroSetting) -> None: ...

    def settings(self) -> list[VostroSetting]: ...

    def add_day(self, d: VostroDay) -> None: ...

    def days(self, bic: str | None = None, day: date | None = None) -> list[VostroDay]: ...


class TreasuryUnit(ParticipantsUnit, Protocol):
    treasury: TreasuryRepository


def daily_interest(invested_minor: int, annual_yield: Decimal, days: int = 1) -> int:
    """Interest on `invested_minor` for `days` days, actual/365, half-to-even to the minor unit."""
    if invested_minor <= 0 or days <= 0:
        return 0
    raw = Decimal(invested_minor) * annual_yield * days / DAYS_PER_YEAR
    return int(raw.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _transfer_id(bic: str, day: date, what: str) -> int:
    """Deterministic ids: running a day's sweep or accrual twice posts it once."""
    digest = hashlib.blake2b(f"vostro:{bic}:{day.isoformat()}:{what}".encode(), digest_size=16)
    return int.from_bytes(digest.digest(), "big") >> 1 | 1


class VostroTreasury:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def configure(
        self,
        uow: TreasuryUnit,
        bic: str,
        threshold_minor: int,
        annual_yield: Decimal,
        *,
        actor: str,
    ) -> None:
        participant = self.registry.get(uow, bic)
        if not participant.has_vostro():
            raise TreasuryError(f"{bic} has no rupee vostro account")
        if threshold_minor < 0 or not Decimal(0) <= annual_yield < 1:
            raise TreasuryError("the threshold is non-negative and the yield a fraction below 1")
        uow.treasury.put_setting(VostroSetting(participant.bic, threshold_minor, annual_yield))
        uow.audit.record(
            actor,
            "vostro.configure",
            participant.bic,
            threshold_minor=threshold_minor,
            annual_yield=str(annual_yield),
        )

    def balances(self, uow: TreasuryUnit, bic: str) -> tuple[int, int]:
        """(vostro balance, invested amount) in paise, posted."""
        p = self.registry.get(uow, bic)
        vostro, invested = uow.accounts.get(
            [p.account(AccountKind.VOSTRO, "INR"), p.account(AccountKind.INVESTMENT, "INR")]
        )
        return vostro.balance_posted, invested.balance_posted

    def close_day(self, uow: TreasuryUnit, day: date) -> list[VostroDay]:
        """Sweep every configured vostro account, accrue the day's interest, record the day."""
        return [self._close_day(uow, s, day) for s in uow.treasury.settings()]

    def _close_day(self, uow: TreasuryUnit, s: VostroSetting, day: date) -> VostroDay:
        closed = uow.treasury.days(s.bic, day)
        if closed:  # a day is closed once; running it again reports what was done
            return closed[0]
        p = self.registry.get(uow, s.bic)
        treasury = self.registry.operator(uow).account(AccountKind.TREASURY, "INR")
        vostro_acc = p.account(AccountKind.VOSTRO, "INR")
        invest_acc = p.account(AccountKind.INVESTMENT, "INR")
        vostro, invested = self.balances(uow, s.bic)
        transfers: list[Transfer] = []
        if vostro > s.threshold_minor:  # invest the surplus: vostro → treasury → investment
            amount = vostro - s.threshold_minor
            transfers += _pair(
                s.bic, day, "invest", vostro_acc, invest_acc, treasury, amount, Purpose.INVEST
            )
        elif vostro < s.threshold_minor and invested > 0:  # redeem what is needed
            amount = min(s.threshold_minor - vostro, invested)
            transfers += _pair(
                s.bic, day, "redeem", invest_acc, vostro_acc, treasury, amount, Purpose.REDEEM
            )
        if transfers:
            _post(uow, transfers)
        vostro, invested = self.balances(uow, s.bic)
        interest = daily_interest(invested, s.annual_yield)
        if interest:
            interest_id = _transfer_id(s.bic, day, "interest")
            _post(
                uow,
                [Transfer(interest_id, treasury, invest_acc, interest, INR, int(Purpose.INTEREST))],
            )
            invested += interest
        record = VostroDay(s.bic, day, vostro, invested, interest)
        uow.treasury.add_day(record)
        return record

    def report(
        self, uow: TreasuryUnit, bic: str | None = None, day: date | None = None
    ) -> list[VostroDay]:
        """Surplus, invested amount and interest per bank and day, oldest first."""
        return uow.treasury.days(bic, day)


def _pair(
    bic: str,
    day: date,
    what: str,
    source: int,
    target: int,
    treasury: int,
    amount: int,
    purpose: Purpose,
) -> list[Transfer]:
    """Money leaves `source` for the treasury and arrives in `target` from it, linked."""
    return linked_chain(
        [
            Transfer(
                _transfer_id(bic, day, what + ":out"), source, treasury, amount, INR, int(purpose)
            ),
            Transfer(
                _transfer_id(bic, day, what + ":in"), treasury, target, amount, INR, int(purpose)
            ),
        ]
    )


def _post(uow: TreasuryUnit, transfers: list[Transfer]) -> None:
    results = uow.ledger.create_transfers(transfers)
    if any(r not in ("ok", "exists") for r in results):
        raise TreasuryError(f"the ledger refused the treasury transfers: {results}")

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

import sqlalchemy as sa

from vostro import audit
from vostro.errors import VostroError
from vostro.ledger.types import Transfer, linked_chain
from vostro.ledger.writer import Ledger
from vostro.money import currency
from vostro.participants.model import AccountKind, Purpose
from vostro.participants.registry import Registry
from vostro.store.schema import vostro_days, vostro_settings

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
    def __init__(self, ledger: Ledger, registry: Registry) -> None:
        self.ledger = ledger
        self.registry = registry
        self.engine = ledger.store.engine

    def configure(
        self, bic: str, threshold_minor: int, annual_yield: Decimal, *, actor: str
    ) -> None:
        participant = self.registry.get(bic)
        if not participant.has_vostro():
            raise TreasuryError(f"{bic} has no rupee vostro account")
        if threshold_minor < 0 or not Decimal(0) <= annual_yield < 1:
            raise TreasuryError("the threshold is non-negative and the yield a fraction below 1")
        with self.engine.begin() as conn:
            conn.execute(vostro_settings.delete().where(vostro_settings.c.bic == participant.bic))
            conn.execute(
                vostro_settings.insert().values(
                    bic=participant.bic,
                    threshold_minor=threshold_minor,
                    annual_yield=str(annual_yield),
                )
            )
            audit.record(
                conn,
                actor,
                "vostro.configure",
                participant.bic,
                threshold_minor=threshold_minor,
                annual_yield=str(annual_yield),
            )

    def balances(self, bic: str) -> tuple[int, int]:
        """(vostro balance, invested amount) in paise, posted."""
        p = self.registry.get(bic)
        vostro, invested = self.ledger.store.get_accounts(
            [p.account(AccountKind.VOSTRO, "INR"), p.account(AccountKind.INVESTMENT, "INR")]
        )
        return vostro.balance_posted, invested.balance_posted

    def close_day(self, day: date) -> list[VostroDay]:
        """Sweep every configured vostro account, accrue the day's interest, record the day."""
        with self.engine.connect() as conn:
            settings = conn.execute(sa.select(vostro_settings)).all()
        return [
            self._close_day(s.bic, s.threshold_minor, Decimal(s.annual_yield), day)
            for s in settings
        ]

    def _close_day(self, bic: str, threshold: int, annual_yield: Decimal, day: date) -> VostroDay:
        closed = self.report(bic, day)
        if closed:  # a day is closed once; running it again reports what was done
            return closed[0]
        p = self.registry.get(bic)
        treasury = self.registry.operator().account(AccountKind.TREASURY, "INR")
        vostro_acc = p.account(AccountKind.VOSTRO, "INR")
        invest_acc = p.account(AccountKind.INVESTMENT, "INR")
        vostro, invested = self.balances(bic)
        transfers: list[Transfer] = []
        if vostro > threshold:  # invest the surplus: vostro → treasury, treasury → investment
            amount = vostro - threshold
            transfers += self._pair(
                bic, day, "invest", vostro_acc, invest_acc, treasury, amount, Purpose.INVEST
            )
        elif vostro < threshold and invested > 0:  # redeem what is needed, back to the vostro
            amount = min(threshold - vostro, invested)
            transfers += self._pair(
                bic, day, "redeem", invest_acc, vostro_acc, treasury, amount, Purpose.REDEEM
            )
        if transfers:
            self._post(transfers)
        vostro, invested = self.balances(bic)
        interest = daily_interest(invested, annual_yield)
        if interest:
            self._post(
                [
                    Transfer(
                        _transfer_id(bic, day, "interest"),
                        treasury,
                        invest_acc,
                        interest,
                        INR,
                        int(Purpose.INTEREST),
                    )
                ]
            )
            invested += interest
        record = VostroDay(bic, day, vostro, invested, interest)
        with self.engine.begin() as conn:
            conn.execute(
                vostro_days.insert().values(
                    bic=bic,
                    day=day,
                    vostro_minor=vostro,
                    invested_minor=invested,
                    interest_minor=interest,
                )
            )
        return record

    @staticmethod
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
                    _transfer_id(bic, day, what + ":out"),
                    source,
                    treasury,
                    amount,
                    INR,
                    int(purpose),
                ),
                Transfer(
                    _transfer_id(bic, day, what + ":in"),
                    treasury,
                    target,
                    amount,
                    INR,
                    int(purpose),
                ),
            ]
        )

    def _post(self, transfers: list[Transfer]) -> None:
        results = self.ledger.create_transfers(transfers)
        if any(r not in ("ok", "exists") for r in results):
            raise TreasuryError(f"the ledger refused the treasury transfers: {results}")

    def report(self, bic: str | None = None, day: date | None = None) -> list[VostroDay]:
        """Surplus, invested amount and interest per bank and day, oldest first."""
        query = sa.select(vostro_days).order_by(vostro_days.c.day, vostro_days.c.bic)
        if bic is not None:
            query = query.where(vostro_days.c.bic == bic)
        if day is not None:
            query = query.where(vostro_days.c.day == day)
        with self.engine.connect() as conn:
            return [
                VostroDay(r.bic, r.day, r.vostro_minor, r.invested_minor, r.interest_minor)
                for r in conn.execute(query)
            ]

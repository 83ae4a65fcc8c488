"""What a participant is, and how its ledger accounts are numbered.

Every participant has a number; its accounts' 128-bit ids are derived from it, the account kind
and the ledger (`number << 64 | kind << 32 | ledger`), so any component can name an account
without a lookup and ids never collide. A Russian bank's rupee balances live in its *vostro*
account held at a named Indian participant bank (RBI A.P. (DIR Series) Circular No. 10, 2022),
with an *investment* account beside it for surplus swept into treasury bills.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from vostro.money import currency

OPERATOR_NUMBER = 1


class Role(StrEnum):
    BANK = "bank"
    MTO = "mto"
    FX_PROVIDER = "fx_provider"
    OPERATOR = "operator"


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class AccountKind(IntEnum):
    """The ledger `code` of each kind of account (DESIGN.md §3)."""

    SETTLEMENT = 1
    VOSTRO = 2
    INVESTMENT = 4
    FEE = 5
    FUNDING = 7
    TREASURY = 8  # the issuer side of treasury bills: pays interest, redeems investments
    CLEARING = 9  # the operator's pass-through for simultaneous (LSM) and net settlement


class Purpose(IntEnum):
    """The ledger `code` of each kind of transfer."""

    FUND = 100
    DEFUND = 101
    PAYMENT = 110
    FX_LEG = 111
    FEE = 112
    RETURN = 113
    LSM_CREDIT = 114
    LSM_DEBIT = 115
    NET_DEBIT = 116
    NET_CREDIT = 117
    INVEST = 120
    REDEEM = 121
    INTEREST = 122


def account_id(number: int, kind: AccountKind, currency_code: str) -> int:
    return (number << 64) | (int(kind) << 32) | currency(currency_code).ledger


@dataclass(frozen=True, slots=True)
class Participant:
    bic: str
    number: int
    name: str
    country: str
    roles: frozenset[Role]
    currencies: tuple[str, ...]
    correspondent_bic: str | None  # the Indian bank holding its rupee vostro account
    status: Status

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE

    def has_vostro(self) -> bool:
        return self.correspondent_bic is not None

    def account(self, kind: AccountKind, currency_code: str) -> int:
        return account_id(self.number, kind, currency_code)

    def paying_account(self, currency_code: str) -> int:
        """Where this participant's money in `currency_code` sits: rupees of a bank with a
        vostro account live there; everything else in its settlement account."""
        if currency_code == "INR" and self.has_vostro():
            return self.account(AccountKind.VOSTRO, "INR")
        return self.account(AccountKind.SETTLEMENT, currency_code)

    def settles_in(self, currency_code: str) -> bool:
        return currency_code in self.currencies or (currency_code == "INR" and self.has_vostro())

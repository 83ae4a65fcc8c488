"""What settlement works on: an obligation to pay, whoever's payment it is.

Settlement (the RTGS queue's liquidity-saving mechanism, deferred net windows) never sees
payments: it settles obligations and reports which settled and which were unwound, and the
payment lifecycle turns that into payment states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Obligation:
    id: str  # the payment's UETR
    payer: str  # BIC
    payee: str  # BIC
    currency: str
    amount_minor: int
    fee_minor: int  # paid by the payer to the operator with it
    transfer_base: int  # the payment's 128-bit id; its low 16 bits are free for leg numbers
    arrival_ns: int  # since when it waits


class SettlementAccounts(Protocol):
    """The ledger accounts settlement posts to, in one currency."""

    clearing: int  # the operator's pass-through account
    fees: int  # the operator's fee income

    def paying(self, bic: str) -> int:
        """The participant's paying account."""

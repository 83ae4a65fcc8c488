"""What settlement settles: obligations, not payments.

An obligation is a payment as settlement sees it: its payer owes its payee an amount, and the
operator a fee, in one currency, since it arrived. Settlement chooses which obligations settle
and posts their transfers; the payment lifecycle (which made the obligations from its payments)
turns the result into payment states. `transfer_base` is the payment's 128-bit id, whose low 16
bits are free: settlement's transfers take their leg number there, so a replay of the same run
posts the same ids and the ledger finds them existing.

`SettlementAccounts` is where those transfers go in one currency: each participant's paying
account and the operator's clearing and fee accounts (the registry knows them; settlement does
not import it).
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
    amount_minor: int  # what the payee receives
    fee_minor: int  # what the operator receives, on top, from the payer
    transfer_base: int  # the payment's 128-bit id; its low 16 bits take the leg number
    arrival_ns: int  # since when it waits (the report's time in the queue)


class SettlementAccounts(Protocol):
    """The ledger accounts of one currency that settlement posts to."""

    def paying(self, bic: str) -> int:
        """The participant's paying account in the currency."""
        ...

    @property
    def clearing(self) -> int:
        """The operator's clearing account: every simultaneous or net chain passes through it."""
        ...

    @property
    def fees(self) -> int:
        """The operator's fee account."""
        ...

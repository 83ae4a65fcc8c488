"""What the ISO 20022 reports read: the ledger's committed journal, as a reader sees it (the
store implements it), and the payments its transfers belong to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from vostro.ledger.types import BATCH_EVENTS_MAX, Account, AccountBalance, Transfer

PAGE_LIMIT_MAX = BATCH_EVENTS_MAX  # journal rows read at a time: one batch's worth


class Journal(Protocol):
    def get_accounts(self, ids: Iterable[int]) -> list[Account]: ...

    def get_transfers(self, ids: Iterable[int]) -> list[Transfer]: ...

    def account_transfers(
        self,
        account_id: int,
        *,
        limit: int = 100,
        after_timestamp: int = 0,
        reverse: bool = False,
    ) -> list[Transfer]: ...

    def account_history(
        self,
        account_id: int,
        *,
        limit: int = 100,
        after_timestamp: int = 0,
        reverse: bool = False,
    ) -> list[AccountBalance]: ...

    def payment_refs(self, ids: set[int]) -> dict[int, tuple[str, str]]:
        """payment id → (end-to-end id, UETR) for the transfers that belong to a payment."""

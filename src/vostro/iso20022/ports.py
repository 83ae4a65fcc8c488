"""What the ISO 20022 parts need from storage: the ledger's committed journal as a reader sees it
(for statements), the payments its transfers belong to and who a statement goes to; and the log of
business messages received (a header's identifier is unique per sender). The store implements
both."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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

    def account_route(self, account_id: int) -> tuple[str, str] | None:
        """(operator's BIC, account holder's BIC): who a statement comes from and goes to."""


class MessageLog(Protocol):
    """The business messages received, by sender and business message identifier."""

    def seen(self, sender: str, business_message_id: str) -> bool: ...

    def add(self, sender: str, business_message_id: str, definition: str, at: int) -> None: ...


class MessagesUnit(Protocol):
    messages: MessageLog
    clock: Callable[[], int]

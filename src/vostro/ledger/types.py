"""The ledger's value types: accounts, transfers, their flags and result codes.

The model is TigerBeetle's (DESIGN.md §3). An *account* lives on one *ledger* (a currency; the
ledger number is the ISO 4217 numeric code) and carries four balances in minor units. A *transfer*
moves an amount from a debit account to a credit account on the same ledger. Ids are 128-bit
integers chosen by the client, which makes every request idempotent. Transfers may be *linked*
into chains that succeed or fail together, and may be two-phase: a `pending` transfer reserves
funds, a later `post_pending` (full or partial) or `void_pending` settles or releases them, and a
pending transfer with a timeout expires by itself.

Business failures are values: every event gets exactly one result code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import IntEnum, IntFlag, StrEnum

ID_MAX = 2**128 - 1  # reserved, as in TigerBeetle: the all-ones id is never valid
INT64_MAX = 2**63 - 1  # amounts, balances and user_data_64 are signed 64-bit in both stores
UINT32_MAX = 2**32 - 1
BATCH_EVENTS_MAX = 8189  # TigerBeetle's batch size: one message of 1 MiB holds 8,189 transfers
TIMEOUT_S_MAX = 2**31 - 1  # seconds; about 68 years


class AccountFlags(IntFlag):
    """Flags of an account (bit positions follow TigerBeetle)."""

    NONE = 0
    LINKED = 1 << 0
    DEBITS_MUST_NOT_EXCEED_CREDITS = 1 << 1
    CREDITS_MUST_NOT_EXCEED_DEBITS = 1 << 2
    CLOSED = 1 << 5


ACCOUNT_FLAGS_ALL = int(
    AccountFlags.LINKED
    | AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    | AccountFlags.CLOSED
)


class TransferFlags(IntFlag):
    """Flags of a transfer (bit positions follow TigerBeetle)."""

    NONE = 0
    LINKED = 1 << 0
    PENDING = 1 << 1
    POST_PENDING = 1 << 2
    VOID_PENDING = 1 << 3
    BALANCING_DEBIT = 1 << 4
    BALANCING_CREDIT = 1 << 5


TRANSFER_FLAGS_ALL = int(
    TransferFlags.LINKED
    | TransferFlags.PENDING
    | TransferFlags.POST_PENDING
    | TransferFlags.VOID_PENDING
    | TransferFlags.BALANCING_DEBIT
    | TransferFlags.BALANCING_CREDIT
)


class PendingStatus(IntEnum):
    """Where a pending transfer stands. Only `PENDING` counts in the pending balances."""

    PENDING = 1
    POSTED = 2
    VOIDED = 3
    EXPIRED = 4


class CreateAccountResult(StrEnum):
    """The result of one account in a `create_accounts` batch."""

    OK = "ok"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    ID_MUST_NOT_BE_INT_MAX = "id_must_not_be_int_max"
    ID_OUT_OF_RANGE = "id_out_of_range"
    FLAGS_ARE_UNKNOWN = "flags_are_unknown"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    USER_DATA_OUT_OF_RANGE = "user_data_out_of_range"
    LEDGER_MUST_NOT_BE_ZERO = "ledger_must_not_be_zero"
    LEDGER_NOT_A_CURRENCY = "ledger_not_a_currency"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    CODE_OUT_OF_RANGE = "code_out_of_range"
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    EXISTS = "exists"


class CreateTransferResult(StrEnum):
    """The result of one transfer in a `create_transfers` batch."""

    OK = "ok"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    ID_MUST_NOT_BE_INT_MAX = "id_must_not_be_int_max"
    ID_OUT_OF_RANGE = "id_out_of_range"
    FLAGS_ARE_UNKNOWN = "flags_are_unknown"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    USER_DATA_OUT_OF_RANGE = "user_data_out_of_range"
    DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "debit_account_id_must_not_be_zero"
    CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "credit_account_id_must_not_be_zero"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    PENDING_ID_MUST_BE_ZERO = "pending_id_must_be_zero"
    PENDING_ID_MUST_NOT_BE_ZERO = "pending_id_must_not_be_zero"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    TIMEOUT_OUT_OF_RANGE = "timeout_out_of_range"
    AMOUNT_MUST_NOT_BE_ZERO = "amount_must_not_be_zero"
    AMOUNT_MUST_NOT_BE_NEGATIVE = "amount_must_not_be_negative"
    AMOUNT_EXCEEDS_MAX = "amount_exceeds_max"
    AMOUNT_MUST_BE_AN_INTEGER = "amount_must_be_an_integer"
    LEDGER_MUST_NOT_BE_ZERO = "ledger_must_not_be_zero"
    LEDGER_OUT_OF_RANGE = "ledger_out_of_range"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    CODE_OUT_OF_RANGE = "code_out_of_range"
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER = "accounts_must_have_the_same_ledger"
    TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS = (
        "transfer_must_have_the_same_ledger_as_accounts"
    )
    DEBIT_ACCOUNT_CLOSED = "debit_account_closed"
    CREDIT_ACCOUNT_CLOSED = "credit_account_closed"
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID = (
        "pending_transfer_has_different_debit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID = (
        "pending_transfer_has_different_credit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_LEDGER = "pending_transfer_has_different_ledger"
    PENDING_TRANSFER_HAS_DIFFERENT_CODE = "pending_transfer_has_different_code"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    EXISTS = "exists"
    OVERFLOWS_DEBITS_PENDING = "overflows_debits_pending"
    OVERFLOWS_CREDITS_PENDING = "overflows_credits_pending"
    OVERFLOWS_DEBITS_POSTED = "overflows_debits_posted"
    OVERFLOWS_CREDITS_POSTED = "overflows_credits_posted"
    OVERFLOWS_DEBITS = "overflows_debits"
    OVERFLOWS_CREDITS = "overflows_credits"
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"


@dataclass(frozen=True, slots=True)
class Account:
    """An account as submitted (balances zero) or as stored (balances and timestamp set)."""

    id: int
    ledger: int
    code: int
    flags: int = 0
    user_data_128: int = 0
    user_data_64: int = 0
    user_data_32: int = 0
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0
    timestamp: int = 0

    @property
    def balance_posted(self) -> int:
        """Credits minus debits, posted only: what a credit-normal account holds."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What a `debits_must_not_exceed_credits` account may still send."""
        return self.credits_posted - self.debits_posted - self.debits_pending


@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer as submitted (timestamp 0) or as stored (timestamp set by the writer).

    `amount` on a `post_pending` transfer is the amount to post: 0 posts the whole pending amount,
    less posts part of it and releases the rest. On a `void_pending` transfer it is 0 or the pending
    amount. Accounts, ledger and code of a post or void may be 0, meaning "as the pending transfer".
    """

    id: int
    debit_account_id: int
    credit_account_id: int
    amount: int
    ledger: int
    code: int
    flags: int = 0
    pending_id: int = 0
    timeout_s: int = 0
    user_data_128: int = 0
    user_data_64: int = 0
    user_data_32: int = 0
    timestamp: int = 0


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """An account's posted balances right after one transfer: one line of its history."""

    transfer_id: int
    timestamp: int
    debits_posted: int
    credits_posted: int


def linked_chain(transfers: Sequence[Transfer]) -> list[Transfer]:
    """The transfers as one linked chain: `linked` on every one but the last, which closes it."""
    linked = int(TransferFlags.LINKED)
    last = len(transfers) - 1
    return [
        replace(t, flags=(t.flags | linked) if i < last else (t.flags & ~linked))
        for i, t in enumerate(transfers)
    ]

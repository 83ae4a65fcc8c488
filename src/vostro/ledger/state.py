"""The writer's in-memory view of the ledger, and the outcome of one batch.

The single writer owns all writes (DESIGN.md §3), so it can keep what validation needs in memory:
every account's ledger, flags and four balances (numpy arrays indexed by the account's `seq`), the
open pending transfers, the largest transfer id and the last timestamp. Processing a batch never
mutates this state; it produces an `Outcome` that the store commits in one transaction, and only
then does `LedgerState.apply` fold it in. If the commit fails, the writer reloads the state from
the database, so memory and disk cannot drift apart.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from vostro.errors import invariant
from vostro.ledger.types import AccountFlags, PendingStatus, Transfer

I64 = npt.NDArray[np.int64]
ACCOUNTS_CAPACITY_MIN = 1024


class BatchKind(IntEnum):
    """What a committed batch carried (stored in `ledger_batches.kind`)."""

    ACCOUNTS = 1
    TRANSFERS = 2
    EXPIRY = 3


@dataclass(frozen=True, slots=True)
class Pending:
    """An open two-phase reservation, as the writer needs it to post, void or expire it."""

    id: int
    timestamp: int
    debit_seq: int
    credit_seq: int
    amount: int
    ledger: int
    code: int
    expires_at: int  # ns; 0 means it never expires


@dataclass(frozen=True, slots=True)
class StoredTransfer:
    """A committed transfer fetched for an idempotency or pending-transfer check."""

    transfer: Transfer
    debit_seq: int
    credit_seq: int
    pending_status: PendingStatus | None  # None unless the transfer has the `pending` flag


@dataclass(slots=True)
class Outcome:
    """Everything one batch changes, ready to be committed in a single transaction."""

    kind: BatchKind
    batch: int
    first_timestamp: int
    last_timestamp: int
    results: list[Any]
    account_rows: Sequence[tuple[int, ...]] = field(default_factory=list)
    transfer_columns: dict[str, list[int]] | None = None
    # Accounts whose balances change, and their new (debits_pending, debits_posted,
    # credits_pending, credits_posted), one row per account.
    balance_seqs: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    balances: I64 = field(default_factory=lambda: np.zeros((0, 4), np.int64))
    pending_inserts: list[tuple[int, int, int, int]] = field(default_factory=list)
    pending_updates: list[tuple[int, int, int]] = field(default_factory=list)  # ts,status,at
    opened: list[Pending] = field(default_factory=list)
    closed_ids: list[int] = field(default_factory=list)
    max_transfer_id: int = 0

    @property
    def transfer_count(self) -> int:
        cols = self.transfer_columns
        return len(cols["timestamp"]) if cols else 0

    @property
    def changes_anything(self) -> bool:
        return bool(self.account_rows or self.transfer_count or self.pending_updates)


class LedgerState:
    """Committed ledger state held by the single writer."""

    def __init__(self) -> None:
        self.seq_by_id: dict[int, int] = {}
        self.account_ids: list[int] = [0]  # index = seq; seq 0 is never used
        capacity = ACCOUNTS_CAPACITY_MIN
        self.ledger: I64 = np.zeros(capacity, np.int64)
        self.flags: I64 = np.zeros(capacity, np.int64)
        self.dp: I64 = np.zeros(capacity, np.int64)
        self.dpo: I64 = np.zeros(capacity, np.int64)
        self.cp: I64 = np.zeros(capacity, np.int64)
        self.cpo: I64 = np.zeros(capacity, np.int64)
        self.pending: dict[int, Pending] = {}
        self.expiry_heap: list[tuple[int, int]] = []  # (expires_at, pending id), lazily cleaned
        self.max_transfer_id = 0
        self.last_timestamp = 0
        self.last_batch = 0

    @property
    def account_count(self) -> int:
        return len(self.account_ids) - 1

    def add_account(
        self, seq: int, account_id: int, ledger: int, flags: int, bal: tuple[int, ...]
    ) -> None:
        invariant(seq == len(self.account_ids), f"account seq {seq} is not the next one")
        self._ensure_capacity(seq + 1)
        self.seq_by_id[account_id] = seq
        self.account_ids.append(account_id)
        self.ledger[seq] = ledger
        self.flags[seq] = flags
        self.dp[seq], self.dpo[seq], self.cp[seq], self.cpo[seq] = bal

    def add_pending(self, pending: Pending) -> None:
        self.pending[pending.id] = pending
        if pending.expires_at:
            heapq.heappush(self.expiry_heap, (pending.expires_at, pending.id))

    def due_for_expiry(self, now: int) -> list[Pending]:
        """Open pending transfers whose timeout has passed at `now`, oldest first."""
        due: list[Pending] = []
        heap = self.expiry_heap
        while heap and heap[0][0] <= now:
            _, pending_id = heapq.heappop(heap)
            pending = self.pending.get(pending_id)
            if pending is not None:
                due.append(pending)
        return due

    def apply(self, outcome: Outcome) -> None:
        """Fold a committed outcome into memory."""
        for row in outcome.account_rows:
            seq, account_id, ledger, _code, flags = row[:5]
            self.add_account(seq, account_id, ledger, flags, (0, 0, 0, 0))
        if len(outcome.balance_seqs):
            seqs, values = outcome.balance_seqs, outcome.balances
            self.dp[seqs] = values[:, 0]
            self.dpo[seqs] = values[:, 1]
            self.cp[seqs] = values[:, 2]
            self.cpo[seqs] = values[:, 3]
        for pending_id in outcome.closed_ids:
            invariant(self.pending.pop(pending_id, None) is not None, "closed an unknown pending")
        for pending in outcome.opened:
            self.add_pending(pending)
        self.max_transfer_id = max(self.max_transfer_id, outcome.max_transfer_id)
        self.last_timestamp = max(self.last_timestamp, outcome.last_timestamp)
        self.last_batch = outcome.batch

    def _ensure_capacity(self, size: int) -> None:
        capacity = len(self.ledger)
        if size <= capacity:
            return
        while capacity < size:
            capacity *= 2
        for name in ("ledger", "flags", "dp", "dpo", "cp", "cpo"):
            grown = np.zeros(capacity, np.int64)
            old = getattr(self, name)
            grown[: len(old)] = old
            setattr(self, name, grown)


def limit_flags(flags: int) -> tuple[bool, bool]:
    """(debits limited by credits, credits limited by debits)."""
    return (
        bool(flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
        bool(flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
    )

"""The single writer: the only code that changes the ledger.

`Ledger` takes the store's writer lock, loads the committed state into memory, and turns each
batch of up to 8,189 events into one database transaction (group commit: throughput comes from
batching, not from row locks, so there are no deadlocks and replay is deterministic).

For every batch: prefetch the few committed rows it may refer to (ids that could already exist,
pending transfers it posts or voids), validate (numpy fast path, else the reference engine),
check the outcome's invariants, commit, and only then fold it into memory. A failed commit
reloads the state from the database; a broken invariant stops the writer for good.

Inside a unit of work (`begin_unit` … `end_unit`) a batch is written into the unit's open
transaction and folded into memory at once, so the next batch of the same command sees it; if
the unit rolls back instead of committing, the writer reloads its state from the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Self, TypeVar

import numpy as np

from vostro.errors import InvariantViolation, VostroError, invariant
from vostro.ledger.columns import TransferColumns
from vostro.ledger.engine import Engine, check_outcome
from vostro.ledger.fastpath import try_fast_transfers
from vostro.ledger.ports import LedgerStore
from vostro.ledger.state import I64, LedgerState, Outcome, StoredTransfer
from vostro.ledger.types import (
    BATCH_EVENTS_MAX,
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Transfer,
    TransferFlags,
)

T = TypeVar("T")
# Journal entries are added to the per-account index in sorted bulk, this many transfers at a time
# (eight full batches): large enough that each index page is written about once per flush, small
# enough that readers scan a short journal tail past the index mark.
INDEX_FLUSH_TRANSFERS = 65_536
_RESOLVES = int(TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
_DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)


class BatchTooLarge(VostroError, ValueError):
    """A batch holds more events than one transaction may carry."""


class WriterStopped(VostroError):
    """The writer stopped after a broken invariant and refuses further work."""


class Ledger:
    """The ledger's single writer. Use as a context manager, or call `close()`."""

    def __init__(self, store: LedgerStore, *, clock: Callable[[], int] = time.time_ns) -> None:
        self.store = store
        self.clock = clock
        self.session = store.open_writer()
        try:
            self.state: LedgerState = self.session.load_state()
        except BaseException:
            self.session.close()
            raise
        self.engine = Engine(self.state)
        self._load_unindexed()
        self.stopped: str | None = None
        self.batches_fast = 0
        self.batches_reference = 0
        self.last_outcome: Outcome | None = None
        self.in_unit = False
        self._unit_wrote = False  # a batch went into the open unit: a rollback must reload

    # --------------------------------------------------------------- commands

    def create_accounts(self, accounts: Sequence[Account]) -> list[CreateAccountResult]:
        self._check_batch(len(accounts))
        known = [a.id for a in accounts if _is_int(a.id) and a.id in self.state.seq_by_id]
        existing = self.session.fetch_accounts(known) if known else {}
        base = self.engine.next_base(self.clock(), len(accounts))
        outcome = self._guard(lambda: self.engine.create_accounts(accounts, base, existing))
        self._commit(outcome)
        return list(outcome.results)

    def create_transfers(
        self, transfers: Sequence[Transfer] | TransferColumns, *, new_ids: bool = False
    ) -> list[CreateTransferResult]:
        """Post a batch; returns one result per event, in order.

        `new_ids`: the caller made every id of the batch just now from a fresh time-ordered id
        with 64 random bits (a new payment's), so none can be committed already and the lookup of
        committed ids is skipped. The store's primary key still refuses a duplicate: the commit
        would fail and the writer reload, never post twice."""
        n = len(transfers)
        self._check_batch(n)
        if isinstance(transfers, TransferColumns):
            cols = transfers
            rows: Sequence[Transfer] | None = None
        else:
            cols = TransferColumns.from_transfers(transfers)
            rows = transfers
        base = self.engine.next_base(self.clock(), n)
        mark = self.state.max_transfer_id
        maybe = [] if new_ids else [i for i in cols.id if _is_int(i) and 0 < i <= mark]
        existing = self.session.fetch_transfers(maybe) if maybe else {}
        outcome = self._guard(
            lambda: try_fast_transfers(self.state, cols, base, may_exist=bool(existing))
        )
        if outcome is not None:
            fast = outcome
            fast.results = [CreateTransferResult.OK] * n
            self._guard(lambda: check_outcome(self.state, fast))
            self.batches_fast += 1
        else:
            events = rows if rows is not None else cols.to_transfers()
            existing.update(self._pending_targets(events, existing, set(cols.id)))
            outcome = self._guard(lambda: self.engine.create_transfers(events, base, existing))
            self.batches_reference += 1
        self._commit(outcome)
        return list(outcome.results)

    def expire_pending(self) -> int:
        """Release every pending transfer whose timeout has passed; returns how many."""
        self._check_batch(0)
        base = self.engine.next_base(self.clock(), 0)
        outcome = self._guard(lambda: self.engine.expire(base))
        self._commit(outcome)
        return len(outcome.pending_updates)

    # ---------------------------------------------------------- units of work

    def begin_unit(self) -> None:
        """From now on every batch goes into one open transaction, until `end_unit`."""
        invariant(not self.in_unit, "a unit of work is already open on the ledger writer")
        self.session.begin_unit()
        self.in_unit, self._unit_wrote = True, False

    def end_unit(self, commit: bool) -> None:
        """Commit the unit's transaction, or roll it back and forget what it wrote."""
        invariant(self.in_unit, "no unit of work is open on the ledger writer")
        wrote, self.in_unit, self._unit_wrote = self._unit_wrote, False, False
        try:
            self.session.end_unit(commit)
        except BaseException:
            if wrote:
                self._reload()
            raise
        if wrote and not commit:
            self._reload()

    # ------------------------------------------------------------------ reads

    def available(self, account_id: int) -> int:
        """What the account can still pay now: credits posted less debits posted and pending
        (0 for an account the ledger does not have). Read from memory: the writer's own view,
        uncommitted batches of the open unit included."""
        s = self.state
        seq = s.seq_by_id.get(account_id)
        if seq is None:
            return 0
        return int(s.cpo[seq]) - int(s.dpo[seq]) - int(s.dp[seq])

    def short(self, debits: Mapping[int, int]) -> bool:
        """Whether some account whose debits may not exceed its credits has less available now
        than `debits` (account id → amount) would take from it: a batch debiting that much from
        it would fail. False says nothing about other reasons to fail."""
        s = self.state
        for account_id, amount in debits.items():
            seq = s.seq_by_id.get(account_id)
            if (
                seq is not None
                and int(s.flags[seq]) & _DR_LIMIT
                and amount > self.available(account_id)
            ):
                return True
        return False

    # ----------------------------------------------------------------- checks

    def trial_balance(self) -> dict[int, tuple[int, int, int, int]]:
        """Per ledger: total (debits_pending, debits_posted, credits_pending, credits_posted),
        summed exactly from the in-memory balances."""
        s = self.state
        n = s.account_count + 1
        ledgers = s.ledger[1:n]
        totals = {}
        for ledger in np.unique(ledgers).tolist():
            mask = ledgers == ledger
            totals[ledger] = tuple(_exact_sum(arr[1:n][mask]) for arr in (s.dp, s.dpo, s.cp, s.cpo))
        return totals  # type: ignore[return-value]

    # --------------------------------------------------------------- internals

    def _pending_targets(
        self, events: Sequence[Transfer], fetched: Mapping[int, StoredTransfer], batch: set[object]
    ) -> dict[int, StoredTransfer]:
        """The committed pending transfers the batch posts or voids that memory does not hold
        (a pending transfer created in the batch itself is not committed: nothing to fetch)."""
        targets = [
            t.pending_id
            for t in events
            if _is_int(t.flags)
            and t.flags & _RESOLVES
            and _is_int(t.pending_id)
            and 0 < t.pending_id < 2**128
            and t.pending_id not in self.state.pending
            and t.pending_id not in fetched
            and t.pending_id not in batch
        ]
        return self.session.fetch_transfers(targets) if targets else {}

    def _check_batch(self, n: int) -> None:
        if self.stopped:
            raise WriterStopped(f"the ledger writer stopped: {self.stopped}")
        if n > BATCH_EVENTS_MAX:
            raise BatchTooLarge(
                f"a batch holds at most {BATCH_EVENTS_MAX:,} events, this one has {n:,}: "
                "split it (keeping linked chains whole)"
            )

    def _guard(self, step: Callable[[], T]) -> T:
        try:
            return step()
        except InvariantViolation as violation:
            self.stopped = str(violation)
            raise

    def _commit(self, outcome: Outcome) -> None:
        if not outcome.changes_anything:
            return
        if self.in_unit:
            self._unit_wrote = True  # even a failed write: the unit's rollback reloads
        try:
            self.session.commit(outcome)
        except BaseException:
            if not self.in_unit:  # inside a unit the transaction is broken: reload at rollback
                self._reload()
            raise
        self.state.apply(outcome)
        self.last_outcome = outcome
        self._buffer_entries(outcome)
        self._guard(lambda: self._check_books(outcome.batch))

    def _check_books(self, batch: int) -> None:
        """After every commit, the whole book: each ledger's debits equal its credits."""
        for ledger, (dp, dpo, cp, cpo) in self.trial_balance().items():
            invariant(
                dp == cp and dpo == cpo,
                f"ledger {ledger} is out of balance after batch {batch}: "
                f"debits {dpo}/{dp} vs credits {cpo}/{cp} (posted/pending)",
            )

    def flush_index(self) -> None:
        """Add every buffered journal entry to the per-account index now."""
        if not self._unindexed_transfers:
            return
        seqs = np.concatenate(self._unindexed_seqs)
        timestamps = np.concatenate(self._unindexed_timestamps)
        upto = int(timestamps.max())
        if self.in_unit:
            self._unit_wrote = True
        self.session.write_account_entries(seqs, timestamps, upto)
        self._clear_unindexed()

    def _buffer_entries(self, outcome: Outcome) -> None:
        cols = outcome.transfer_columns
        n = outcome.transfer_count
        if not cols or not n:
            return
        timestamps = np.fromiter(cols["timestamp"], np.int64, n)
        self._unindexed_seqs += [
            np.fromiter(cols["debit_account_seq"], np.int64, n),
            np.fromiter(cols["credit_account_seq"], np.int64, n),
        ]
        self._unindexed_timestamps += [timestamps, timestamps]
        self._unindexed_transfers += n
        if self._unindexed_transfers >= INDEX_FLUSH_TRANSFERS:
            self.flush_index()

    def _load_unindexed(self) -> None:
        """After a restart or a crash: what the index mark says is not yet indexed."""
        _upto, seqs, timestamps = self.session.load_unindexed()
        self._clear_unindexed()
        if len(seqs):
            self._unindexed_seqs.append(seqs)
            self._unindexed_timestamps.append(timestamps)
            self._unindexed_transfers = len(seqs) // 2

    def _clear_unindexed(self) -> None:
        self._unindexed_seqs: list[I64] = []
        self._unindexed_timestamps: list[I64] = []
        self._unindexed_transfers = 0

    def _reload(self) -> None:
        self.state = self.session.load_state()
        self.engine = Engine(self.state)
        self._load_unindexed()

    def close(self) -> None:
        try:
            if not self.stopped:
                self.flush_index()
        finally:
            self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _exact_sum(values: I64) -> int:
    """Exact sum of non-negative int64s: high and low 32-bit halves summed separately."""
    return (int((values >> 32).sum()) << 32) + int((values & 0xFFFFFFFF).sum())

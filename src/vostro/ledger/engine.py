"""The ledger's state machine: one batch of events in, one result per event and an `Outcome` out.

This module is the reference semantics (TigerBeetle's, DESIGN.md §3), processed one event at a
time in Python integers, so nothing can overflow silently. `fastpath.py` validates plain transfer
batches with numpy and must agree with this module exactly; whenever a batch needs anything the
fast path does not model (flags, pending ids, a failing event), it comes here.

Events of a batch see the effects of the events before them. A `linked` chain is applied
tentatively and undone if any of its events fails; the failing event keeps its own code and the
others get `linked_event_failed`. A chain still open at the end of the batch fails: its last event
gets `linked_event_chain_open`. Retrying a committed chain whole returns `exists` for each event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from vostro.errors import UnknownCurrency, invariant
from vostro.ledger.state import BatchKind, LedgerState, Outcome, Pending, StoredTransfer
from vostro.ledger.types import (
    ACCOUNT_FLAGS_ALL,
    ID_MAX,
    INT64_MAX,
    TIMEOUT_S_MAX,
    TRANSFER_FLAGS_ALL,
    UINT32_MAX,
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    PendingStatus,
    Transfer,
    TransferFlags,
)
from vostro.money import currency_by_ledger
from vostro.units import NS_PER_S

R = CreateTransferResult
A = CreateAccountResult
CODE_MAX = 65535  # TigerBeetle's `code` is a u16

_DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CR_LIMIT = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
_CLOSED = int(AccountFlags.CLOSED)
_LINKED = int(TransferFlags.LINKED)
_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING)
_VOID = int(TransferFlags.VOID_PENDING)
_BAL_DR = int(TransferFlags.BALANCING_DEBIT)
_BAL_CR = int(TransferFlags.BALANCING_CREDIT)

# Journal row layout (matches store.schema.TRANSFER_COLUMNS).
TRANSFER_FIELDS = (
    "timestamp",
    "id",
    "debit_account_seq",
    "credit_account_seq",
    "amount",
    "pending_id",
    "ledger",
    "code",
    "flags",
    "timeout_s",
    "user_data_128",
    "user_data_64",
    "user_data_32",
    "debit_account_debits_posted",
    "debit_account_credits_posted",
    "credit_account_debits_posted",
    "credit_account_credits_posted",
)


def _id_error(value: Any, zero: Any, int_max: Any, out_of_range: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > ID_MAX:
        return out_of_range
    if value == 0:
        return zero
    if value == ID_MAX:
        return int_max
    return None


def _user_data_ok(ud128: Any, ud64: Any, ud32: Any) -> bool:
    return (
        _is_int(ud128)
        and 0 <= ud128 <= ID_MAX
        and _is_int(ud64)
        and 0 <= ud64 <= INT64_MAX
        and _is_int(ud32)
        and 0 <= ud32 <= UINT32_MAX
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_currency_ledger(ledger: int) -> bool:
    try:
        currency_by_ledger(ledger)
    except UnknownCurrency:
        return False
    return True


class _Batch:
    """Working copy of the state touched by one batch (an overlay on `LedgerState`)."""

    def __init__(self, state: LedgerState, base_timestamp: int) -> None:
        self.state = state
        self.base = base_timestamp
        self.balances: dict[int, list[int]] = {}
        self.opened: dict[int, Pending] = {}  # pending transfers created in this batch
        self.resolved: dict[int, tuple[PendingStatus, int]] = {}  # pending id -> (status, ts)
        self.created: dict[int, StoredTransfer] = {}  # transfers created in this batch
        self.rows: list[tuple[int, ...]] = []
        self.pending_inserts: list[tuple[int, int, int, int]] = []
        self.pending_updates: list[tuple[int, int, int]] = []
        # Undo log of the open linked chain: restores balances, pendings and ids on failure.
        self.chain_undo: list[Callable[[], None]] = []

    def balance(self, seq: int) -> list[int]:
        bal = self.balances.get(seq)
        if bal is None:
            s = self.state
            bal = [int(s.dp[seq]), int(s.dpo[seq]), int(s.cp[seq]), int(s.cpo[seq])]
            self.balances[seq] = bal
        return bal

    def set_balance(self, seq: int, index: int, value: int) -> None:
        bal = self.balance(seq)
        old = bal[index]
        bal[index] = value
        self.chain_undo.append(lambda: bal.__setitem__(index, old))

    def remember(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        missing = key not in mapping
        old = mapping.get(key)
        mapping[key] = value
        if missing:
            self.chain_undo.append(lambda: mapping.pop(key))
        else:
            self.chain_undo.append(lambda: mapping.__setitem__(key, old))

    def append(self, items: list[Any], item: Any) -> None:
        items.append(item)
        self.chain_undo.append(items.pop)

    def rollback_chain(self) -> None:
        while self.chain_undo:
            self.chain_undo.pop()()


def _run_linked(
    events: Sequence[Any],
    base: int,
    batch: _Batch,
    apply_one: Callable[[Any, int], Any],
    codes: tuple[Any, Any, Any, Any],
) -> list[Any]:
    """Run events in order with linked-chain semantics; one result per event.

    `codes` are the batch kind's (ok, exists, linked_event_failed, linked_event_chain_open).
    `exists` is neutral so that a chain can be retried: a chain whose events all exist reports
    `exists` for each. A chain mixing existing and new events is not the chain that was committed,
    so its new events fail with `linked_event_failed` and nothing is applied.
    """
    ok, exists, failed, chain_open = codes
    results: list[Any] = [ok] * len(events)
    chain_start = -1
    index = 0
    while index < len(events):
        linked = _is_linked(events[index])
        if chain_start < 0:
            chain_start = index
            batch.chain_undo.clear()
        if linked and index == len(events) - 1:
            result = chain_open
        else:
            result = apply_one(events[index], base + index)
        results[index] = result
        index += 1
        if result is ok or result is exists:
            if not linked:
                chain = results[chain_start:index]
                if exists in chain and ok in chain:
                    batch.rollback_chain()
                    results[chain_start:index] = [exists if r is exists else failed for r in chain]
                chain_start = -1
            continue
        batch.rollback_chain()
        results[chain_start : index - 1] = [failed] * (index - 1 - chain_start)
        while linked and index < len(events):  # the rest of the chain fails with it
            results[index] = failed
            linked = _is_linked(events[index])
            index += 1
        chain_start = -1
    return results


def _is_linked(event: Any) -> bool:
    return _is_int(event.flags) and bool(event.flags & _LINKED)


class Engine:
    """Validates and applies batches against a `LedgerState`, producing `Outcome`s."""

    def __init__(self, state: LedgerState) -> None:
        self.state = state

    def next_base(self, now_ns: int, events: int) -> int:
        """First timestamp of the next batch: now, but strictly after everything committed."""
        del events
        return max(now_ns, self.state.last_timestamp + 1)

    # ----------------------------------------------------------------- accounts

    def create_accounts(
        self, accounts: Sequence[Account], base: int, existing: Mapping[int, Account]
    ) -> Outcome:
        """Open accounts; `existing` holds the committed accounts whose ids are in the batch."""
        state = self.state
        batch = _Batch(state, base)
        created: dict[int, Account] = {}
        opened: list[Account] = []

        def apply_one(account: Account, timestamp: int) -> CreateAccountResult:
            error = _id_error(
                account.id, A.ID_MUST_NOT_BE_ZERO, A.ID_MUST_NOT_BE_INT_MAX, A.ID_OUT_OF_RANGE
            )
            if error is not None:
                return error  # type: ignore[no-any-return]
            previous = existing.get(account.id) or created.get(account.id)
            if previous is not None:
                same = _same_account(account, previous)
                return A.EXISTS if same else A.EXISTS_WITH_DIFFERENT_FIELDS
            error = _validate_account(account)
            if error is not None:
                return error
            stored = replace(account, timestamp=timestamp)
            batch.remember(created, account.id, stored)
            batch.append(opened, stored)
            return A.OK

        codes = (A.OK, A.EXISTS, A.LINKED_EVENT_FAILED, A.LINKED_EVENT_CHAIN_OPEN)
        results = _run_linked(accounts, base, batch, apply_one, codes)
        first_seq = state.account_count + 1
        rows = [
            (
                first_seq + i,
                a.id,
                a.ledger,
                a.code,
                a.flags,
                a.user_data_128,
                a.user_data_64,
                a.user_data_32,
                0,
                0,
                0,
                0,
                a.timestamp,
            )
            for i, a in enumerate(opened)
        ]
        return Outcome(
            kind=BatchKind.ACCOUNTS,
            batch=state.last_batch + 1,
            first_timestamp=base,
            last_timestamp=base + max(len(accounts) - 1, 0),
            results=results,
            account_rows=rows,
        )

    # ---------------------------------------------------------------- transfers

    def create_transfers(
        self, transfers: Sequence[Transfer], base: int, existing: Mapping[int, StoredTransfer]
    ) -> Outcome:
        """Process transfers one by one (the reference path); `existing` holds every committed
        transfer whose id is in the batch or named as a `pending_id` in it."""
        batch = _Batch(self.state, base)
        self._expire(batch, base)
        apply_one = _TransferRules(batch, existing).apply
        codes = (R.OK, R.EXISTS, R.LINKED_EVENT_FAILED, R.LINKED_EVENT_CHAIN_OPEN)
        results = _run_linked(transfers, base, batch, apply_one, codes)
        return self._transfer_outcome(batch, results, len(transfers))

    def expire(self, base: int) -> Outcome:
        """An expiry tick: release every pending transfer whose timeout has passed."""
        batch = _Batch(self.state, base)
        self._expire(batch, base)
        outcome = self._transfer_outcome(batch, [], 0)
        outcome.kind = BatchKind.EXPIRY
        return outcome

    def _expire(self, batch: _Batch, now: int) -> None:
        for pending in self.state.due_for_expiry(now):
            dr = batch.balance(pending.debit_seq)
            cr = batch.balance(pending.credit_seq)
            dr[0] -= pending.amount
            cr[2] -= pending.amount
            batch.resolved[pending.id] = (PendingStatus.EXPIRED, now)
            batch.pending_updates.append((pending.timestamp, PendingStatus.EXPIRED, now))
        batch.chain_undo.clear()

    def _transfer_outcome(self, batch: _Batch, results: list[Any], events: int) -> Outcome:
        state = self.state
        opened = [p for pid, p in batch.opened.items() if pid not in batch.resolved]
        closed = [pid for pid in batch.resolved if pid not in batch.opened]
        by_column = zip(*batch.rows, strict=True) if batch.rows else ([] for _ in TRANSFER_FIELDS)
        columns = {name: list(col) for name, col in zip(TRANSFER_FIELDS, by_column, strict=True)}
        max_id = max(columns["id"], default=0)
        seqs = np.fromiter(batch.balances, np.int64, len(batch.balances))
        try:
            balances = np.array(list(batch.balances.values()), np.int64).reshape(-1, 4)
        except OverflowError:
            invariant(False, "a balance would leave the 64-bit range")
        outcome = Outcome(
            kind=BatchKind.TRANSFERS,
            batch=state.last_batch + 1,
            first_timestamp=batch.base,
            last_timestamp=batch.base + max(events - 1, 0),
            results=results,
            transfer_columns=columns,
            balance_seqs=seqs,
            balances=balances,
            pending_inserts=batch.pending_inserts,
            pending_updates=batch.pending_updates,
            opened=opened,
            closed_ids=closed,
            max_transfer_id=max_id,
        )
        check_outcome(state, outcome)
        return outcome


class _TransferRules:
    """The checks and effects of one transfer, in TigerBeetle's order."""

    def __init__(self, batch: _Batch, existing: Mapping[int, StoredTransfer]) -> None:
        self.batch = batch
        self.state = batch.state
        self.existing = existing

    def apply(self, t: Transfer, timestamp: int) -> CreateTransferResult:
        error = _id_error(t.id, R.ID_MUST_NOT_BE_ZERO, R.ID_MUST_NOT_BE_INT_MAX, R.ID_OUT_OF_RANGE)
        if error is not None:
            return error  # type: ignore[no-any-return]
        previous = self.batch.created.get(t.id) or self.existing.get(t.id)
        if previous is not None:
            return _compare_existing(t, previous)
        flags = t.flags
        if not _is_int(flags) or flags < 0 or flags & ~TRANSFER_FLAGS_ALL:
            return R.FLAGS_ARE_UNKNOWN
        two_phase = bool(flags & _PENDING) + bool(flags & _POST) + bool(flags & _VOID)
        if two_phase > 1 or (flags & (_POST | _VOID) and flags & (_BAL_DR | _BAL_CR)):
            return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if not _user_data_ok(t.user_data_128, t.user_data_64, t.user_data_32):
            return R.USER_DATA_OUT_OF_RANGE
        if not _is_int(t.timeout_s) or not 0 <= t.timeout_s <= TIMEOUT_S_MAX:
            return R.TIMEOUT_OUT_OF_RANGE
        for value in (t.debit_account_id, t.credit_account_id, t.pending_id):
            if not _is_int(value) or not 0 <= value < ID_MAX:
                return R.ID_OUT_OF_RANGE
        if not _is_int(t.amount):
            return R.AMOUNT_MUST_BE_AN_INTEGER
        if not _is_int(t.ledger) or not 0 <= t.ledger <= UINT32_MAX:
            return R.LEDGER_OUT_OF_RANGE
        if not _is_int(t.code) or not 0 <= t.code <= CODE_MAX:
            return R.CODE_OUT_OF_RANGE
        if flags & (_POST | _VOID):
            return self._resolve_pending(t, timestamp)
        return self._single_phase(t, timestamp)

    def _single_phase(self, t: Transfer, timestamp: int) -> CreateTransferResult:
        flags = t.flags
        shape_error = _single_phase_shape_error(t)
        if shape_error is not None:
            return shape_error
        state = self.state
        dseq = state.seq_by_id.get(t.debit_account_id)
        if dseq is None:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        cseq = state.seq_by_id.get(t.credit_account_id)
        if cseq is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        dledger, cledger = int(state.ledger[dseq]), int(state.ledger[cseq])
        if dledger != cledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if t.ledger != dledger:
            return R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        dflags, cflags = int(state.flags[dseq]), int(state.flags[cseq])
        if dflags & _CLOSED:
            return R.DEBIT_ACCOUNT_CLOSED
        if cflags & _CLOSED:
            return R.CREDIT_ACCOUNT_CLOSED
        dr = self.batch.balance(dseq)
        cr = self.batch.balance(cseq)
        amount = t.amount
        if flags & _BAL_DR:
            amount = min(amount, max(dr[3] - dr[1] - dr[0], 0))
        if flags & _BAL_CR:
            amount = min(amount, max(cr[1] - cr[3] - cr[2], 0))
        pending = bool(flags & _PENDING)
        error = _overflow_error(dr, cr, amount, pending)
        if error is not None:
            return error
        if amount == 0 or (dflags & _DR_LIMIT and dr[0] + dr[1] + amount > dr[3]):
            return R.EXCEEDS_CREDITS
        if cflags & _CR_LIMIT and cr[2] + cr[3] + amount > cr[1]:
            return R.EXCEEDS_DEBITS
        batch = self.batch
        if pending:
            batch.set_balance(dseq, 0, dr[0] + amount)
            batch.set_balance(cseq, 2, cr[2] + amount)
            expires_at = timestamp + t.timeout_s * NS_PER_S if t.timeout_s else 0
            opened = Pending(t.id, timestamp, dseq, cseq, amount, t.ledger, t.code, expires_at)
            batch.remember(batch.opened, t.id, opened)
            batch.append(batch.pending_inserts, (timestamp, PendingStatus.PENDING, expires_at, 0))
        else:
            batch.set_balance(dseq, 1, dr[1] + amount)
            batch.set_balance(cseq, 3, cr[3] + amount)
        self._journal(t, timestamp, dseq, cseq, amount, t.ledger, t.code)
        return R.OK

    def _resolve_pending(self, t: Transfer, timestamp: int) -> CreateTransferResult:
        if t.pending_id == 0:
            return R.PENDING_ID_MUST_NOT_BE_ZERO
        if t.pending_id == t.id:
            return R.PENDING_ID_MUST_BE_DIFFERENT
        if t.timeout_s:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.amount < 0:
            return R.AMOUNT_MUST_NOT_BE_NEGATIVE
        if t.amount > INT64_MAX:
            return R.AMOUNT_EXCEEDS_MAX
        found = self._find_pending(t.pending_id)
        if found is None:
            return R.PENDING_TRANSFER_NOT_FOUND
        p, status = found
        if status is None:
            return R.PENDING_TRANSFER_NOT_PENDING
        state = self.state
        if t.debit_account_id and t.debit_account_id != state.account_ids[p.debit_seq]:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != state.account_ids[p.credit_seq]:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.ledger and t.ledger != p.ledger:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
        if t.code and t.code != p.code:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CODE
        post = bool(t.flags & _POST)
        amount = t.amount or p.amount
        if post and amount > p.amount:
            return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if not post and amount != p.amount:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        if status is PendingStatus.POSTED:
            return R.PENDING_TRANSFER_ALREADY_POSTED
        if status is PendingStatus.VOIDED:
            return R.PENDING_TRANSFER_ALREADY_VOIDED
        if status is PendingStatus.EXPIRED:
            return R.PENDING_TRANSFER_EXPIRED
        batch = self.batch
        dr = batch.balance(p.debit_seq)
        cr = batch.balance(p.credit_seq)
        if post and dr[1] + amount > INT64_MAX:
            return R.OVERFLOWS_DEBITS_POSTED
        if post and cr[3] + amount > INT64_MAX:
            return R.OVERFLOWS_CREDITS_POSTED
        batch.set_balance(p.debit_seq, 0, dr[0] - p.amount)
        batch.set_balance(p.credit_seq, 2, cr[2] - p.amount)
        if post:
            batch.set_balance(p.debit_seq, 1, dr[1] + amount)
            batch.set_balance(p.credit_seq, 3, cr[3] + amount)
        new_status = PendingStatus.POSTED if post else PendingStatus.VOIDED
        batch.remember(batch.resolved, p.id, (new_status, timestamp))
        batch.append(batch.pending_updates, (p.timestamp, new_status, timestamp))
        self._journal(t, timestamp, p.debit_seq, p.credit_seq, amount, p.ledger, p.code)
        return R.OK

    def _find_pending(self, pending_id: int) -> tuple[Pending, PendingStatus | None] | None:
        batch = self.batch
        resolved = batch.resolved.get(pending_id)
        opened = batch.opened.get(pending_id) or self.state.pending.get(pending_id)
        if opened is not None:
            return opened, resolved[0] if resolved else PendingStatus.PENDING
        stored = batch.created.get(pending_id) or self.existing.get(pending_id)
        if stored is None:
            return None
        t = stored.transfer
        p = Pending(
            t.id, t.timestamp, stored.debit_seq, stored.credit_seq, t.amount, t.ledger, t.code, 0
        )
        return p, stored.pending_status

    def _journal(
        self,
        t: Transfer,
        timestamp: int,
        dseq: int,
        cseq: int,
        amount: int,
        ledger: int,
        code: int,
    ) -> None:
        batch = self.batch
        dr = batch.balance(dseq)
        cr = batch.balance(cseq)
        stored = Transfer(
            t.id,
            self.state.account_ids[dseq],
            self.state.account_ids[cseq],
            amount,
            ledger,
            code,
            t.flags,
            t.pending_id,
            t.timeout_s,
            t.user_data_128,
            t.user_data_64,
            t.user_data_32,
            timestamp,
        )
        status = PendingStatus.PENDING if t.flags & _PENDING else None
        batch.remember(batch.created, t.id, StoredTransfer(stored, dseq, cseq, status))
        row = (
            timestamp,
            t.id,
            dseq,
            cseq,
            amount,
            t.pending_id,
            ledger,
            code,
            t.flags,
            t.timeout_s,
            t.user_data_128,
            t.user_data_64,
            t.user_data_32,
            dr[1],
            dr[3],
            cr[1],
            cr[3],
        )
        batch.append(batch.rows, row)


def _amount_error(amount: int) -> CreateTransferResult | None:
    if amount < 0:
        return R.AMOUNT_MUST_NOT_BE_NEGATIVE
    if amount == 0:
        return R.AMOUNT_MUST_NOT_BE_ZERO
    if amount > INT64_MAX:
        return R.AMOUNT_EXCEEDS_MAX
    return None


def _overflow_error(
    dr: list[int], cr: list[int], amount: int, pending: bool
) -> CreateTransferResult | None:
    if pending and dr[0] + amount > INT64_MAX:
        return R.OVERFLOWS_DEBITS_PENDING
    if pending and cr[2] + amount > INT64_MAX:
        return R.OVERFLOWS_CREDITS_PENDING
    if not pending and dr[1] + amount > INT64_MAX:
        return R.OVERFLOWS_DEBITS_POSTED
    if not pending and cr[3] + amount > INT64_MAX:
        return R.OVERFLOWS_CREDITS_POSTED
    if dr[0] + dr[1] + amount > INT64_MAX:
        return R.OVERFLOWS_DEBITS
    if cr[2] + cr[3] + amount > INT64_MAX:
        return R.OVERFLOWS_CREDITS
    return None


def _compare_existing(t: Transfer, previous: StoredTransfer) -> CreateTransferResult:
    """`exists` if `t` repeats the stored transfer (zero meaning "as stored" where allowed)."""
    p = previous.transfer
    inherits = bool(_is_int(t.flags) and t.flags & (_POST | _VOID))
    same = (
        t.flags == p.flags
        and t.pending_id == p.pending_id
        and t.timeout_s == p.timeout_s
        and t.user_data_128 == p.user_data_128
        and t.user_data_64 == p.user_data_64
        and t.user_data_32 == p.user_data_32
        and _same_or_inherited(t.debit_account_id, p.debit_account_id, inherits)
        and _same_or_inherited(t.credit_account_id, p.credit_account_id, inherits)
        and _same_or_inherited(t.ledger, p.ledger, inherits)
        and _same_or_inherited(t.code, p.code, inherits)
        and (
            t.amount == p.amount
            or (inherits and t.amount == 0)
            or bool(_is_int(t.flags) and t.flags & (_BAL_DR | _BAL_CR) and t.amount >= p.amount)
        )
    )
    return R.EXISTS if same else R.EXISTS_WITH_DIFFERENT_FIELDS


def _same_or_inherited(submitted: int, stored: int, inherits: bool) -> bool:
    return submitted == stored or (inherits and submitted == 0)


def _validate_account(account: Account) -> CreateAccountResult | None:
    flags = account.flags
    if not _is_int(flags) or flags < 0 or flags & ~ACCOUNT_FLAGS_ALL:
        return A.FLAGS_ARE_UNKNOWN
    if flags & _DR_LIMIT and flags & _CR_LIMIT:
        return A.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if not _user_data_ok(account.user_data_128, account.user_data_64, account.user_data_32):
        return A.USER_DATA_OUT_OF_RANGE
    if not _is_int(account.ledger) or account.ledger == 0:
        return A.LEDGER_MUST_NOT_BE_ZERO
    if not _is_currency_ledger(account.ledger):
        return A.LEDGER_NOT_A_CURRENCY
    if not _is_int(account.code) or account.code == 0:
        return A.CODE_MUST_NOT_BE_ZERO
    if not 0 < account.code <= CODE_MAX:
        return A.CODE_OUT_OF_RANGE
    return None


def _same_account(a: Account, b: Account) -> bool:
    return (
        a.ledger,
        a.code,
        a.flags & ~int(AccountFlags.LINKED),
        a.user_data_128,
        a.user_data_64,
        a.user_data_32,
    ) == (
        b.ledger,
        b.code,
        b.flags & ~int(AccountFlags.LINKED),
        b.user_data_128,
        b.user_data_64,
        b.user_data_32,
    )


def check_outcome(state: LedgerState, outcome: Outcome) -> None:
    """Invariants every outcome must satisfy before it may be committed (checked twice: the
    rules above enforce them per event; this checks the resulting balances as a whole).

    Per ledger, the changes of debits and credits are equal, both pending and posted (summed as
    exact Python integers); no touched account goes negative, past 64 bits, or past its limit.
    """
    seqs, new = outcome.balance_seqs, outcome.balances
    if not len(seqs):
        return
    dp, dpo, cp, cpo = new[:, 0], new[:, 1], new[:, 2], new[:, 3]
    invariant(bool((new >= 0).all()), "a balance would become negative")
    invariant(
        bool((dp <= INT64_MAX - dpo).all() and (cp <= INT64_MAX - cpo).all()),
        "an account's debits or credits would overflow 64 bits",
    )
    flags = state.flags[seqs]
    broken_dr = ((flags & _DR_LIMIT) != 0) & (dp > cpo - dpo)
    broken_cr = ((flags & _CR_LIMIT) != 0) & (cp > dpo - cpo)
    invariant(not broken_dr.any(), f"debits would exceed credits on seqs {seqs[broken_dr][:5]}")
    invariant(not broken_cr.any(), f"credits would exceed debits on seqs {seqs[broken_cr][:5]}")
    old = np.column_stack([state.dp[seqs], state.dpo[seqs], state.cp[seqs], state.cpo[seqs]])
    delta = new - old  # both sides are in [0, 2**63), so the difference fits
    ledgers = state.ledger[seqs]
    for ledger in np.unique(ledgers).tolist():
        d = delta[ledgers == ledger]
        pending_dr, posted_dr, pending_cr, posted_cr = (sum(d[:, i].tolist()) for i in range(4))
        invariant(
            posted_dr == posted_cr,
            f"ledger {ledger}: posted debits and credits would differ by {posted_dr - posted_cr}",
        )
        invariant(
            pending_dr == pending_cr,
            f"ledger {ledger}: pending debits and credits would differ "
            f"by {pending_dr - pending_cr}",
        )


def _single_phase_shape_error(t: Transfer) -> CreateTransferResult | None:
    """What is wrong with a single-phase or pending transfer's own fields, if anything."""
    if t.debit_account_id == 0:
        return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
    if t.credit_account_id == 0:
        return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
    if t.debit_account_id == t.credit_account_id:
        return R.ACCOUNTS_MUST_BE_DIFFERENT
    if t.pending_id != 0:
        return R.PENDING_ID_MUST_BE_ZERO
    if t.timeout_s and not t.flags & _PENDING:
        return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
    if t.ledger == 0:
        return R.LEDGER_MUST_NOT_BE_ZERO
    if t.code == 0:
        return R.CODE_MUST_NOT_BE_ZERO
    return _amount_error(t.amount)

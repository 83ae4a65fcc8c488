"""Vectorised validation of plain transfer batches (numpy), equivalent to `engine.py`.

Most of a settlement system's load is plain transfers: no flags, no pending id, no timeout,
between existing accounts that can afford them. For such a batch the per-event checks are array
comparisons, and the sequential effect of the batch on each account is a running sum grouped by
account. The fast path proves in bulk that *no* event in the batch fails; if it cannot prove that
(any unusual field, any possible failure, any risk of 64-bit overflow), it returns `None` and the
caller falls back to the reference path, which then finds the precise result for each event.
So the fast path never decides a failure, and its outcome equals the reference path's.
"""

from __future__ import annotations

import numpy as np

from vostro.ledger.columns import TransferColumns
from vostro.ledger.state import I64, BatchKind, LedgerState, Outcome
from vostro.ledger.types import ID_MAX, INT64_MAX, UINT32_MAX, AccountFlags

CODE_MAX = 65535
_DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CR_LIMIT = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
_CLOSED = int(AccountFlags.CLOSED)


def _int64(values: list[int]) -> I64 | None:
    try:
        return np.fromiter(values, np.int64, len(values))
    except (OverflowError, TypeError, ValueError):
        return None


def try_fast_transfers(
    state: LedgerState, cols: TransferColumns, base: int, may_exist: bool
) -> Outcome | None:
    """The outcome of a batch in which every event succeeds, or `None` to use the reference path.

    `may_exist` is true when an id of the batch is already in the journal.
    """
    n = len(cols)
    if n == 0 or may_exist or any(cols.flags or ()) or any(cols.pending_id or ()):
        return None
    if any(cols.timeout_s or ()) or (state.pending and _expiry_due(state, base)):
        return None
    ids = cols.id
    if not _all_int(
        ids, cols.debit_account_id, cols.credit_account_id, cols.amount, cols.ledger, cols.code
    ):
        return None  # a float or bool would be coerced silently below; the reference path refuses
    if not _ids_ok(ids) or len(set(ids)) != n:
        return None
    if not _user_data_ok(cols):
        return None
    amount = _int64(cols.amount)
    ledger = _int64(cols.ledger)
    code = _int64(cols.code)
    if amount is None or ledger is None or code is None:
        return None
    if amount.min() <= 0 or ledger.min() <= 0 or ledger.max() > UINT32_MAX:
        return None
    if code.min() <= 0 or code.max() > CODE_MAX:
        return None
    seq_of = state.seq_by_id.get
    dseq = np.fromiter((seq_of(a, 0) for a in cols.debit_account_id), np.int64, n)
    cseq = np.fromiter((seq_of(a, 0) for a in cols.credit_account_id), np.int64, n)
    if not dseq.all() or not cseq.all() or (dseq == cseq).any():
        return None
    if (state.ledger[dseq] != ledger).any() or (state.ledger[cseq] != ledger).any():
        return None
    if ((state.flags[dseq] | state.flags[cseq]) & _CLOSED).any():
        return None
    # Every running sum below is bounded by n * max(amount); with that bound no int64 can wrap.
    bound = int(amount.max()) * n
    touched = np.concatenate([dseq, cseq])
    headroom = np.minimum(
        INT64_MAX - (state.dp[touched] + state.dpo[touched]),
        INT64_MAX - (state.cp[touched] + state.cpo[touched]),
    )
    if bound > INT64_MAX or bound > int(headroom.min()):
        return None
    return _post_in_bulk(state, cols, base, amount, ledger, code, dseq, cseq)


def _post_in_bulk(
    state: LedgerState,
    cols: TransferColumns,
    base: int,
    amount: I64,
    ledger: I64,
    code: I64,
    dseq: I64,
    cseq: I64,
) -> Outcome | None:
    n = len(cols)
    run = _running_balances(state, amount, dseq, cseq)
    if run is None:
        return None  # some limit would break: the reference path says which
    order, starts, acc, dpo_after, cpo_after = run
    position = np.empty(2 * n, np.int64)
    position[order] = np.arange(2 * n)
    dr_pos, cr_pos = position[:n], position[n:]
    ends = np.r_[starts[1:] - 1, 2 * n - 1]
    seqs = acc[starts]
    balances = np.column_stack([state.dp[seqs], dpo_after[ends], state.cp[seqs], cpo_after[ends]])
    zero_list = [0] * n
    columns = {
        "timestamp": (base + np.arange(n, dtype=np.int64)).tolist(),
        "id": cols.id,
        "debit_account_seq": dseq.tolist(),
        "credit_account_seq": cseq.tolist(),
        "amount": amount.tolist(),
        "pending_id": zero_list,
        "ledger": ledger.tolist(),
        "code": code.tolist(),
        "flags": zero_list,
        "timeout_s": zero_list,
        "user_data_128": cols.optional("user_data_128"),
        "user_data_64": cols.optional("user_data_64"),
        "user_data_32": cols.optional("user_data_32"),
        "debit_account_debits_posted": dpo_after[dr_pos].tolist(),
        "debit_account_credits_posted": cpo_after[dr_pos].tolist(),
        "credit_account_debits_posted": dpo_after[cr_pos].tolist(),
        "credit_account_credits_posted": cpo_after[cr_pos].tolist(),
    }
    return Outcome(
        kind=BatchKind.TRANSFERS,
        batch=state.last_batch + 1,
        first_timestamp=base,
        last_timestamp=base + n - 1,
        results=[],  # filled by the caller: every event is `ok`
        transfer_columns=columns,
        balance_seqs=seqs,
        balances=balances,
        max_transfer_id=max(cols.id),
    )


def _running_balances(
    state: LedgerState, amount: I64, dseq: I64, cseq: I64
) -> tuple[I64, I64, I64, I64, I64] | None:
    """Every account's posted balances after each of its entries, in (account, event) order:
    (order, start of each account's run, account of each entry, debits and credits posted
    after it); None if an account's balance limit would break on the way."""
    n = len(amount)
    zeros = np.zeros(n, np.int64)
    account = np.concatenate([dseq, cseq])  # entry j < n: debit side of event j; else credit
    event = np.concatenate([np.arange(n), np.arange(n)])
    debit = np.concatenate([amount, zeros])
    credit = np.concatenate([zeros, amount])
    order = np.lexsort((event, account))  # by account, then by event: each account's sequence
    acc = account[order]
    starts_mask = np.empty(2 * n, bool)
    starts_mask[0] = True
    np.not_equal(acc[1:], acc[:-1], out=starts_mask[1:])
    group = np.cumsum(starts_mask) - 1
    starts = np.flatnonzero(starts_mask)
    run_debit = np.cumsum(debit[order])
    run_credit = np.cumsum(credit[order])
    run_debit -= (run_debit - debit[order])[starts][group]
    run_credit -= (run_credit - credit[order])[starts][group]
    dpo_after = state.dpo[acc] + run_debit
    cpo_after = state.cpo[acc] + run_credit
    flags = state.flags[acc]
    limited_dr = (flags & _DR_LIMIT) != 0
    limited_cr = (flags & _CR_LIMIT) != 0
    if (limited_dr & (state.dp[acc] > cpo_after - dpo_after)).any():
        return None  # some debit would exceed credits
    if (limited_cr & (state.cp[acc] > dpo_after - cpo_after)).any():
        return None
    return order, starts, acc, dpo_after, cpo_after


def _all_int(*columns: list[int]) -> bool:
    return all(set(map(type, column)) <= {int} for column in columns)


def _ids_ok(ids: list[int]) -> bool:
    return min(ids) > 0 and max(ids) < ID_MAX


def _user_data_ok(cols: TransferColumns) -> bool:
    checks = (
        (cols.user_data_128, ID_MAX),
        (cols.user_data_64, INT64_MAX),
        (cols.user_data_32, UINT32_MAX),
    )
    for values, upper in checks:
        if values is None:
            continue
        if not _all_int(values) or min(values) < 0 or max(values) > upper:
            return False
    return True


def _expiry_due(state: LedgerState, now: int) -> bool:
    heap = state.expiry_heap
    return bool(heap) and heap[0][0] <= now

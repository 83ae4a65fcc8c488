"""The numpy fast path and the reference engine agree on every batch the fast path accepts."""

from __future__ import annotations

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.fakes import FakeStore
from vostro.ledger.columns import TransferColumns
from vostro.ledger.engine import Engine
from vostro.ledger.fastpath import try_fast_transfers
from vostro.ledger.types import Account, AccountFlags, Transfer
from vostro.ledger.writer import Ledger

INR, RUB = 356, 643
ACCOUNTS = 12


def funded_ledger(balances: list[int], flags: list[int]) -> Ledger:
    ledger = Ledger(FakeStore())  # type: ignore[arg-type]
    accounts = [Account(1, INR, 7), Account(2, RUB, 7)] + [
        Account(10 + i, INR if i % 3 else RUB, 1, flags=f) for i, f in enumerate(flags)
    ]
    assert all(r == "ok" for r in ledger.create_accounts(accounts))
    funding = [
        Transfer(1_000 + i, 1 if i % 3 else 2, 10 + i, b, INR if i % 3 else RUB, 9)
        for i, b in enumerate(balances)
        if b and not flags[i] & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    ]
    assert all(r == "ok" for r in ledger.create_transfers(funding))
    return ledger


INR_ACCOUNTS = [10 + i for i in range(ACCOUNTS) if i % 3]
RUB_ACCOUNTS = [10 + i for i in range(ACCOUNTS) if i % 3 == 0]


@st.composite
def plausible(draw: st.DrawFn) -> tuple[int, ...]:
    """A transfer between two accounts of one ledger: valid unless funds run out."""
    ledger = draw(st.sampled_from([INR, RUB]))
    group = INR_ACCOUNTS if ledger == INR else RUB_ACCOUNTS
    debit, credit = draw(st.permutations(group))[:2]
    return (draw(st.integers(1, 10**6)), debit, credit, draw(st.integers(1, 60)), ledger, 1)


anything = st.tuples(
    st.integers(1, 10**6),
    st.integers(9, 10 + ACCOUNTS),  # 9 is unknown
    st.integers(9, 10 + ACCOUNTS),
    st.integers(1, 300) | st.sampled_from([0, -3, 2**63]),
    st.sampled_from([INR, INR, RUB]),
    st.sampled_from([1, 1, 1, 0]),
)
transfer = st.one_of(plausible(), plausible(), plausible(), plausible(), plausible(), anything)


@settings(max_examples=300, deadline=None)
@given(
    balances=st.lists(st.integers(0, 120), min_size=ACCOUNTS, max_size=ACCOUNTS),
    flags=st.lists(
        st.sampled_from(
            [
                0,
                int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
                int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
            ]
        ),
        min_size=ACCOUNTS,
        max_size=ACCOUNTS,
    ),
    rows=st.lists(transfer, min_size=1, max_size=40)
    | st.lists(plausible(), min_size=1, max_size=40),
)
def test_fast_path_equals_the_reference_engine(balances, flags, rows):
    ledger = funded_ledger(balances, flags)
    transfers = [Transfer(*r) for r in rows]
    cols = TransferColumns.from_transfers(transfers)
    base = ledger.state.last_timestamp + 1
    fast = try_fast_transfers(ledger.state, cols, base, may_exist=False)
    reference = Engine(ledger.state).create_transfers(transfers, base, {})
    event("fast path took the batch" if fast is not None else "reference path only")
    if fast is None:
        return
    assert all(r == "ok" for r in reference.results)
    assert fast.transfer_columns == reference.transfer_columns
    fast_balances = dict(
        zip(fast.balance_seqs.tolist(), map(tuple, fast.balances.tolist()), strict=True)
    )
    ref_balances = dict(
        zip(reference.balance_seqs.tolist(), map(tuple, reference.balances.tolist()), strict=True)
    )
    assert fast_balances == ref_balances
    assert fast.max_transfer_id == reference.max_transfer_id


def test_fast_path_takes_a_plain_affordable_batch():
    ledger = funded_ledger([10**6] * ACCOUNTS, [0] * ACCOUNTS)
    rng = np.random.default_rng(3)
    transfers = [
        Transfer(
            5_000 + i,
            10 + a,
            10 + (a + 3) % ACCOUNTS,
            int(rng.integers(1, 100)),
            INR if a % 3 else RUB,
            1,
        )
        for i, a in enumerate(x for x in rng.integers(0, ACCOUNTS, 400) if x % 3 == (x + 3) % 3)
    ]
    ledger.create_transfers(transfers)
    assert ledger.batches_fast >= 1


def test_fast_path_defers_to_the_reference_at_the_exact_limit():
    ledger = funded_ledger(
        [100] + [0] * (ACCOUNTS - 1), [int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)] * ACCOUNTS
    )
    # Account 10 (RUB) holds 100: two debits of 50 fit exactly; one more paisa does not.
    exact = [Transfer(7_001, 10, 13, 50, RUB, 1), Transfer(7_002, 10, 13, 50, RUB, 1)]
    over = [*exact, Transfer(7_003, 10, 13, 1, RUB, 1)]
    base = ledger.state.last_timestamp + 1
    assert (
        try_fast_transfers(
            ledger.state, TransferColumns.from_transfers(exact), base, may_exist=False
        )
        is not None
    )
    assert (
        try_fast_transfers(
            ledger.state, TransferColumns.from_transfers(over), base, may_exist=False
        )
        is None
    )
    assert ledger.create_transfers(over) == ["ok", "ok", "exceeds_credits"]

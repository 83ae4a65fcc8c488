"""`Ledger.short` is a safe shortcut: when it says an account is short, a linked chain of
reservations debiting those amounts fails and changes nothing (so the queue may skip the attempt);
when the chain fails for want of credits, it said so."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes import FakeStore
from vostro.ledger.types import Account, AccountFlags, CreateTransferResult, Transfer, TransferFlags
from vostro.ledger.writer import Ledger

R = CreateTransferResult
INR = 356
FUNDING, BANK_A, BANK_B, BANK_C = 1, 2, 3, 4  # FUNDING may go below zero; the banks may not
LIMITED = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
PENDING, LINKED = int(TransferFlags.PENDING), int(TransferFlags.LINKED)

legs = st.lists(
    st.tuples(
        st.sampled_from([FUNDING, BANK_A, BANK_B, BANK_C]),
        st.sampled_from([FUNDING, BANK_A, BANK_B, BANK_C]),
        st.integers(1, 3_000),
    ).filter(lambda leg: leg[0] != leg[1]),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(funding=st.lists(st.integers(0, 4_000), min_size=3, max_size=3), chain=legs)
def test_short_means_the_reservation_fails(funding: list[int], chain: list[tuple[int, int, int]]):
    ledger = Ledger(FakeStore())  # type: ignore[arg-type]
    ledger.create_accounts(
        [Account(FUNDING, INR, 7)] + [Account(b, INR, 1, flags=LIMITED) for b in (2, 3, 4)]
    )
    for n, (bank, amount) in enumerate(zip((BANK_A, BANK_B, BANK_C), funding, strict=True)):
        if amount:
            assert ledger.create_transfers([Transfer(10 + n, FUNDING, bank, amount, INR, 1)]) == [
                R.OK
            ]
    debits: dict[int, int] = {}
    for debit, _, amount in chain:
        debits[debit] = debits.get(debit, 0) + amount
    said_short = ledger.short(debits)
    before = [ledger.available(a) for a in (BANK_A, BANK_B, BANK_C)]
    last = len(chain) - 1
    results = ledger.create_transfers(
        [
            Transfer(100 + i, d, c, amount, INR, 1, flags=PENDING | (LINKED if i < last else 0))
            for i, (d, c, amount) in enumerate(chain)
        ]
    )
    failed_for_credits = R.EXCEEDS_CREDITS in results
    assert said_short == failed_for_credits
    if said_short:
        assert [ledger.available(a) for a in (BANK_A, BANK_B, BANK_C)] == before

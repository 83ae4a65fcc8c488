"""The ledger's rules, one by one, through the writer on an in-memory fake store."""

from __future__ import annotations

import pytest

from tests.fakes import Clock, FakeStore
from vostro.errors import InvariantViolation
from vostro.ledger.columns import TransferColumns
from vostro.ledger.types import (
    ID_MAX,
    INT64_MAX,
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Transfer,
    TransferFlags,
)
from vostro.ledger.writer import BatchTooLarge, Ledger, WriterStopped

R = CreateTransferResult
A = CreateAccountResult
INR, RUB = 356, 643
LIMITED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
PENDING, POST, VOID = TransferFlags.PENDING, TransferFlags.POST_PENDING, TransferFlags.VOID_PENDING
LINKED = TransferFlags.LINKED

# Accounts: 1 funding (INR, no limit), 2 and 3 limited INR banks, 4 a RUB account, 5 a
# credits-limited INR account.
FUNDING, BANK_A, BANK_B, RUB_ACC, CREDIT_LIMITED = 1, 2, 3, 4, 5


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(clock: Clock) -> Ledger:
    ledger = Ledger(FakeStore(), clock=clock)  # type: ignore[arg-type]
    results = ledger.create_accounts(
        [
            Account(FUNDING, INR, 7),
            Account(BANK_A, INR, 1, flags=LIMITED),
            Account(BANK_B, INR, 1, flags=LIMITED),
            Account(RUB_ACC, RUB, 1),
            Account(CREDIT_LIMITED, INR, 1, flags=AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
        ]
    )
    assert results == [A.OK] * 5
    assert ledger.create_transfers([Transfer(100, FUNDING, BANK_A, 1_000_00, INR, 1)]) == [R.OK]
    return ledger


def balances(ledger: Ledger, account_id: int) -> tuple[int, int, int, int]:
    s = ledger.state
    seq = s.seq_by_id[account_id]
    return int(s.dp[seq]), int(s.dpo[seq]), int(s.cp[seq]), int(s.cpo[seq])


def snapshot(ledger: Ledger) -> tuple[object, ...]:
    return tuple(balances(ledger, a) for a in (FUNDING, BANK_A, BANK_B, RUB_ACC, CREDIT_LIMITED))


@pytest.mark.parametrize(
    ("transfer", "code"),
    [
        (Transfer(1, 99, BANK_B, 10, INR, 1), R.DEBIT_ACCOUNT_NOT_FOUND),
        (Transfer(1, BANK_A, 99, 10, INR, 1), R.CREDIT_ACCOUNT_NOT_FOUND),
        (Transfer(1, BANK_A, RUB_ACC, 10, INR, 1), R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER),
        (Transfer(1, BANK_A, BANK_B, 10, RUB, 1), R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS),
        (Transfer(1, BANK_A, BANK_B, 0, INR, 1), R.AMOUNT_MUST_NOT_BE_ZERO),
        (Transfer(1, BANK_A, BANK_B, -5, INR, 1), R.AMOUNT_MUST_NOT_BE_NEGATIVE),
        (Transfer(1, BANK_A, BANK_B, INT64_MAX + 1, INR, 1), R.AMOUNT_EXCEEDS_MAX),
        (Transfer(1, BANK_A, BANK_B, 2**64, INR, 1), R.AMOUNT_EXCEEDS_MAX),
        (Transfer(1, BANK_A, BANK_B, 1.5, INR, 1), R.AMOUNT_MUST_BE_AN_INTEGER),  # type: ignore[arg-type]
        (Transfer(0, BANK_A, BANK_B, 10, INR, 1), R.ID_MUST_NOT_BE_ZERO),
        (Transfer(ID_MAX, BANK_A, BANK_B, 10, INR, 1), R.ID_MUST_NOT_BE_INT_MAX),
        (Transfer(-1, BANK_A, BANK_B, 10, INR, 1), R.ID_OUT_OF_RANGE),
        (Transfer(2**128, BANK_A, BANK_B, 10, INR, 1), R.ID_OUT_OF_RANGE),
        (Transfer("7", BANK_A, BANK_B, 10, INR, 1), R.ID_OUT_OF_RANGE),  # type: ignore[arg-type]
        (Transfer(1, BANK_A, BANK_A, 10, INR, 1), R.ACCOUNTS_MUST_BE_DIFFERENT),
        (Transfer(1, 0, BANK_B, 10, INR, 1), R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO),
        (Transfer(1, BANK_A, 0, 10, INR, 1), R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO),
        (Transfer(1, BANK_A, BANK_B, 10, 0, 1), R.LEDGER_MUST_NOT_BE_ZERO),
        (Transfer(1, BANK_A, BANK_B, 10, INR, 0), R.CODE_MUST_NOT_BE_ZERO),
        (Transfer(1, BANK_A, BANK_B, 10, INR, 70000), R.CODE_OUT_OF_RANGE),
        (Transfer(1, BANK_A, BANK_B, 10, INR, 1, flags=1 << 12), R.FLAGS_ARE_UNKNOWN),
        (
            Transfer(1, BANK_A, BANK_B, 10, INR, 1, flags=PENDING | POST),
            R.FLAGS_ARE_MUTUALLY_EXCLUSIVE,
        ),
        (
            Transfer(1, BANK_A, BANK_B, 10, INR, 1, timeout_s=5),
            R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER,
        ),
        (Transfer(1, BANK_A, BANK_B, 10, INR, 1, pending_id=3), R.PENDING_ID_MUST_BE_ZERO),
        (Transfer(1, BANK_A, BANK_B, 10, INR, 1, user_data_64=-1), R.USER_DATA_OUT_OF_RANGE),
        (Transfer(1, BANK_A, BANK_B, 1_000_01, INR, 1), R.EXCEEDS_CREDITS),
        (Transfer(1, FUNDING, CREDIT_LIMITED, 10, INR, 1), R.EXCEEDS_DEBITS),
    ],
)
def test_bad_transfer_gets_its_specific_code_and_changes_nothing(ledger, transfer, code):
    before = snapshot(ledger)
    commits = len(ledger.session.commits)  # type: ignore[attr-defined]
    assert ledger.create_transfers([transfer]) == [code]
    assert snapshot(ledger) == before
    assert len(ledger.session.commits) == commits  # type: ignore[attr-defined]


def test_valid_transfer_moves_money_and_keeps_the_books_balanced(ledger):
    assert ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 400_00, INR, 1)]) == [R.OK]
    assert balances(ledger, BANK_A) == (0, 400_00, 0, 1_000_00)
    assert balances(ledger, BANK_B) == (0, 0, 0, 400_00)
    dp, dpo, cp, cpo = ledger.trial_balance()[INR]
    assert (dp, dpo) == (cp, cpo)


def test_same_id_same_body_is_exists_and_posts_once(ledger):
    t = Transfer(1, BANK_A, BANK_B, 10, INR, 1)
    assert ledger.create_transfers([t]) == [R.OK]
    assert ledger.create_transfers([t]) == [R.EXISTS]
    assert ledger.create_transfers([t, t]) == [R.EXISTS, R.EXISTS]
    assert balances(ledger, BANK_B) == (0, 0, 0, 10)


def test_same_id_different_body_is_refused(ledger):
    assert ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 10, INR, 1)]) == [R.OK]
    assert ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 11, INR, 1)]) == [
        R.EXISTS_WITH_DIFFERENT_FIELDS
    ]


def test_duplicate_id_inside_one_batch(ledger):
    batch = [
        Transfer(1, BANK_A, BANK_B, 10, INR, 1),
        Transfer(1, BANK_A, BANK_B, 10, INR, 1),
        Transfer(1, BANK_A, BANK_B, 12, INR, 1),
    ]
    assert ledger.create_transfers(batch) == [R.OK, R.EXISTS, R.EXISTS_WITH_DIFFERENT_FIELDS]
    assert balances(ledger, BANK_B)[3] == 10


def test_account_creation_is_idempotent_and_validated(ledger):
    assert ledger.create_accounts(
        [
            Account(BANK_A, INR, 1, flags=LIMITED),
            Account(BANK_A, INR, 2, flags=LIMITED),
            Account(50, 0, 1),
            Account(51, 999, 1),
            Account(52, INR, 0),
            Account(53, INR, 1, flags=LIMITED | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
            Account(0, INR, 1),
        ]
    ) == [
        A.EXISTS,
        A.EXISTS_WITH_DIFFERENT_FIELDS,
        A.LEDGER_MUST_NOT_BE_ZERO,
        A.LEDGER_NOT_A_CURRENCY,
        A.CODE_MUST_NOT_BE_ZERO,
        A.FLAGS_ARE_MUTUALLY_EXCLUSIVE,
        A.ID_MUST_NOT_BE_ZERO,
    ]


def test_linked_chain_succeeds_or_fails_together(ledger):
    ok_chain = [
        Transfer(1, BANK_A, BANK_B, 10, INR, 1, flags=LINKED),
        Transfer(2, BANK_B, FUNDING, 5, INR, 1),
    ]
    assert ledger.create_transfers(ok_chain) == [R.OK, R.OK]
    before = snapshot(ledger)
    bad_chain = [
        Transfer(3, BANK_A, BANK_B, 10, INR, 1, flags=LINKED),
        Transfer(4, BANK_B, FUNDING, 10**9, INR, 1, flags=LINKED),
        Transfer(5, BANK_A, BANK_B, 1, INR, 1),
        Transfer(6, BANK_A, BANK_B, 1, INR, 1),
    ]
    assert ledger.create_transfers(bad_chain) == [
        R.LINKED_EVENT_FAILED,
        R.EXCEEDS_CREDITS,
        R.LINKED_EVENT_FAILED,
        R.OK,
    ]
    a, b = before[1], before[2]
    assert balances(ledger, BANK_A) == (a[0], a[1] + 1, a[2], a[3])  # only transfer 6 applied
    assert balances(ledger, BANK_B)[3] == b[3] + 1


def test_chain_open_at_the_end_of_the_batch_fails(ledger):
    batch = [
        Transfer(1, BANK_A, BANK_B, 10, INR, 1, flags=LINKED),
        Transfer(2, BANK_A, BANK_B, 10, INR, 1, flags=LINKED),
    ]
    assert ledger.create_transfers(batch) == [R.LINKED_EVENT_FAILED, R.LINKED_EVENT_CHAIN_OPEN]
    assert balances(ledger, BANK_B) == (0, 0, 0, 0)


def test_retried_chain_reports_exists_for_each_event(ledger):
    chain = [
        Transfer(1, BANK_A, BANK_B, 10, INR, 1, flags=LINKED),
        Transfer(2, BANK_B, FUNDING, 5, INR, 1),
    ]
    assert ledger.create_transfers(chain) == [R.OK, R.OK]
    assert ledger.create_transfers(chain) == [R.EXISTS, R.EXISTS]
    mixed = [chain[0], Transfer(3, BANK_B, FUNDING, 1, INR, 1)]
    assert ledger.create_transfers(mixed) == [R.EXISTS, R.LINKED_EVENT_FAILED]
    assert ledger.create_transfers([Transfer(3, BANK_B, FUNDING, 1, INR, 1)]) == [R.OK]


def test_pending_then_full_post(ledger):
    assert ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 300, INR, 1, flags=PENDING)]) == [
        R.OK
    ]
    assert balances(ledger, BANK_A) == (300, 0, 0, 1_000_00)
    assert balances(ledger, BANK_B) == (0, 0, 300, 0)
    assert ledger.create_transfers([Transfer(2, 0, 0, 0, 0, 0, flags=POST, pending_id=1)]) == [R.OK]
    assert balances(ledger, BANK_A) == (0, 300, 0, 1_000_00)
    assert balances(ledger, BANK_B) == (0, 0, 0, 300)
    assert ledger.create_transfers([Transfer(3, 0, 0, 0, 0, 0, flags=POST, pending_id=1)]) == [
        R.PENDING_TRANSFER_ALREADY_POSTED
    ]
    assert ledger.create_transfers([Transfer(4, 0, 0, 0, 0, 0, flags=VOID, pending_id=1)]) == [
        R.PENDING_TRANSFER_ALREADY_POSTED
    ]


def test_partial_post_releases_the_rest(ledger):
    ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 300, INR, 1, flags=PENDING)])
    assert ledger.create_transfers([Transfer(2, 0, 0, 301, 0, 0, flags=POST, pending_id=1)]) == [
        R.EXCEEDS_PENDING_TRANSFER_AMOUNT
    ]
    assert ledger.create_transfers([Transfer(2, 0, 0, 120, 0, 0, flags=POST, pending_id=1)]) == [
        R.OK
    ]
    assert balances(ledger, BANK_A) == (0, 120, 0, 1_000_00)
    assert balances(ledger, BANK_B) == (0, 0, 0, 120)


def test_void_releases_the_reservation(ledger):
    ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 300, INR, 1, flags=PENDING)])
    assert ledger.create_transfers([Transfer(2, 0, 0, 299, 0, 0, flags=VOID, pending_id=1)]) == [
        R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
    ]
    assert ledger.create_transfers([Transfer(2, BANK_B, 0, 0, 0, 0, flags=VOID, pending_id=1)]) == [
        R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
    ]
    assert ledger.create_transfers([Transfer(2, 0, 0, 0, 0, 0, flags=VOID, pending_id=1)]) == [R.OK]
    assert balances(ledger, BANK_A) == (0, 0, 0, 1_000_00)
    assert ledger.create_transfers([Transfer(3, 0, 0, 0, 0, 0, flags=POST, pending_id=1)]) == [
        R.PENDING_TRANSFER_ALREADY_VOIDED
    ]


def test_posting_what_is_not_pending_is_refused(ledger):
    assert ledger.create_transfers([Transfer(2, 0, 0, 0, 0, 0, flags=POST, pending_id=100)]) == [
        R.PENDING_TRANSFER_NOT_PENDING
    ]
    assert ledger.create_transfers([Transfer(2, 0, 0, 0, 0, 0, flags=POST, pending_id=555)]) == [
        R.PENDING_TRANSFER_NOT_FOUND
    ]
    assert ledger.create_transfers([Transfer(2, 0, 0, 0, 0, 0, flags=POST)]) == [
        R.PENDING_ID_MUST_NOT_BE_ZERO
    ]


def test_reservation_counts_against_the_limit(ledger):
    ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 900_00, INR, 1, flags=PENDING)])
    assert ledger.create_transfers([Transfer(2, BANK_A, BANK_B, 100_01, INR, 1)]) == [
        R.EXCEEDS_CREDITS
    ]
    assert ledger.create_transfers([Transfer(2, BANK_A, BANK_B, 100_00, INR, 1)]) == [R.OK]


def test_timeout_expires_the_reservation(ledger, clock):
    ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 500, INR, 1, flags=PENDING, timeout_s=60)])
    clock.advance(59)
    assert ledger.expire_pending() == 0
    assert balances(ledger, BANK_A)[0] == 500
    clock.advance(2)
    assert ledger.create_transfers([Transfer(2, 0, 0, 0, 0, 0, flags=POST, pending_id=1)]) == [
        R.PENDING_TRANSFER_EXPIRED
    ]
    assert balances(ledger, BANK_A) == (0, 0, 0, 1_000_00)
    assert balances(ledger, BANK_B) == (0, 0, 0, 0)


def test_expiry_tick_releases_without_a_new_transfer(ledger, clock):
    ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 500, INR, 1, flags=PENDING, timeout_s=1)])
    clock.advance(5)
    assert ledger.expire_pending() == 1
    assert balances(ledger, BANK_A)[0] == 0
    assert ledger.expire_pending() == 0


def test_post_in_the_same_batch_as_its_reservation(ledger):
    assert ledger.create_transfers(
        [
            Transfer(1, BANK_A, BANK_B, 500, INR, 1, flags=PENDING),
            Transfer(2, 0, 0, 200, 0, 0, flags=POST, pending_id=1),
            Transfer(3, 0, 0, 0, 0, 0, flags=VOID, pending_id=1),
        ]
    ) == [R.OK, R.OK, R.PENDING_TRANSFER_ALREADY_POSTED]
    assert balances(ledger, BANK_B) == (0, 0, 0, 200)


def test_balancing_debit_moves_only_what_is_available(ledger):
    assert ledger.create_transfers(
        [Transfer(1, BANK_A, BANK_B, 10**12, INR, 1, flags=TransferFlags.BALANCING_DEBIT)]
    ) == [R.OK]
    assert balances(ledger, BANK_A) == (0, 1_000_00, 0, 1_000_00)
    assert balances(ledger, BANK_B)[3] == 1_000_00
    assert ledger.create_transfers(
        [Transfer(2, BANK_A, BANK_B, 5, INR, 1, flags=TransferFlags.BALANCING_DEBIT)]
    ) == [R.EXCEEDS_CREDITS]


def test_overflow_of_64_bits_is_refused(ledger):
    room = INT64_MAX - 1_000_00  # the funding account already sent 1,000.00
    assert ledger.create_transfers([Transfer(1, FUNDING, BANK_B, room, INR, 1)]) == [R.OK]
    assert ledger.create_transfers([Transfer(2, FUNDING, BANK_B, 1, INR, 1)]) == [
        R.OVERFLOWS_DEBITS_POSTED
    ]


def test_batch_larger_than_8189_is_refused_whole(ledger):
    with pytest.raises(BatchTooLarge, match="at most 8,189"):
        ledger.create_transfers([Transfer(i, BANK_A, BANK_B, 1, INR, 1) for i in range(1, 8191)])


def test_columns_and_objects_give_the_same_results(ledger):
    batch = [Transfer(i, BANK_A, BANK_B, 1, INR, 1) for i in range(1, 50)]
    batch.append(Transfer(60, BANK_A, 99, 1, INR, 1))
    assert ledger.create_transfers(TransferColumns.from_transfers(batch)) == [R.OK] * 49 + [
        R.CREDIT_ACCOUNT_NOT_FOUND
    ]
    assert balances(ledger, BANK_B)[3] == 49


def test_broken_invariant_stops_the_writer(ledger):
    # Simulate corruption: account B claims a debit limit it already breaks.
    seq = ledger.state.seq_by_id[BANK_B]
    ledger.state.flags[seq] = int(LIMITED)
    ledger.state.dpo[seq] = 5
    with pytest.raises(InvariantViolation):
        ledger.create_transfers([Transfer(1, BANK_A, BANK_B, 1, INR, 1)])
    with pytest.raises(WriterStopped, match="stopped"):
        ledger.create_transfers([Transfer(2, BANK_A, FUNDING, 1, INR, 1)])

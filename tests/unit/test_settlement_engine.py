"""The liquidity-saving mechanism and the close of a deferred-net window, on obligations, over
the in-memory ledger and repositories (no database)."""

from __future__ import annotations

import pytest

from tests.fakes import Clock, FakeStore, FakeUnitOfWork, FixedAccounts
from vostro.ledger.types import Account, AccountFlags, Transfer
from vostro.ledger.writer import Ledger
from vostro.money import currency
from vostro.participants.model import Purpose
from vostro.settlement import engine
from vostro.settlement.admission import admit
from vostro.settlement.engine import LEG_LSM_CREDIT, LEG_LSM_DEBIT, LEG_LSM_FEE
from vostro.settlement.obligations import Obligation
from vostro.settlement.queue import Priority, QueueEntry
from vostro.settlement.windows import WindowState

INR = "INR"
SBI, UCO, SBER = "SBININBB", "UCBAINBB", "SABRRUMM"
CENTRAL, CLEARING, FEES = 1, 2, 3
PAYING = {SBI: 11, UCO: 12, SBER: 13}
LEDGER = currency(INR).ledger


@pytest.fixture
def uow() -> FakeUnitOfWork:
    ledger = Ledger(FakeStore())
    limited = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    accounts = [Account(CENTRAL, LEDGER, 7), Account(CLEARING, LEDGER, 9), Account(FEES, LEDGER, 5)]
    accounts += [Account(i, LEDGER, 1, limited) for i in PAYING.values()]
    assert set(ledger.create_accounts(accounts)) == {"ok"}
    return FakeUnitOfWork(ledger, Clock())


ACCOUNTS = FixedAccounts(PAYING, CLEARING, FEES)


def fund(uow: FakeUnitOfWork, bic: str, amount_minor: int) -> None:
    transfer_id = 900 + len(uow.ledger.state.seq_by_id) + amount_minor
    funding = Transfer(transfer_id, CENTRAL, PAYING[bic], amount_minor, LEDGER, int(Purpose.FUND))
    assert uow.ledger.create_transfers([funding]) == ["ok"]


def balance(uow: FakeUnitOfWork, account_id: int) -> int:
    return uow.ledger.available(account_id)


def owe(
    uow: FakeUnitOfWork, n: int, payer: str, payee: str, amount: int, fee: int = 0
) -> Obligation:
    """An obligation that arrived `n` seconds after the clock's start, queued in order."""
    clock = uow.clock
    assert isinstance(clock, Clock)
    arrival = clock.now + n * 10**9
    o = Obligation(f"uetr-{n}", payer, payee, INR, amount, fee, n << 16, arrival)
    uow.queue.add(QueueEntry(o.id, payer, INR, Priority.NORMAL, arrival, arrival + 3600 * 10**9))
    return o


def test_a_textbook_gridlock_of_three_banks_settles_all_at_once_through_clearing(uow) -> None:
    cycle = [owe(uow, 1, SBI, UCO, 100_00), owe(uow, 2, UCO, SBER, 100_00)]
    cycle.append(owe(uow, 3, SBER, SBI, 100_00))
    uow.clock.advance(10)
    result = engine.run_lsm(uow, INR, cycle, ACCOUNTS)
    assert result.settled == ["uetr-1", "uetr-2", "uetr-3"]
    report = result.report
    assert (report.settled, report.gross_minor, report.net_minor) == (3, 300_00, 0)
    assert (report.saved_minor, report.saved_pct, report.still_queued) == (300_00, "100.00", 0)
    assert uow.queue.entries(INR) == []
    assert balance(uow, CLEARING) == 0 and all(balance(uow, a) == 0 for a in PAYING.values())
    assert uow.runs.latest() == [report]


def test_lsm_transfers_carry_the_obligation_s_base_and_leg_numbers_credits_first(uow) -> None:
    fund(uow, SBI, 10_00)
    o = owe(uow, 5, SBI, UCO, 90_00, fee=10_00)
    fund(uow, SBI, 90_00)
    engine.run_lsm(uow, INR, [o], ACCOUNTS)
    posted = {t.transfer.id: t.transfer for t in uow.ledger.store.session.transfers.values()}
    credit, debit, fee = (posted[o.transfer_base | leg] for leg in (0x40, 0x41, 0x42))
    assert (LEG_LSM_CREDIT, LEG_LSM_DEBIT, LEG_LSM_FEE) == (0x40, 0x41, 0x42)
    assert (credit.debit_account_id, credit.credit_account_id) == (CLEARING, PAYING[UCO])
    assert (debit.debit_account_id, debit.credit_account_id) == (PAYING[SBI], CLEARING)
    assert (fee.debit_account_id, fee.credit_account_id, fee.amount) == (PAYING[SBI], FEES, 10_00)
    assert credit.code == Purpose.LSM_CREDIT and credit.user_data_128 == o.transfer_base
    assert credit.timestamp < debit.timestamp < fee.timestamp
    assert balance(uow, FEES) == 10_00 and balance(uow, PAYING[UCO]) == 90_00


@pytest.mark.parametrize("optimal", [False, True])
def test_a_partial_gridlock_releases_the_cycle_and_leaves_the_unfundable_one_queued(
    uow, optimal
) -> None:
    fund(uow, SBI, 50_00)
    queued = [owe(uow, 1, SBI, UCO, 100_00), owe(uow, 2, UCO, SBER, 100_00)]
    queued += [owe(uow, 3, SBER, SBI, 100_00), owe(uow, 4, UCO, SBI, 5_000_00)]
    result = engine.run_lsm(uow, INR, queued, ACCOUNTS, optimal=optimal)
    assert result.settled == ["uetr-1", "uetr-2", "uetr-3"]
    assert (result.report.settled, result.report.still_queued) == (3, 1)
    assert result.report.optimal is optimal
    assert [e.uetr for e in uow.queue.entries(INR)] == ["uetr-4"]
    assert balance(uow, PAYING[SBI]) == 50_00


def test_a_fee_the_payer_cannot_also_fund_keeps_the_obligation_queued(uow) -> None:
    fund(uow, SBI, 100_00)
    o = owe(uow, 1, SBI, UCO, 100_00, fee=1_00)
    result = engine.run_lsm(uow, INR, [o], ACCOUNTS)
    assert result.settled == [] and result.report.still_queued == 1
    assert uow.queue.get(o.id) is not None and balance(uow, PAYING[SBI]) == 100_00


def test_the_net_value_counts_fees_and_the_wait_is_counted_from_arrival(uow) -> None:
    fund(uow, SBI, 101_00)
    first, second = owe(uow, 0, SBI, UCO, 100_00, fee=1_00), owe(uow, 10, UCO, SBER, 40_00)
    uow.clock.advance(20)
    report = engine.run_lsm(uow, INR, [first, second], ACCOUNTS).report
    assert (report.gross_minor, report.net_minor, report.saved_minor) == (140_00, 101_00, 39_00)
    assert report.saved_pct == "27.86"
    assert (report.mean_queue_s, report.p95_queue_s) == (15.0, 19.5)


def test_an_lsm_run_over_nothing_still_leaves_its_report(uow) -> None:
    result = engine.run_lsm(uow, INR, [], ACCOUNTS)
    assert result.settled == [] and result.report.settled == 0
    assert engine.reports(uow) == [result.report]


def test_an_lsm_run_refuses_obligations_of_another_currency(uow) -> None:
    o = Obligation("x", SBI, UCO, "RUB", 1, 0, 1 << 16, 0)
    with pytest.raises(AssertionError, match="LSM run in INR"):
        engine.run_lsm(uow, INR, [o], ACCOUNTS)


# --------------------------------------------------------------------- windows
def join(uow: FakeUnitOfWork, n: int, payer: str, payee: str, amount: int, fee: int = 0) -> str:
    for bic in (payer, payee):
        uow.rules.store_net_debit_cap(bic, INR, 1_000_00)
    o = Obligation(f"uetr-{n}", payer, payee, INR, amount, fee, n << 16, uow.clock())
    admit(uow, o, uow.clock())
    return o.id


def test_a_window_nets_and_settles_only_the_net_positions(uow) -> None:
    fund(uow, SBI, 200_00)
    fund(uow, UCO, 50_00)
    batch = [join(uow, 1, SBI, UCO, 400_00), join(uow, 2, UCO, SBER, 350_00)]
    batch += [join(uow, 3, SBER, SBI, 300_00), join(uow, 4, UCO, SBI, 100_00)]
    result = engine.close_window(uow, INR, ACCOUNTS)
    assert sorted(result.settled) == batch and result.unwound == []
    # SBI: -400 +300 +100 = 0; UCO: +400 -350 -100 = -50; SBER: +350 -300 = +50
    report = result.report
    assert (report.kind, report.window_id, report.settled, report.rejected) == ("window", 1, 4, 0)
    assert report.gross_minor == 1_150_00 and report.net_minor == 50_00
    assert [balance(uow, PAYING[b]) for b in (SBI, UCO, SBER)] == [200_00, 0, 50_00]
    window = uow.windows.get(1)
    assert window is not None and window.state is WindowState.SETTLED
    assert window.closed_at is not None and window.settled_at is not None
    assert uow.runs.latest() == [report] and balance(uow, CLEARING) == 0


def test_a_window_s_fees_go_to_the_fee_account_on_net(uow) -> None:
    fund(uow, SBI, 101_00)
    kept = join(uow, 1, SBI, UCO, 100_00, fee=1_00)
    result = engine.close_window(uow, INR, ACCOUNTS)
    assert result.settled == [kept] and result.report.net_minor == 101_00
    assert balance(uow, FEES) == 1_00 and balance(uow, PAYING[UCO]) == 100_00


def test_a_window_unwinds_every_obligation_of_a_participant_that_cannot_fund_its_net_debit(
    uow,
) -> None:
    fund(uow, SBI, 1_000_00)
    funded = join(uow, 1, SBI, SBER, 300_00)
    unfunded = join(uow, 2, UCO, SBER, 200_00)  # UCO holds nothing
    result = engine.close_window(uow, INR, ACCOUNTS)
    assert result.settled == [funded]
    note = "UCBAINBB could not fund its net debit (short by 20000)"
    assert result.unwound == [(unfunded, f"unwound from window 1: {note}")]
    assert result.report.notes == [note]
    assert (result.report.settled, result.report.rejected) == (1, 1)
    assert balance(uow, PAYING[SBER]) == 300_00


def test_closing_with_no_window_open_says_so_and_saves_nothing(uow) -> None:
    result = engine.close_window(uow, INR, ACCOUNTS)
    assert result.report.notes == ["no INR window is open"]
    assert result.settled == [] and result.unwound == [] and uow.runs.latest() == []


def test_a_closed_window_leaves_the_next_obligation_a_new_window(uow) -> None:
    fund(uow, SBI, 100_00)
    join(uow, 1, SBI, UCO, 100_00)
    engine.close_window(uow, INR, ACCOUNTS)
    join(uow, 2, UCO, SBI, 10_00)
    current = uow.windows.current(INR)
    assert current is not None and current.id == 2

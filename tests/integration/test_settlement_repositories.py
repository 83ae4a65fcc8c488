"""Settlement's SQL repositories on the unit of work, on each backend: what a unit writes is
there once it commits and gone if it rolls back; a run's transfers and rows commit together."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import Clock, FixedAccounts
from vostro.ledger.types import Account, AccountFlags, Transfer
from vostro.ledger.writer import Ledger
from vostro.money import currency
from vostro.participants.model import Purpose
from vostro.settlement import engine
from vostro.settlement.admission import admit
from vostro.settlement.obligations import Obligation
from vostro.settlement.queue import Priority, QueueEntry
from vostro.settlement.rules import Mode, SettlementRules
from vostro.settlement.windows import WindowPayment, WindowState
from vostro.store import Store
from vostro.store.uow import read_unit, writer_unit

INR = "INR"
SBI, UCO, SBER = "SBININBB", "UCBAINBB", "SABRRUMM"
LEDGER = currency(INR).ledger
PAYING = {SBI: 11, UCO: 12, SBER: 13}
ACCOUNTS = FixedAccounts(PAYING, 2, 3)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(store: Store, clock: Clock) -> Iterator[Ledger]:
    ledger = Ledger(store, clock=clock)
    limited = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    accounts = [Account(1, LEDGER, 7), Account(2, LEDGER, 9), Account(3, LEDGER, 5)]
    accounts += [Account(i, LEDGER, 1, limited) for i in PAYING.values()]
    assert set(ledger.create_accounts(accounts)) == {"ok"}
    yield ledger
    ledger.close()


def entry(uetr: str, payer: str, priority: Priority, arrival: int) -> QueueEntry:
    return QueueEntry(uetr, payer, INR, priority, arrival, arrival + 100)


def test_the_queue_keeps_settlement_order_and_commits_with_its_unit(store, ledger, clock) -> None:
    with writer_unit(ledger, clock=clock) as uow:
        uow.queue.add(entry("a", SBI, Priority.NORMAL, 1))
        uow.queue.add(entry("b", SBI, Priority.NORMAL, 2))
        uow.queue.add(entry("c", UCO, Priority.URGENT, 3))
        uow.queue.set_priority("b", Priority.URGENT)
        assert [e.uetr for e in uow.queue.entries(INR)] == ["b", "c", "a"]
        assert [e.uetr for e in uow.queue.entries(INR, SBI)] == ["b", "a"]
        assert [e.uetr for e in uow.queue.due(102)] == ["a", "b"]
        uow.queue.remove(["c"])
        uow.commit()
    with read_unit(store, clock=clock) as uow:
        assert uow.queue.depth() == {INR: 2}
        found = uow.queue.get("b")
        assert found is not None and found.priority is Priority.URGENT
        assert uow.queue.get("c") is None


def test_a_unit_left_without_commit_keeps_none_of_settlement_s_rows(store, ledger, clock) -> None:
    with writer_unit(ledger, clock=clock) as uow:
        uow.queue.add(entry("a", SBI, Priority.NORMAL, 1))
        SettlementRules().set_mode(uow, SBI, INR, Mode.DNS, actor="ops")
        uow.windows.open_window(INR, 5)
    with read_unit(store, clock=clock) as uow:
        assert uow.queue.entries() == [] and uow.rules.mode(SBI, INR) is Mode.RTGS
        assert uow.windows.all() == [] and uow.audit.entries(SBI) == []


def test_rules_and_their_audit_entries_commit_together(store, ledger, clock) -> None:
    rules = SettlementRules()
    with writer_unit(ledger, clock=clock) as uow:
        rules.set_mode(uow, SBI, INR, "dns", actor="ops")
        rules.set_net_debit_cap(uow, SBI, INR, 500_00, actor="ops")
        rules.set_net_debit_cap(uow, SBI, INR, 600_00, actor="ops")
        rules.set_bilateral_limit(uow, SBI, UCO, INR, 300_00, actor="ops")
        uow.commit()
    with read_unit(store, clock=clock) as uow:
        assert rules.mode(uow, SBI, INR) is Mode.DNS
        assert rules.net_debit_cap(uow, SBI, INR) == 600_00
        assert rules.net_debit_cap(uow, UCO, INR) == 0
        assert rules.bilateral_limit(uow, SBI, UCO, INR) == 300_00
        assert rules.bilateral_limit(uow, UCO, SBI, INR) is None
        actions = [e["action"] for e in uow.audit.entries(SBI)]
        assert actions == [
            "settlement.bilateral_limit",
            "settlement.net_debit_cap",
            "settlement.net_debit_cap",
            "settlement.mode",
        ]


def test_windows_count_net_and_bilateral_debits_and_move_through_their_states(
    store, ledger, clock
) -> None:
    with writer_unit(ledger, clock=clock) as uow:
        window = uow.windows.open_window(INR, 5)
        assert uow.windows.open_window(INR, 6) == window  # one open window per currency
        uow.windows.add(window.id, WindowPayment("a", SBI, UCO, 400_00, 1_00))
        uow.windows.add(window.id, WindowPayment("b", UCO, SBI, 100_00, 0))
        assert uow.windows.net_debit(window.id, SBI) == 301_00
        assert uow.windows.bilateral_debit(window.id, SBI, UCO) == 300_00
        assert uow.windows.bilateral_debit(window.id, UCO, SBI) == -300_00
        uow.windows.set_state(window.id, WindowState.CLOSED, 7)
        uow.windows.set_state(window.id, WindowState.SETTLED, 8)
        uow.commit()
    with read_unit(store, clock=clock) as uow:
        closed = uow.windows.get(window.id)
        assert closed is not None and (closed.state, closed.opened_at) == (WindowState.SETTLED, 5)
        assert (closed.closed_at, closed.settled_at) == (7, 8)
        assert uow.windows.current(INR) is None
        assert [m.uetr for m in uow.windows.payments(window.id)] == ["a", "b"]


def test_an_lsm_run_s_transfers_queue_and_report_commit_in_one_unit(store, ledger, clock) -> None:
    cycle = [
        Obligation(f"u{n}", payer, payee, INR, 100_00, 0, (n + 1) << 16, clock.now)
        for n, (payer, payee) in enumerate([(SBI, UCO), (UCO, SBER), (SBER, SBI)])
    ]
    with writer_unit(ledger, clock=clock) as uow:
        for o in cycle:
            uow.queue.add(entry(o.id, o.payer, Priority.NORMAL, o.arrival_ns))
        uow.commit()
    clock.advance(4)
    with writer_unit(ledger, clock=clock) as uow:
        result = engine.run_lsm(uow, INR, cycle, ACCOUNTS)
        uow.commit()
    assert result.settled == ["u0", "u1", "u2"] and result.report.mean_queue_s == 4.0
    with read_unit(store, clock=clock) as uow:
        assert uow.queue.entries(INR) == []
        assert engine.reports(uow) == [result.report]
    assert store.get_accounts([11])[0].credits_posted == 100_00


def test_a_window_admitted_and_closed_on_the_real_tables(store, ledger, clock) -> None:
    funding = Transfer(99, 1, PAYING[SBI], 1_000_00, LEDGER, int(Purpose.FUND))
    assert ledger.create_transfers([funding]) == ["ok"]
    with writer_unit(ledger, clock=clock) as uow:
        for bic in PAYING:
            uow.rules.store_net_debit_cap(bic, INR, 1_000_00)
        admit(uow, Obligation("f", SBI, SBER, INR, 300_00, 0, 1 << 16, 0), clock())
        note = admit(uow, Obligation("u", UCO, SBER, INR, 200_00, 0, 2 << 16, 0), clock())
        assert note == "accepted into INR settlement window 1; net debit now 20000 of cap 100000"
        result = engine.close_window(uow, INR, ACCOUNTS)
        uow.commit()
    assert result.settled == ["f"]
    note = "UCBAINBB could not fund its net debit (short by 20000)"
    assert result.unwound == [("u", f"unwound from window 1: {note}")]
    with read_unit(store, clock=clock) as uow:
        assert engine.reports(uow) == [result.report]
        settled = uow.windows.get(1)
        assert settled is not None and settled.state is WindowState.SETTLED
    assert store.get_accounts([PAYING[SBER]])[0].credits_posted == 300_00

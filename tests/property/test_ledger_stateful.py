"""Random sequences of ledger commands against the reference model, on SQLite and PostgreSQL.

After every step: each event's result equals the model's, every account's four balances in the
database equal the model's, and every currency's books balance (in memory and on disk).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import reset_store
from tests.property.model import ModelLedger
from vostro.ledger.types import INT64_MAX, Account, AccountFlags, Transfer, TransferFlags
from vostro.ledger.writer import Ledger
from vostro.store import Store

INR, RUB = 356, 643
ACCOUNT_IDS = list(range(1, 9))  # a small pool, so ids collide and accounts get reused
TRANSFER_IDS = st.integers(min_value=0, max_value=40)  # 0 is invalid; small range: duplicates
LINKED = int(TransferFlags.LINKED)

account_strategy = st.builds(
    Account,
    id=st.sampled_from([0, *ACCOUNT_IDS]),
    ledger=st.sampled_from([INR, INR, RUB, 0]),
    code=st.sampled_from([1, 1, 2, 0]),
    flags=st.sampled_from(
        [
            0,
            int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
            int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
            int(
                AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
                | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
            ),
        ]
    ),
)
account_ref = st.sampled_from([*ACCOUNT_IDS, 99])
odd_amounts = st.sampled_from([0, -1, INT64_MAX, INT64_MAX + 1, 10**18])
FUNDING = {INR: 101, RUB: 102}  # unlimited funding accounts opened first, one per ledger


def draw_transfer(data: st.DataObject, model: ModelLedger) -> Transfer:
    """One transfer, mostly plausible (known accounts and pendings, affordable or exactly
    affordable amounts), sometimes wrong in one of many ways."""
    draw = data.draw
    kind = draw(st.sampled_from(["plain", "plain", "plain", "pending", "post", "void"]))
    linked = LINKED if draw(st.integers(0, 2)) == 0 else 0
    tid = draw(TRANSFER_IDS)
    pendings = [i for i, status in model.status.items() if status == "pending"]
    if kind in ("post", "void"):
        flags = int(TransferFlags.POST_PENDING if kind == "post" else TransferFlags.VOID_PENDING)
        known = sorted(model.status)
        pending_id = draw(st.sampled_from(pendings or known or [7]) | TRANSFER_IDS)
        target = model.transfers.get(pending_id)
        reserved = target.amount if target is not None else 5
        amount = draw(st.sampled_from([0, 0, 1, reserved - 1, reserved, reserved + 1, -1]))
        return Transfer(tid, 0, 0, amount, 0, 0, flags=flags | linked, pending_id=pending_id)
    accounts = sorted(model.accounts) or [99]
    debit = draw(st.sampled_from(accounts) | account_ref)
    credit = draw(st.sampled_from(accounts) | account_ref)
    source = model.accounts.get(debit)
    ledger = source.account.ledger if source is not None else INR
    available = source.cpo - source.dpo - source.dp if source is not None else 0
    amount = draw(
        st.integers(min_value=1, max_value=2_000)
        | st.just(max(available, 1))
        | st.just(max(available + 1, 1))
        | odd_amounts
    )
    return Transfer(
        tid,
        debit,
        credit,
        amount,
        draw(st.sampled_from([ledger, ledger, ledger, RUB if ledger == INR else INR, 0])),
        draw(st.sampled_from([1, 1, 1, 0])),
        flags=(int(TransferFlags.PENDING) if kind == "pending" else 0) | linked,
    )


class LedgerMachine(RuleBasedStateMachine):
    store: Store  # set by the test for its backend

    def __init__(self) -> None:
        super().__init__()
        reset_store(self.store)
        self.ledger = Ledger(self.store)
        self.model = ModelLedger()
        self.next_funding_id = 1_000

    @initialize()
    def open_and_fund_accounts(self) -> None:
        limited = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
        accounts = [Account(FUNDING[INR], INR, 7), Account(FUNDING[RUB], RUB, 7)] + [
            Account(i, INR if i % 2 else RUB, 1, flags=limited) for i in ACCOUNT_IDS[:4]
        ]
        assert [str(r) for r in self.ledger.create_accounts(accounts)] == ["ok"] * len(accounts)
        self.model.create_accounts(accounts)
        funding = [
            Transfer(1_000 + i, FUNDING[a.ledger], a.id, 1_000, a.ledger, 9)
            for i, a in enumerate(accounts[2:])
        ]
        assert [str(r) for r in self.ledger.create_transfers(funding)] == ["ok"] * len(funding)
        self.model.create_transfers(funding)

    @rule(accounts=st.lists(account_strategy, min_size=1, max_size=6))
    def create_accounts(self, accounts: list[Account]) -> None:
        got = [str(r) for r in self.ledger.create_accounts(accounts)]
        assert got == self.model.create_accounts(accounts)

    @rule(data=st.data(), size=st.integers(min_value=1, max_value=12))
    def create_transfers(self, data: st.DataObject, size: int) -> None:
        transfers = [draw_transfer(data, self.model) for _ in range(size)]
        got = [str(r) for r in self.ledger.create_transfers(transfers)]
        assert got == self.model.create_transfers(transfers)

    @rule()
    def restart_the_writer(self) -> None:
        """A new writer loads its state from the database and must behave the same."""
        self.ledger.close()
        self.ledger = Ledger(self.store)

    @invariant()
    def balances_match_the_model_and_books_balance(self) -> None:
        expected = self.model.balances()
        stored = {
            a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
            for a in self.store.get_accounts(expected)
        }
        assert stored == expected
        for ledger, (dp, dpo, cp, cpo) in self.ledger.trial_balance().items():
            assert (dp, dpo) == (cp, cpo), f"ledger {ledger} out of balance"
        totals: dict[int, list[int]] = {}
        for account_id, (dp, dpo, cp, cpo) in stored.items():
            t = totals.setdefault(self.model.accounts[account_id].account.ledger, [0, 0, 0, 0])
            for i, v in enumerate((dp, dpo, cp, cpo)):
                t[i] += v
        for dp, dpo, cp, cpo in totals.values():
            assert dp == cp and dpo == cpo

    def teardown(self) -> None:
        self.ledger.close()


@pytest.mark.slow
def test_ledger_matches_the_reference_model(store: Store) -> None:
    LedgerMachine.store = store
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

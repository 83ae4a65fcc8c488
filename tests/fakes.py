"""Hand-written fakes (no mocks): an in-memory store for fast unit tests of the writer."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from vostro.ledger.state import LedgerState, Outcome, StoredTransfer
from vostro.ledger.types import Account, PendingStatus, Transfer, TransferFlags


class FakeSession:
    """Keeps committed rows in dicts; `fail_next_commit` simulates a database error."""

    def __init__(self) -> None:
        self.accounts: dict[int, Account] = {}
        self.seq_to_id: dict[int, int] = {}
        self.transfers: dict[int, StoredTransfer] = {}
        self.status_by_ts: dict[int, PendingStatus] = {}
        self.commits: list[Outcome] = []
        self.fail_next_commit = False
        self.state = LedgerState()  # the committed balances, for a writer that reloads
        self.in_unit = False
        self._before_unit: dict[str, object] | None = None

    def load_state(self) -> LedgerState:
        return copy.deepcopy(self.state)

    def fetch_transfers(self, ids: Sequence[int]) -> dict[int, StoredTransfer]:
        found = {}
        for i in ids:
            stored = self.transfers.get(i)
            if stored is not None:
                status = self.status_by_ts.get(stored.transfer.timestamp)
                found[i] = StoredTransfer(
                    stored.transfer, stored.debit_seq, stored.credit_seq, status
                )
        return found

    def fetch_accounts(self, ids: Sequence[int]) -> dict[int, Account]:
        return {i: self.accounts[i] for i in ids if i in self.accounts}

    def commit(self, outcome: Outcome) -> None:
        from vostro.errors import StoreError

        if self.fail_next_commit:
            self.fail_next_commit = False
            raise StoreError("simulated failure")
        self.commits.append(outcome)
        self.state.apply(outcome)
        for row in outcome.account_rows:
            seq, aid, ledger, code, flags, ud128, ud64, ud32, *_rest, ts = row
            self.accounts[aid] = Account(aid, ledger, code, flags, ud128, ud64, ud32, timestamp=ts)
            self.seq_to_id[seq] = aid
        cols = outcome.transfer_columns or {}
        for i in range(outcome.transfer_count):
            c = {k: v[i] for k, v in cols.items()}
            t = Transfer(
                c["id"],
                self.seq_to_id[c["debit_account_seq"]],
                self.seq_to_id[c["credit_account_seq"]],
                c["amount"],
                c["ledger"],
                c["code"],
                c["flags"],
                c["pending_id"],
                c["timeout_s"],
                c["user_data_128"],
                c["user_data_64"],
                c["user_data_32"],
                c["timestamp"],
            )
            self.transfers[t.id] = StoredTransfer(
                t, c["debit_account_seq"], c["credit_account_seq"], None
            )
        for ts, status, _expires, _at in outcome.pending_inserts:
            self.status_by_ts[ts] = PendingStatus(status)
        for ts, status, _at in outcome.pending_updates:
            self.status_by_ts[ts] = PendingStatus(status)

    def load_unindexed(self) -> tuple[int, np.ndarray, np.ndarray]:
        empty = np.zeros(0, np.int64)
        return 0, empty, empty

    def write_account_entries(self, seqs: np.ndarray, timestamps: np.ndarray, upto: int) -> None:
        self.indexed_upto = upto

    def begin_unit(self) -> None:
        """A unit's writes are kept as they come; a rollback puts back what was before it."""
        self.in_unit = True
        self._before_unit = copy.deepcopy(
            {k: v for k, v in vars(self).items() if k not in ("in_unit", "_before_unit")}
        )

    def end_unit(self, commit: bool) -> None:
        before, self._before_unit, self.in_unit = self._before_unit, None, False
        if not commit and before is not None:
            vars(self).update(before)

    def close(self) -> None:
        pass


class FakeStore:
    backend = "fake"

    def __init__(self) -> None:
        self.session = FakeSession()

    def open_writer(self) -> FakeSession:
        return self.session


class Clock:
    """A clock the test moves by hand (nanoseconds)."""

    def __init__(self, start_ns: int = 1_800_000_000 * 10**9) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 10**9)


def is_pending(t: Transfer) -> bool:
    return bool(t.flags & TransferFlags.PENDING)

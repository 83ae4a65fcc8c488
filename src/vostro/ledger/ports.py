"""The ledger's store port: what the single writer needs from a database.

`store/` implements it (SQLite and PostgreSQL); `tests/fakes.py` implements it in memory. A
`LedgerStore` hands out the writer's exclusive `LedgerSession` (taking the writer lock), and a
session either commits each batch in a transaction of its own, or, inside a unit of work
(`begin_unit` … `end_unit`), writes it into the unit's open transaction, which the unit commits
or rolls back as a whole with everything else the command wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vostro.ledger.state import I64, LedgerState, Outcome, StoredTransfer
from vostro.ledger.types import Account


class LedgerSession(Protocol):
    """The single writer's connection. Only one may exist per database at a time."""

    def load_state(self) -> LedgerState: ...

    def fetch_transfers(self, ids: Sequence[int]) -> dict[int, StoredTransfer]: ...

    def fetch_accounts(self, ids: Sequence[int]) -> dict[int, Account]: ...

    def commit(self, outcome: Outcome) -> None:
        """Write the whole outcome: in a transaction of its own, committed before returning, or
        inside the open unit of work. Raises `StoreError` and writes nothing if it fails."""

    def load_unindexed(self) -> tuple[int, I64, I64]:
        """The per-account index mark, and (account seq, timestamp) of every journal entry
        after it: what the writer must still index."""

    def write_account_entries(self, seqs: I64, timestamps: I64, upto: int) -> None:
        """Insert sorted per-account index entries and move the mark to `upto`, atomically."""

    def begin_unit(self) -> None:
        """Open a transaction that every write goes into until `end_unit`."""

    def end_unit(self, commit: bool) -> None:
        """Commit (or roll back) the unit's transaction."""

    def close(self) -> None: ...


class LedgerStore(Protocol):
    """A database that can host the ledger's single writer."""

    def open_writer(self) -> LedgerSession:
        """Take the writer lock (or raise `WriterLockHeld`) and return the writer's session."""

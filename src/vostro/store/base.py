"""The store interface: what the ledger needs from a database, and the parts both stores share.

A `Store` opens a database by URL, migrates it with Alembic, and answers reads with SQLAlchemy
Core (readers never go through the writer). A `WriterSession` is the single writer's exclusive
handle: it holds the writer lock, loads the writer's in-memory state, fetches the few committed
rows a batch may refer to, and commits each batch's `Outcome` in one transaction through the
driver's fast path (SQLite `executemany`, PostgreSQL `COPY` and array parameters).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from vostro.errors import SchemaOutOfDate, StoreError, invariant
from vostro.ledger.state import I64, LedgerState, Outcome, Pending, StoredTransfer
from vostro.ledger.types import BATCH_EVENTS_MAX, Account, AccountBalance, PendingStatus, Transfer
from vostro.participants.model import OPERATOR_NUMBER
from vostro.store import schema
from vostro.store.codec import id_from_bytes, id_to_bytes

PAGE_LIMIT_MAX = BATCH_EVENTS_MAX  # one query returns at most one batch's worth of rows


def alembic_config() -> Config:
    config = Config()
    location = resources.files("vostro.store") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


class WriterSession(ABC):
    """The single writer's connection (the ledger's `LedgerSession`). Only one may exist per
    database at a time. `connection` is the same database connection seen through SQLAlchemy:
    a unit of work's repositories write through it, into the transaction the ledger's batches
    go into, so a command's records and its money commit together."""

    connection: sa.Connection

    @abstractmethod
    def load_state(self) -> LedgerState: ...

    @abstractmethod
    def fetch_transfers(self, ids: Sequence[int]) -> dict[int, StoredTransfer]: ...

    @abstractmethod
    def fetch_accounts(self, ids: Sequence[int]) -> dict[int, Account]: ...

    @abstractmethod
    def commit(self, outcome: Outcome) -> None:
        """Write the whole outcome in one transaction, or nothing (raising `StoreError`)."""

    @abstractmethod
    def load_unindexed(self) -> tuple[int, I64, I64]:
        """The per-account index mark, and (account seq, timestamp) of every journal entry
        after it: what the writer must still index."""

    @abstractmethod
    def write_account_entries(self, seqs: I64, timestamps: I64, upto: int) -> None:
        """Insert sorted per-account index entries and move the mark to `upto`, atomically."""

    _unit: sa.RootTransaction | None = None

    def begin_unit(self) -> None:
        invariant(self._unit is None, "a unit of work is already open on the writer")
        self._unit = self.connection.begin()

    def end_unit(self, commit: bool) -> None:
        unit, self._unit = self._unit, None
        invariant(unit is not None, "no unit of work is open on the writer")
        assert unit is not None
        try:
            if commit:
                unit.commit()
            else:
                unit.rollback()
        except sa.exc.DBAPIError as error:
            self.abandon()
            raise StoreError(f"the unit of work was not committed: {error}") from error

    @abstractmethod
    def abandon(self) -> None:
        """Roll back whatever the driver still has open (after a failed commit)."""

    @abstractmethod
    def close(self) -> None: ...


def writer_engine(url: str, dbapi_connection: Any) -> sa.Engine:
    """An engine whose only connection is the writer's own (for `WriterSession.connection`)."""
    return sa.create_engine(url, creator=lambda: dbapi_connection, poolclass=sa.pool.StaticPool)


class Store(ABC):
    """A ledger database (SQLite file or PostgreSQL schema)."""

    backend: str

    def __init__(self, url: str, engine: sa.Engine) -> None:
        self.url = url
        self.engine = engine

    # ------------------------------------------------------------ lifecycle

    def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent)."""
        config = alembic_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def check_schema(self) -> None:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"database {self.display_url} is at schema revision {current or 'none'}, "
                f"this vostro needs {head}: run `vostro init --database-url ...` to migrate it"
            )

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    @property
    def display_url(self) -> str:
        return sa.make_url(self.url).render_as_string(hide_password=True)

    @abstractmethod
    def open_writer(self) -> WriterSession:
        """Take the writer lock (or raise `WriterLockHeld`) and return the writer's session."""

    def dispose(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- reads

    def get_accounts(self, ids: Iterable[int]) -> list[Account]:
        keys = [id_to_bytes(i) for i in ids]
        query = sa.select(schema.accounts).where(schema.accounts.c.id.in_(keys))
        with self.engine.connect() as conn:
            by_id = {a.id: a for a in map(account_from_row, conn.execute(query))}
        return [by_id[i] for i in (id_from_bytes(k) for k in keys) if i in by_id]

    def all_accounts(self, limit: int = PAGE_LIMIT_MAX, after_seq: int = 0) -> list[Account]:
        a = schema.accounts
        query = sa.select(a).where(a.c.seq > after_seq).order_by(a.c.seq).limit(_limit(limit))
        with self.engine.connect() as conn:
            return [account_from_row(row) for row in conn.execute(query)]

    def get_transfers(self, ids: Iterable[int]) -> list[Transfer]:
        keys = [id_to_bytes(i) for i in ids]
        query = _transfer_select().where(schema.transfers.c.id.in_(keys))
        with self.engine.connect() as conn:
            by_id = {t.id: t for t in (_transfer(row) for row in conn.execute(query))}
        return [by_id[i] for i in (id_from_bytes(k) for k in keys) if i in by_id]

    def account_transfers(
        self,
        account_id: int,
        *,
        limit: int = 100,
        after_timestamp: int = 0,
        reverse: bool = False,
    ) -> list[Transfer]:
        """Transfers debiting or crediting the account, in time order, a page at a time.

        Pass the last timestamp of one page as `after_timestamp` to get the next (with
        `reverse`, the next older page; 0 starts at the newest).
        """
        rows = self._account_rows(account_id, limit, after_timestamp, reverse)
        return [_transfer(row) for row in rows]

    def account_history(
        self,
        account_id: int,
        *,
        limit: int = 100,
        after_timestamp: int = 0,
        reverse: bool = False,
    ) -> list[AccountBalance]:
        """The account's posted balances after each of its transfers (for statements)."""
        seq = self._seq(account_id)
        rows = self._account_rows(account_id, limit, after_timestamp, reverse)
        history = []
        for row in rows:
            m = row._mapping
            debit_side = m["debit_account_seq"] == seq
            prefix = "debit_account_" if debit_side else "credit_account_"
            history.append(
                AccountBalance(
                    transfer_id=id_from_bytes(m["id"]),
                    timestamp=m["timestamp"],
                    debits_posted=m[prefix + "debits_posted"],
                    credits_posted=m[prefix + "credits_posted"],
                )
            )
        return history

    def _seq(self, account_id: int) -> int | None:
        a = schema.accounts
        with self.engine.connect() as conn:
            seq: int | None = conn.execute(
                sa.select(a.c.seq).where(a.c.id == id_to_bytes(account_id))
            ).scalar()
        return seq

    def _account_rows(
        self, account_id: int, limit: int, after_timestamp: int, reverse: bool
    ) -> Sequence[sa.Row[Any]]:
        """Up to `limit` journal rows of the account, from the bulk index up to its mark and
        from the journal tail after the mark, merged in time order."""
        seq = self._seq(account_id)
        if seq is None:
            return []
        t, e, marks = schema.transfers, schema.account_entries, schema.ledger_marks
        limit = _limit(limit)
        order = t.c.timestamp.desc() if reverse else t.c.timestamp

        def page(query: sa.Select[Any]) -> sa.Select[Any]:
            if after_timestamp and reverse:
                query = query.where(t.c.timestamp < after_timestamp)
            elif after_timestamp:
                query = query.where(t.c.timestamp > after_timestamp)
            return query.order_by(order).limit(limit)

        with self.engine.connect() as conn:
            upto = (
                conn.execute(
                    sa.select(marks.c.value).where(marks.c.name == schema.ACCOUNT_ENTRIES_MARK)
                ).scalar()
                or 0
            )
            indexed = (
                _transfer_select()
                .join(e, e.c.timestamp == t.c.timestamp)
                .where(e.c.account_seq == seq, e.c.timestamp <= upto)
            )
            tail = _transfer_select().where(
                t.c.timestamp > upto,
                sa.or_(t.c.debit_account_seq == seq, t.c.credit_account_seq == seq),
            )
            rows = [*conn.execute(page(indexed)), *conn.execute(page(tail))]
        rows.sort(key=lambda r: r._mapping["timestamp"], reverse=reverse)
        return rows[:limit]

    def pending_status(self, transfer_id: int) -> PendingStatus | None:
        t, p = schema.transfers, schema.pending_transfers
        query = (
            sa.select(p.c.status)
            .select_from(t.join(p, p.c.timestamp == t.c.timestamp))
            .where(t.c.id == id_to_bytes(transfer_id))
        )
        with self.engine.connect() as conn:
            status = conn.execute(query).scalar()
        return PendingStatus(status) if status is not None else None

    def payment_refs(self, ids: set[int]) -> dict[int, tuple[str, str]]:
        """payment id → (end-to-end id, UETR) for the transfers that belong to a payment."""
        if not ids:
            return {}
        p = schema.payments
        keys = [i.to_bytes(16, "big") for i in ids]
        query = sa.select(p.c.payment_id, p.c.end_to_end_id, p.c.uetr).where(
            p.c.payment_id.in_(keys)
        )
        with self.engine.connect() as conn:
            return {int.from_bytes(r[0], "big"): (r[1], r[2]) for r in conn.execute(query)}

    def account_route(self, account_id: int) -> tuple[str, str] | None:
        """(the operator's BIC, the BIC of the participant holding the account): who the
        account's statements come from and go to; None unless both are registered."""
        owner = sa.select(schema.participant_accounts.c.bic).where(
            schema.participant_accounts.c.account_id == id_to_bytes(account_id)
        )
        operator = sa.select(schema.participants.c.bic).where(
            schema.participants.c.number == OPERATOR_NUMBER
        )
        with self.engine.connect() as conn:
            found = conn.execute(owner).scalar(), conn.execute(operator).scalar()
        return (found[1], found[0]) if found[0] and found[1] else None

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                for name, table in (
                    ("accounts", schema.accounts),
                    ("transfers", schema.transfers),
                    ("batches", schema.ledger_batches),
                )
            }


def _limit(limit: int) -> int:
    return max(1, min(int(limit), PAGE_LIMIT_MAX))


_debit = schema.accounts.alias("debit_account")
_credit = schema.accounts.alias("credit_account")


def _transfer_select() -> sa.Select[Any]:
    t = schema.transfers
    return sa.select(
        t, _debit.c.id.label("debit_account_id"), _credit.c.id.label("credit_account_id")
    ).select_from(
        t.join(_debit, _debit.c.seq == t.c.debit_account_seq).join(
            _credit, _credit.c.seq == t.c.credit_account_seq
        )
    )


def _transfer(row: sa.Row[Any]) -> Transfer:
    m = row._mapping
    return Transfer(
        id=id_from_bytes(m["id"]),
        debit_account_id=id_from_bytes(m["debit_account_id"]),
        credit_account_id=id_from_bytes(m["credit_account_id"]),
        amount=m["amount"],
        ledger=m["ledger"],
        code=m["code"],
        flags=m["flags"],
        pending_id=id_from_bytes(m["pending_id"]),
        timeout_s=m["timeout_s"],
        user_data_128=id_from_bytes(m["user_data_128"]),
        user_data_64=m["user_data_64"],
        user_data_32=m["user_data_32"],
        timestamp=m["timestamp"],
    )


def account_from_row(row: sa.Row[Any]) -> Account:
    m = row._mapping
    return Account(
        id=id_from_bytes(m["id"]),
        ledger=m["ledger"],
        code=m["code"],
        flags=m["flags"],
        user_data_128=id_from_bytes(m["user_data_128"]),
        user_data_64=m["user_data_64"],
        user_data_32=m["user_data_32"],
        debits_pending=m["debits_pending"],
        debits_posted=m["debits_posted"],
        credits_pending=m["credits_pending"],
        credits_posted=m["credits_posted"],
        timestamp=m["timestamp"],
    )


# SQL shared by both writer sessions (plain DB-API text; parameter style is filled in per driver).
LOAD_ACCOUNTS_SQL = (
    "SELECT seq, id, ledger, flags, debits_pending, debits_posted, credits_pending, "
    "credits_posted FROM accounts ORDER BY seq"
)
LOAD_PENDING_SQL = (
    "SELECT t.id, t.timestamp, t.debit_account_seq, t.credit_account_seq, t.amount, t.ledger, "
    "t.code, p.expires_at FROM pending_transfers p JOIN transfers t ON t.timestamp = p.timestamp "
    "WHERE p.status = 1"
)
LOAD_ENTRIES_MARK_SQL = (
    f"SELECT value FROM ledger_marks WHERE name = '{schema.ACCOUNT_ENTRIES_MARK}'"
)
LOAD_UNINDEXED_SQL = (
    "SELECT debit_account_seq, credit_account_seq, timestamp FROM transfers "
    "WHERE timestamp > {} ORDER BY timestamp"
)
LOAD_MARKS_SQL = (
    "SELECT (SELECT id FROM transfers ORDER BY id DESC LIMIT 1), "
    "(SELECT max(timestamp) FROM transfers), (SELECT max(timestamp) FROM accounts), "
    "(SELECT max(last_timestamp) FROM ledger_batches), (SELECT max(batch) FROM ledger_batches)"
)
FETCH_TRANSFERS_SQL = (
    "SELECT t.id, da.id, ca.id, t.amount, t.ledger, t.code, t.flags, t.pending_id, t.timeout_s, "
    "t.user_data_128, t.user_data_64, t.user_data_32, t.timestamp, t.debit_account_seq, "
    "t.credit_account_seq, p.status FROM transfers t "
    "JOIN accounts da ON da.seq = t.debit_account_seq "
    "JOIN accounts ca ON ca.seq = t.credit_account_seq "
    "LEFT JOIN pending_transfers p ON p.timestamp = t.timestamp WHERE t.id IN ({})"
)
FETCH_ACCOUNTS_SQL = (
    "SELECT id, ledger, code, flags, user_data_128, user_data_64, user_data_32, "
    "debits_pending, debits_posted, credits_pending, credits_posted, timestamp "
    "FROM accounts WHERE id IN ({})"
)


def unindexed_entries(rows: Sequence[Sequence[int]]) -> tuple[I64, I64]:
    """(seqs, timestamps) of both sides of the given (debit seq, credit seq, timestamp) rows."""
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return (
        np.concatenate([table[:, 0], table[:, 1]]),
        np.concatenate([table[:, 2], table[:, 2]]),
    )


def sorted_entries(seqs: I64, timestamps: I64) -> list[tuple[int, int]]:
    """Index entries in (account, timestamp) order, the order that touches each page once."""
    order = np.lexsort((timestamps, seqs))
    return list(zip(seqs[order].tolist(), timestamps[order].tolist(), strict=True))


def batch_row(outcome: Outcome) -> tuple[int, ...]:
    """The `ledger_batches` row recording a committed outcome."""
    return (
        outcome.batch,
        int(outcome.kind),
        len(outcome.results),
        outcome.first_timestamp,
        outcome.last_timestamp,
        time.time_ns(),
    )


def state_from_rows(
    accounts: Iterable[Sequence[Any]], pendings: Iterable[Sequence[Any]], marks: Sequence[Any]
) -> LedgerState:
    state = LedgerState()
    for seq, account_id, ledger, flags, dp, dpo, cp, cpo in accounts:
        state.add_account(seq, id_from_bytes(account_id), ledger, flags, (dp, dpo, cp, cpo))
    for row in pendings:
        pid, ts, dseq, cseq, amount, ledger, code, expires_at = row
        state.add_pending(
            Pending(id_from_bytes(pid), ts, dseq, cseq, amount, ledger, code, expires_at)
        )
    max_id, last_transfer, last_account, last_batch_ts, last_batch = marks
    state.max_transfer_id = id_from_bytes(max_id)
    state.last_timestamp = max(last_transfer or 0, last_account or 0, last_batch_ts or 0)
    state.last_batch = last_batch or 0
    return state


def stored_transfer(row: Sequence[Any]) -> StoredTransfer:
    (
        tid,
        did,
        cid,
        amount,
        ledger,
        code,
        flags,
        pid,
        timeout_s,
        ud128,
        ud64,
        ud32,
        ts,
        dseq,
        cseq,
        status,
    ) = row
    transfer = Transfer(
        id_from_bytes(tid),
        id_from_bytes(did),
        id_from_bytes(cid),
        amount,
        ledger,
        code,
        flags,
        id_from_bytes(pid),
        timeout_s,
        id_from_bytes(ud128),
        ud64,
        ud32,
        ts,
    )
    return StoredTransfer(transfer, dseq, cseq, PendingStatus(status) if status else None)


def account_from_fetch(row: Sequence[Any]) -> Account:
    aid, ledger, code, flags, ud128, ud64, ud32, dp, dpo, cp, cpo, ts = row
    return Account(
        id_from_bytes(aid),
        ledger,
        code,
        flags,
        id_from_bytes(ud128),
        ud64,
        ud32,
        dp,
        dpo,
        cp,
        cpo,
        ts,
    )

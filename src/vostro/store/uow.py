"""The SQL unit of work: one command's transaction over every repository it touches.

A writer unit runs on the single writer's own connection (`WriterSession.connection`): the
ledger's batches and every repository's rows go into one transaction, committed by `commit()` or
rolled back on leaving the block without it (cosmicpython, chapter 6). A read unit runs on a
pooled connection of its own, has no ledger, and always rolls back: readers never wait for the
writer and never write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import sqlalchemy as sa

from vostro.errors import VostroError, invariant
from vostro.fx.quotes import StandingRate
from vostro.fx.rates import ReferenceRate
from vostro.ledger.writer import Ledger
from vostro.participants.model import Participant
from vostro.store.base import Store, WriterSession
from vostro.store.readmodels import SqlReadModels
from vostro.store.repositories.audit import SqlAuditLog
from vostro.store.repositories.calendar import SqlCalendar
from vostro.store.repositories.compliance import SqlLimits, SqlLists
from vostro.store.repositories.fx import SqlFx
from vostro.store.repositories.idempotency import SqlIdempotency
from vostro.store.repositories.keys import SqlKeys
from vostro.store.repositories.messages import SqlBusinessMessages
from vostro.store.repositories.participants import SqlAccounts, SqlFees, SqlParticipants
from vostro.store.repositories.payments import SqlHolds, SqlPayments
from vostro.store.repositories.settlement import (
    SqlPaymentQueue,
    SqlSettlementRules,
    SqlSettlementRuns,
    SqlWindows,
)
from vostro.store.repositories.treasury import SqlTreasury


class ReadOnlyUnit(VostroError):
    """A read unit was asked to write (or to reach the ledger's writer)."""


class Caches:
    """What the single writer may keep between units: rows only it changes. A rolled-back unit
    clears them, since they may hold what it wrote."""

    def __init__(self) -> None:
        self.participants: dict[str, Participant] = {}
        self.reference_rates: tuple[ReferenceRate, ...] | None = None
        self.standing_rates: dict[tuple[str, str, str], StandingRate | None] = {}

    def clear(self) -> None:
        self.participants.clear()
        self.reference_rates = None
        self.standing_rates.clear()


class SqlUnitOfWork:
    def __init__(
        self,
        conn: sa.Connection,
        ledger: Ledger | None,
        *,
        clock: Callable[[], int] = time.time_ns,
        caches: Caches | None = None,
    ) -> None:
        self.connection = conn
        self.clock = clock
        self.caches = caches or Caches()
        self._ledger = ledger
        self.done = False
        self._after_commit: list[Callable[[], None]] = []
        self.audit = SqlAuditLog(conn)
        # participants, and the ledger's accounts as readers see them
        self.participants = SqlParticipants(conn)
        self.accounts = SqlAccounts(conn)
        self.fees = SqlFees(conn)
        self.fx = SqlFx(conn, self.caches if ledger is not None else None)
        self.treasury = SqlTreasury(conn)
        self.calendar = SqlCalendar(conn)  # the operating day
        # payments
        self.payments = SqlPayments(conn, clock)
        self.holds = SqlHolds(conn, self.payments)
        # compliance
        self.lists = SqlLists(conn)
        self.limits = SqlLimits(conn)
        # settlement
        self.queue = SqlPaymentQueue(conn)
        self.windows = SqlWindows(conn)
        self.rules = SqlSettlementRules(conn)
        self.runs = SqlSettlementRuns(conn)
        # ISO 20022: the business messages received (their headers' identifiers)
        self.messages = SqlBusinessMessages(conn)
        # the HTTP service: API keys, kept responses, and the read models of its lists
        self.keys = SqlKeys(conn)
        self.idempotency = SqlIdempotency(conn)
        self.read_models = SqlReadModels(conn)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            raise ReadOnlyUnit("this is a read-only unit of work: it cannot move money")
        return self._ledger

    @property
    def writes(self) -> bool:
        return self._ledger is not None

    def commit(self) -> None:
        invariant(not self.done, "the unit of work was already committed or rolled back")
        if self._ledger is None:
            raise ReadOnlyUnit("this is a read-only unit of work: it has nothing to commit")
        self.done = True
        self.fx.flush()
        self._ledger.end_unit(commit=True)
        for then in self._after_commit:
            then()

    def after_commit(self, then: Callable[[], None]) -> None:
        """Run `then` once the unit has committed (drop a cached row, install a list); never
        if it rolls back."""
        self._after_commit.append(then)

    def rollback(self) -> None:
        if self.done:
            return
        self.done = True
        if self._ledger is not None:
            self.caches.clear()  # they may hold what this unit wrote; a reader wrote nothing
            self._ledger.end_unit(commit=False)
        else:
            self.connection.rollback()
            self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()


def writer_unit(
    ledger: Ledger, *, clock: Callable[[], int], caches: Caches | None = None
) -> SqlUnitOfWork:
    """Open a unit on the writer's connection (the ledger's session)."""
    session = ledger.session
    invariant(isinstance(session, WriterSession), "the ledger's session is not a SQL writer")
    assert isinstance(session, WriterSession)
    ledger.begin_unit()
    return SqlUnitOfWork(session.connection, ledger, clock=clock, caches=caches)


def read_unit(
    store: Store, *, clock: Callable[[], int], caches: Caches | None = None
) -> SqlUnitOfWork:
    """Open a read-only unit on a pooled connection."""
    conn = store.engine.connect()
    return SqlUnitOfWork(conn, None, clock=clock, caches=caches)

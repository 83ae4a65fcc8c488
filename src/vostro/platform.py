"""The platform assembled: store, ledger writer, and the domain's parts, with the unit of work
that every command runs in.

Entrypoints (the command line, the HTTP service's writer, the simulator) open one `Platform`.
Each call of a part's command through the platform (`platform.registry.register(...)`) is one
command: it runs in a unit of work of its own (one transaction, audit entry included) and is
committed when it returns, or rolled back when it raises. A command made of several calls opens
one unit itself (`with platform.unit() as uow: ...; uow.commit()`); the calls inside it join
that unit. Queries (`READS`) run in a read-only unit on a connection of their own, so readers
never wait for the writer, except on a thread with a unit open, where they read through it and
see its uncommitted writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar

from vostro.calendar.model import DayState
from vostro.compliance.admin import Compliance
from vostro.compliance.screener import ListScreener
from vostro.config import Settings
from vostro.day.admin import DayAdmin
from vostro.day.procedure import DayError, OperatingDays
from vostro.errors import VostroError, invariant
from vostro.fx.desk import FxDesk
from vostro.iso20022.headers import BusinessMessages
from vostro.ledger.types import CreateTransferResult
from vostro.ledger.writer import Ledger
from vostro.participants.registry import Registry
from vostro.payments.checks import Memo
from vostro.payments.fees import FeeSchedules
from vostro.payments.holds import HoldDecisions
from vostro.payments.lifecycle import Lifecycle
from vostro.payments.service import Payments
from vostro.payments.settling import Settling
from vostro.settlement.rules import SettlementRules
from vostro.settlement.views import SettlementViews
from vostro.store import Store, open_store
from vostro.store.repositories.compliance import SqlListSource
from vostro.store.uow import Caches, SqlUnitOfWork, read_unit, writer_unit
from vostro.treasury.vostro import VostroTreasury

P = ParamSpec("P")
T = TypeVar("T")
Part = TypeVar("Part")

# The methods of each part that only read: they run in a read-only unit.
READS: dict[str, frozenset[str]] = {
    "registry": frozenset({"find", "get", "all", "operator", "resolve", "balance"}),
    "fees": frozenset({"get"}),
    "desk": frozenset({"rate_book", "reference", "standing_rate", "get_quote"}),
    "treasury": frozenset({"balances", "report"}),
    "payments": frozenset({"get", "list"}),
    "holds": frozenset({"holds", "screenings"}),
    "settlement": frozenset({"reports"}),
    "compliance": frozenset({"lists", "limits"}),
    "rules": frozenset({"mode", "net_debit_cap", "bilateral_limit"}),
    "days": frozenset({"calendar", "status", "pending_steps"}),
    "calendar": frozenset(
        {"view", "calendar", "days", "day", "statements", "statement", "carries"}
    ),
    "settlement_views": frozenset(
        {"queue", "queue_entry", "queue_depth", "windows", "window", "reports"}
    ),
}


class Commands(Generic[Part]):
    """A part of the domain seen from an entrypoint: each public method, called without its
    unit of work, runs as one command (or joins the unit open on this thread)."""

    def __init__(self, platform: Platform, name: str, part: Part) -> None:
        self._platform = platform
        self._part = part
        self._reads = READS.get(name, frozenset())

    @property
    def part(self) -> Part:
        return self._part

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._part, name)
        if name.startswith("_") or not callable(method):
            return method
        run = self._platform.read if name in self._reads else self._platform.run
        return lambda *args, **kwargs: run(method, *args, **kwargs)


class ReadOnly(VostroError):
    """A write asked of a platform opened to read."""


class Platform:
    """The parts of the domain, each behind its `Commands`, on one store and its ledger writer."""

    def __init__(
        self, store: Store, ledger: Ledger | None, settings: Settings, clock: Callable[[], int]
    ) -> None:
        """`ledger` None: a reader, beside the writer of another process (its commands only
        read; one that would write is refused)."""
        self.store, self._ledger, self.clock = store, ledger, clock
        self.caches = Caches()
        self._local = threading.local()
        registry = Registry()
        # Screens every payment against the stored lists (parsed on first use), once any is loaded.
        screener = ListScreener(SqlListSource(store.engine), threshold=settings.screening_threshold)
        fees = FeeSchedules(registry)
        lifecycle = Lifecycle(
            registry,
            FxDesk(),
            Memo(fees),
            screener=screener,
            clock=clock,
            hold_deadline_s=settings.hold_deadline_s,
            queue_deadline_s=settings.queue_deadline_s,
        )
        self.settings_memo = lifecycle.memo
        self.registry = Commands(self, "registry", registry)
        self.fees = Commands(self, "fees", fees)
        self.desk = Commands(self, "desk", lifecycle.desk)
        self.payments = Commands(self, "payments", Payments(lifecycle))
        self.holds = Commands(self, "holds", HoldDecisions(lifecycle))
        settling = Settling(lifecycle)
        self.settlement = Commands(self, "settlement", settling)
        treasury = VostroTreasury(registry)
        days = OperatingDays(
            lifecycle,
            settling,
            treasury,
            store,
            settings.iso20022_xsd_dir,
            statements=settings.end_of_day_statements,
        )
        self.days = Commands(self, "days", days)
        self.calendar = Commands(self, "calendar", DayAdmin(registry, lifecycle.memo, clock))
        self.rules = Commands(self, "rules", SettlementRules())
        self.settlement_views = Commands(self, "settlement_views", SettlementViews())
        self.messages = Commands(self, "messages", BusinessMessages())
        self.treasury = Commands(self, "treasury", treasury)
        self.compliance = Commands(
            self,
            "compliance",
            Compliance(screener, lambda uow, bic: registry.find(uow, bic) is not None),
        )

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Callable[[], int] = time.time_ns,
        settings: Settings | None = None,
        durable: bool = True,
        read_only: bool = False,
    ) -> Platform:
        """Open the platform on a database. `settings` supplies the screening threshold and
        deadlines (default: read from the environment now); `durable=False` for a scratch
        database (see `open_store`); `read_only` opens a reader that never takes the writer
        lock, so it works while a service writes."""
        settings = settings or Settings(database_url=url)
        store = open_store(url, durable=durable)
        ledger = None if read_only else Ledger(store, clock=clock)
        return cls(store, ledger, settings, clock)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            raise ReadOnly(
                "this command only reads the database: a change goes through the process that "
                "holds the writer lock (the running service)"
            )
        return self._ledger

    # ----------------------------------------------------------- units of work
    @contextmanager
    def unit(self) -> Iterator[SqlUnitOfWork]:
        """One command's unit of work on the writer: commit it, or it rolls back."""
        invariant(self._current() is None, "a unit of work is already open on this thread")
        uow = writer_unit(self.ledger, clock=self.clock, caches=self.caches)
        self._local.uow = uow
        try:
            with uow:
                yield uow
        finally:
            self._local.uow = None

    def run(self, fn: Callable[Concatenate[Any, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn(uow, ...)` as one command: committed if it returns, rolled back if it raises
        (or inside the unit already open on this thread, which commits it)."""
        current = self._current()
        if current is not None:
            return fn(current, *args, **kwargs)
        with self.unit() as uow:
            result = fn(uow, *args, **kwargs)
            uow.commit()
        return result

    def read(self, fn: Callable[Concatenate[Any, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run the query `fn(uow, ...)` in a read-only unit (or the one open on this thread)."""
        current = self._current()
        if current is not None:
            return fn(current, *args, **kwargs)
        with read_unit(self.store, clock=self.clock, caches=self.caches) as uow:
            return fn(uow, *args, **kwargs)

    def _current(self) -> SqlUnitOfWork | None:
        uow: SqlUnitOfWork | None = getattr(self._local, "uow", None)
        return uow

    # ------------------------------------------------------------- commands
    def fund(self, bic: str, amount_minor: int, code: str, *, transfer_id: int, actor: str) -> str:
        """Fund a participant, then retry its queued payments with the new liquidity: one
        command (or part of the one open on this thread)."""

        def fund_and_retry(uow: SqlUnitOfWork) -> str:
            del uow  # the calls below join it
            result = self.registry.fund(
                bic, amount_minor, code, transfer_id=transfer_id, actor=actor
            )
            if result == CreateTransferResult.OK:
                self.payments.retry_queue(self.registry.get(bic).bic, code)
            return str(result)

        return self.run(fund_and_retry)

    def end_of_day(self, code: str, day: date) -> list[str]:
        """Run the currency's end of day from its first step not yet done, each step one
        command; returns the steps done now."""
        done = []
        for step in self.days.pending_steps(code, day):
            self.days.run_step(code, day, step)
            done.append(step)
        return done

    def close_day(self, code: str, day: date) -> list[str]:
        """The operator's end of day for `code`'s operating day `day` (run now, before its time if
        need be); a day already closed is left as it is. Returns the steps done now."""
        current = self.run(self.days.part.current, code)
        if current.day == day:
            return self.end_of_day(code, day)
        recorded = self.read(lambda uow: uow.calendar.day(code, day))
        if recorded is not None and recorded.state is DayState.CLOSED:
            return []
        raise DayError(
            f"{day} is not {code}'s operating day: {current.day} is ({current.state}); only it "
            "can be closed"
        )

    def day_tick(self) -> dict[str, Any]:
        """What the writer does for the operating days between commands: open each currency's
        first day, run (or resume) the end of day that is due, release warehoused payments."""
        closed = {}
        for code in self.read(lambda uow: uow.calendar.currencies()):
            due = self.run(self.days.part.due, code)
            if due is not None:
                closed[code] = (due, self.end_of_day(code, due))
        released = self.days.release_due()
        return {"closed": closed, "released": released}

    def close(self) -> None:
        try:
            if self._ledger is not None:
                self._ledger.close()
        finally:
            self.store.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

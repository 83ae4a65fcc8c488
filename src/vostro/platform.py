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
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar

from vostro.compliance.decisions import Compliance
from vostro.config import Settings
from vostro.errors import invariant
from vostro.fx.desk import FxDesk
from vostro.ledger.writer import Ledger
from vostro.participants.registry import Registry
from vostro.payments.service import PaymentService
from vostro.settlement.rules import SettlementRules
from vostro.settlement.views import SettlementViews
from vostro.store import Store, open_store
from vostro.store.uow import Caches, SqlUnitOfWork, read_unit, writer_unit
from vostro.treasury.vostro import VostroTreasury

P = ParamSpec("P")
T = TypeVar("T")
Part = TypeVar("Part")

# The methods of each part that only read: they run in a read-only unit.
READS: dict[str, frozenset[str]] = {
    "rules": frozenset({"mode", "net_debit_cap", "bilateral_limit"}),
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


@dataclass
class Platform:
    store: Store
    ledger: Ledger
    registry: Registry
    desk: FxDesk
    payments: PaymentService
    treasury: VostroTreasury
    compliance: Compliance
    clock: Callable[[], int] = time.time_ns
    caches: Caches = field(default_factory=Caches)
    _local: threading.local = field(default_factory=threading.local)
    rules: Commands[SettlementRules] = field(init=False)
    settlement_views: Commands[SettlementViews] = field(init=False)

    def __post_init__(self) -> None:
        self.rules = Commands(self, "rules", SettlementRules())
        self.settlement_views = Commands(self, "settlement_views", SettlementViews())

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Callable[[], int] = time.time_ns,
        settings: Settings | None = None,
    ) -> Platform:
        """Open the platform on a database. `settings` supplies the screening threshold and hold
        deadline (default: read from the environment now)."""
        settings = settings or Settings(database_url=url)
        store = open_store(url)
        ledger = Ledger(store, clock=clock)
        registry = Registry(ledger)
        desk = FxDesk(store.engine)
        payments = PaymentService(ledger, registry, desk, clock=clock)
        # Screens every payment against the stored lists (parsed on first use), once any is loaded.
        compliance = Compliance.from_settings(payments, registry, settings)
        return cls(
            store,
            ledger,
            registry,
            desk,
            payments,
            VostroTreasury(ledger, registry),
            compliance,
            clock,
        )

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
        """Fund a participant, then retry its queued payments with the new liquidity."""
        result = self.registry.fund(bic, amount_minor, code, transfer_id=transfer_id, actor=actor)
        if result == "ok":
            self.payments.retry_queue(self.registry.get(bic).bic, code)
        return str(result)

    def close(self) -> None:
        try:
            self.ledger.close()
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

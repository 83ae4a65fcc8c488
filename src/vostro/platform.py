"""The platform assembled: store, ledger writer, registry, FX desk, payments, treasury, settlement
and compliance (screening lists, holds, limits).

Entrypoints (the command line now, the HTTP service later) open one `Platform` and use its parts;
nothing else wires them together.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from vostro.compliance.decisions import Compliance
from vostro.config import Settings
from vostro.fx.desk import FxDesk
from vostro.ledger.writer import Ledger
from vostro.participants.registry import Registry
from vostro.payments.service import PaymentService
from vostro.settlement.engine import Settlement
from vostro.store import Store, open_store
from vostro.treasury.vostro import VostroTreasury


@dataclass
class Platform:
    store: Store
    ledger: Ledger
    registry: Registry
    desk: FxDesk
    payments: PaymentService
    treasury: VostroTreasury
    settlement: Settlement
    compliance: Compliance

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
            Settlement(payments),
            compliance,
        )

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

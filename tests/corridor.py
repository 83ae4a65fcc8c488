"""A small India–Russia corridor for tests: operator, banks, an FX provider, rates and fees, on
the platform's parts (each call one command in its own unit of work)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vostro.config import HOLD_DEADLINE_S, Settings
from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import load_csv
from vostro.ledger.writer import Ledger
from vostro.participants.model import Role
from vostro.payments.fees import FeeSchedule
from vostro.platform import Platform
from vostro.store import Store
from vostro.store.uow import read_unit

OPERATOR = "VSTRINBB"
SBI = "SBININBB"  # State Bank of India
UCO = "UCBAINBB"  # UCO Bank
SBER = "SABRRUMM"  # Sberbank: rupee vostro at SBI
VTB = "VTBRRUMM"  # VTB Bank: rupee vostro at UCO Bank
FXP = "ICICINBB"  # ICICI Bank, quoting RUB/INR both ways
RATES_CSV = """date,base,quote,rate
2026-11-27,USD,RUB,78.5000
2026-11-27,USD,INR,84.5000
"""


@dataclass
class Corridor:
    platform: Platform
    clock: Any
    next_id: int = 10**20

    def __getattr__(self, name: str) -> Any:  # the platform's parts: registry, payments, ...
        return getattr(self.platform, name)

    def transfer_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def fund(self, bic: str, amount_minor: int, code: str) -> None:
        assert (
            self.platform.registry.fund(
                bic, amount_minor, code, transfer_id=self.transfer_id(), actor="test"
            )
            == "ok"
        )


def build(
    store: Store, clock: Callable[[], int], *, hold_deadline_s: int = HOLD_DEADLINE_S
) -> Corridor:
    settings = Settings(database_url=store.url, hold_deadline_s=hold_deadline_s)
    platform = Platform(store, Ledger(store, clock=clock), settings, clock)
    registry = platform.registry
    registry.register(OPERATOR, "vostro settlement operator", [Role.OPERATOR], ["INR", "RUB"])
    registry.register(SBI, "State Bank of India", [Role.BANK], ["INR"])
    registry.register(UCO, "UCO Bank", [Role.BANK], ["INR"])
    registry.register(SBER, "Sberbank", [Role.BANK], ["RUB"], correspondent_bic=SBI)
    registry.register(VTB, "VTB Bank", [Role.BANK, Role.MTO], ["RUB"], correspondent_bic=UCO)
    registry.register(FXP, "ICICI Bank", [Role.BANK, Role.FX_PROVIDER], ["INR", "RUB"])
    desk = platform.desk
    desk.add_reference_rates(load_csv(RATES_CSV, "test"), actor="test")
    for source, target in (("RUB", "INR"), ("INR", "RUB")):
        desk.set_standing_rate(
            StandingRate(FXP, source, target, (Tier(0, 150), Tier(10_000_000, 80))), actor="test"
        )
    platform.fees.set(
        VTB, FeeSchedule("RUB", fixed_minor=5000, rate_bps=50, cap_minor=200_000), actor="test"
    )
    return Corridor(platform, clock)


def uetr() -> str:
    return str(uuid.uuid4())


def audit_entries(store: Store, subject: str | None = None) -> list[dict[str, Any]]:
    """The audit log as a reader sees it (newest first)."""
    with read_unit(store, clock=time.time_ns) as uow:
        return uow.audit.entries(subject)

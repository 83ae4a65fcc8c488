"""A small India–Russia corridor for tests: operator, banks, an FX provider, rates and fees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from vostro.fx.desk import FxDesk
from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import load_csv
from vostro.ledger.writer import Ledger
from vostro.participants.model import Role
from vostro.participants.registry import Registry
from vostro.payments.fees import FeeSchedule
from vostro.payments.service import PaymentService
from vostro.store import Store
from vostro.treasury.vostro import VostroTreasury

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
    ledger: Ledger
    registry: Registry
    desk: FxDesk
    payments: PaymentService
    treasury: VostroTreasury
    clock: object
    next_id: int = 10**20

    def transfer_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def fund(self, bic: str, amount_minor: int, code: str) -> None:
        assert (
            self.registry.fund(
                bic, amount_minor, code, transfer_id=self.transfer_id(), actor="test"
            )
            == "ok"
        )


def build(store: Store, clock) -> Corridor:  # type: ignore[no-untyped-def]
    ledger = Ledger(store, clock=clock)
    registry = Registry(ledger)
    registry.register(OPERATOR, "vostro settlement operator", [Role.OPERATOR], ["INR", "RUB"])
    registry.register(SBI, "State Bank of India", [Role.BANK], ["INR"])
    registry.register(UCO, "UCO Bank", [Role.BANK], ["INR"])
    registry.register(SBER, "Sberbank", [Role.BANK], ["RUB"], correspondent_bic=SBI)
    registry.register(VTB, "VTB Bank", [Role.BANK, Role.MTO], ["RUB"], correspondent_bic=UCO)
    registry.register(FXP, "ICICI Bank", [Role.BANK, Role.FX_PROVIDER], ["INR", "RUB"])
    desk = FxDesk(store.engine)
    desk.add_reference_rates(load_csv(RATES_CSV, "test"), actor="test")
    for source, target in (("RUB", "INR"), ("INR", "RUB")):
        desk.set_standing_rate(
            StandingRate(FXP, source, target, (Tier(0, 150), Tier(10_000_000, 80))), actor="test"
        )
    registry.set_fee_schedule(
        VTB, FeeSchedule("RUB", fixed_minor=5000, rate_bps=50, cap_minor=200_000), actor="test"
    )
    corridor = Corridor(
        ledger,
        registry,
        desk,
        PaymentService(ledger, registry, desk, clock=clock),
        VostroTreasury(ledger, registry),
        clock,
    )
    return corridor


def uetr() -> str:
    return str(uuid.uuid4())

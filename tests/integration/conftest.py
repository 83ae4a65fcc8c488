"""The ISO 20022 tests' corridor: a platform with the operator, three banks (one a Russian bank with
its rupee vostro at UCO Bank), an FX provider quoting RUB/INR, reference rates and liquidity."""

from __future__ import annotations

import pytest

from tests.corridor import FXP, OPERATOR, RATES_CSV, SBI, UCO, VTB
from tests.fakes import Clock
from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import load_csv
from vostro.participants.model import Role
from vostro.platform import Platform


@pytest.fixture
def platform(database_url: str):  # type: ignore[no-untyped-def]
    clock = Clock(1_795_761_000 * 10**9)  # 2026-11-27 06:30 UTC, the fixtures' value date
    with Platform.open(database_url, clock=clock) as p:
        r = p.registry
        r.register(OPERATOR, "operator", [Role.OPERATOR], ["INR", "RUB", "USD"])
        r.register(SBI, "State Bank of India", [Role.BANK], ["INR"])
        r.register(UCO, "UCO Bank", [Role.BANK], ["INR"])
        r.register(VTB, "VTB Bank", [Role.BANK], ["RUB"], correspondent_bic=UCO)
        r.register(FXP, "ICICI Bank", [Role.BANK, Role.FX_PROVIDER], ["INR", "RUB"])
        p.desk.add_reference_rates(load_csv(RATES_CSV, "test"), actor="test")
        p.desk.set_standing_rate(StandingRate(FXP, "RUB", "INR", (Tier(0, 150),)), actor="test")
        for n, (bic, amount, code) in enumerate(
            [(VTB, 10_000_000_00, "RUB"), (FXP, 10_000_000_00, "INR")]
        ):
            assert p.fund(bic, amount, code, transfer_id=900 + n, actor="test") == "ok"
        p.clock = clock  # type: ignore[attr-defined]
        yield p

"""The India–Russia rupee corridor that every generated workload runs on.

Who is in it: four Indian banks (SBI, UCO Bank, Indian Bank, IndusInd), three Russian banks
(Sberbank, VTB, Gazprombank) each with a rupee vostro account at an Indian correspondent, and
ICICI Bank and HDFC Bank as FX providers quoting RUB/INR both ways. The weights say how the
corridor's payments spread over the banks of each side.

`setup_demo` registers the demonstration corridor behind `make run` (once): the participants,
reference rates (USD/INR 84.5 and INR 0.95 per RUB, from `shared/data/fx_and_cost_parameters.csv`),
standing rates, fees, the vostro treasury settings, opening liquidity, and a watch list of
invented parties. The settlement day (`sim.day`) registers its own, smaller set of the same banks.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import ReferenceRate
from vostro.participants.model import Role
from vostro.payments.fees import FeeSchedule
from vostro.platform import Platform

INR_PER_USD = Decimal("84.5")  # fx_and_cost_parameters.csv: USD/INR ~84.5 (late 2024)
INR_PER_RUB_DEFAULT = Decimal("0.95")  # fx_and_cost_parameters.csv: inr_per_rub_mid_start
CRORE = 10**7 * 100  # one crore rupees in paise

INDIAN = ["SBININBB", "UCBAINBB", "IDIBINBB", "INDBINBB"]  # SBI, UCO, Indian Bank, IndusInd
INDIAN_WEIGHTS = [0.45, 0.30, 0.15, 0.10]
RUSSIAN = ["SABRRUMM", "VTBRRUMM", "GAZPRUMM"]  # Sberbank, VTB, Gazprombank
RUSSIAN_WEIGHTS = [0.45, 0.35, 0.20]
FX_PROVIDER = "ICICINBB"  # the settlement day's one FX provider; the demo's first
SECOND_FX = "HDFCINBB"
FX_PROVIDERS = (FX_PROVIDER, SECOND_FX)
OPERATOR = "VSTRINBB"
NAMES = {
    "SBININBB": "State Bank of India",
    "UCBAINBB": "UCO Bank",
    "IDIBINBB": "Indian Bank",
    "INDBINBB": "IndusInd Bank",
    "SABRRUMM": "Sberbank",
    "VTBRRUMM": "VTB Bank",
    "GAZPRUMM": "Gazprombank",
    FX_PROVIDER: "ICICI Bank",
    SECOND_FX: "HDFC Bank",
    OPERATOR: "vostro operator",
}
# Each Russian bank's rupee vostro account is held at this Indian bank.
CORRESPONDENT = {"SABRRUMM": "SBININBB", "VTBRRUMM": "UCBAINBB", "GAZPRUMM": "IDIBINBB"}

# A demonstration watch list of invented parties (never real people or companies), in Latin
# script; the stream names one of them in Cyrillic now and then, so holds appear and are decided.
DEMO_LIST_NAME = "demo-watchlist"
DEMO_LIST = "\n".join(
    json.dumps({"id": f"demo-{n}", "schema": schema, "properties": {"name": [name]}})
    for n, (schema, name) in enumerate(
        (("Person", "Pavel Grishin"), ("Company", "Vostok Maritime Trading LLC"))
    )
).encode()
LISTED_IN_CYRILLIC = ("ООО Восток Маритайм Трейдинг", "Павел Гришин")

# The demo's spreads in basis points per provider: below and from INR 1 lakh (10,000,000 paise).
DEMO_SPREADS_BPS = {FX_PROVIDER: (150, 80), SECOND_FX: (120, 90)}
DEMO_TIER_FROM_MINOR = 10_000_000
DEMO_FUNDING_ID_BASE = 10**30  # transfer ids of the demo's opening liquidity, fixed: idempotent


def inr_per_rub(data_dir: Path) -> Decimal:
    """The corridor's starting INR per RUB mid rate, from the sourced parameters."""
    with (data_dir / "fx_and_cost_parameters.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["parameter"] == "inr_per_rub_mid_start":
                return Decimal(row["value"])
    return INR_PER_RUB_DEFAULT


def setup_demo(platform: Platform, data_dir: Path, *, actor: str) -> bool:
    """Register the demo corridor unless it is there already; True if it was registered now.
    The operator is registered by the caller (the service knows its own)."""
    if platform.registry.find(INDIAN[0]) is not None:
        return False
    _register_demo_banks(platform, actor)
    _load_demo_rates(platform, inr_per_rub(data_dir), actor)
    for bic in RUSSIAN:
        platform.fees.set(
            bic,
            FeeSchedule("RUB", fixed_minor=5_000, rate_bps=50, cap_minor=200_000),
            actor=actor,
        )
        platform.treasury.configure(bic, 500 * CRORE, Decimal("0.065"), actor=actor)
    _fund_demo_banks(platform, actor)
    platform.compliance.load_list(DEMO_LIST_NAME, DEMO_LIST, "ftm", actor)
    return True


def _register_demo_banks(platform: Platform, actor: str) -> None:
    registry = platform.registry
    for bic in INDIAN:
        registry.register(bic, NAMES[bic], [Role.BANK], ["INR"], actor=actor)
    for bic in RUSSIAN:
        registry.register(
            bic,
            NAMES[bic],
            [Role.BANK, Role.MTO],
            ["INR", "RUB"],
            correspondent_bic=CORRESPONDENT[bic],
            actor=actor,
        )
    for bic in FX_PROVIDERS:
        registry.register(
            bic, NAMES[bic], [Role.BANK, Role.FX_PROVIDER], ["INR", "RUB"], actor=actor
        )


def _load_demo_rates(platform: Platform, rub_rate: Decimal, actor: str) -> None:
    today = datetime.now(UTC).date()
    usd_rub = (INR_PER_USD / rub_rate).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
    platform.desk.add_reference_rates(
        [
            ReferenceRate("USD", "INR", INR_PER_USD, today, "shared/data"),
            ReferenceRate("USD", "RUB", usd_rub, today, "shared/data"),
        ],
        actor=actor,
    )
    for provider, (small_bps, large_bps) in DEMO_SPREADS_BPS.items():
        for source, target in (("RUB", "INR"), ("INR", "RUB")):
            tiers = (Tier(0, small_bps), Tier(DEMO_TIER_FROM_MINOR, large_bps))
            platform.desk.set_standing_rate(
                StandingRate(provider, source, target, tiers), actor=actor
            )


def _fund_demo_banks(platform: Platform, actor: str) -> None:
    base = DEMO_FUNDING_ID_BASE
    for n, bic in enumerate(INDIAN):
        platform.fund(bic, 5_000 * CRORE, "INR", transfer_id=base + n, actor=actor)
    for n, bic in enumerate(RUSSIAN):
        platform.fund(bic, 1_000 * CRORE, "INR", transfer_id=base + 100 + n, actor=actor)
        platform.fund(bic, 1_000 * CRORE, "RUB", transfer_id=base + 200 + n, actor=actor)
    for n, bic in enumerate(FX_PROVIDERS):
        for m, code in enumerate(("INR", "RUB")):
            platform.fund(
                bic, 2_000 * CRORE, code, transfer_id=base + 300 + 10 * n + m, actor=actor
            )

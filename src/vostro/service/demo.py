"""The demonstration corridor behind `make run`: banks, FX providers and a live calibrated stream.

`setup` registers (once) the corridor of `settlement/day.py` (four Indian banks; Sberbank, VTB
and Gazprombank with rupee vostro accounts at Indian banks; ICICI Bank and HDFC Bank as FX
providers quoting RUB/INR both ways), loads reference rates (USD/INR 84.5 and INR 0.95 per RUB,
from `shared/data/fx_and_cost_parameters.csv`), standing rates, fees, the vostro treasury
settings, opening liquidity, and an API key per bank.

`Stream` then plays calibrated corridor days (`generate_day`: crude oil, oil products,
fertilisers, exports to India... with the sourced ticket sizes, counts and currency shares)
through the real HTTP API, each payment sent with its payer's key, at a steady pace. Migrant
remittances go as RUB→INR payments on a firm quote from an FX provider (payment-versus-payment).
Every minute the operator closes the day's vostro sweep and tops up any Indian bank whose
liquidity has run low (what its treasury would do), so the queue drains and the dashboard moves.
"""

from __future__ import annotations

import csv
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import httpx

from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import ReferenceRate
from vostro.participants.model import Role as ParticipantRole
from vostro.payments.fees import FeeSchedule
from vostro.platform import Platform
from vostro.service.auth import KeyRing, Role
from vostro.service.bootstrap import ensure_operator
from vostro.sim.day import CORRESPONDENT, FX_PROVIDER, INDIAN, NAMES, RUSSIAN, generate_day
from vostro.units import NS_PER_S

log = logging.getLogger("vostro.demo")
# A demonstration watch list of invented parties (never real people or companies), in Latin
# script; the stream names one of them in Cyrillic now and then, so holds appear and are decided.
DEMO_LIST = "\n".join(
    json.dumps({"id": f"demo-{n}", "schema": schema, "properties": {"name": [name]}})
    for n, (schema, name) in enumerate(
        (("Person", "Pavel Grishin"), ("Company", "Vostok Maritime Trading LLC"))
    )
).encode()
LISTED_IN_CYRILLIC = ("ООО Восток Маритайм Трейдинг", "Павел Гришин")
# Short tags for the corridor segments of shared/data/corridor_segments.csv, for the totals.
SEGMENT_TAGS = {
    "crude_oil_HS2709": "crude_oil",
    "oil_products_and_coal_HS27_other": "oil_products_coal",
    "fertilisers_HS31": "fertilisers",
    "vegetable_oils_HS15": "vegetable_oils",
    "precious_stones_metals_HS71": "precious_stones",
    "other_imports_incl_defence_pulses_machinery": "other_imports",
    "engineering_electrical_smartphones_HS84_85_87_72_73": "engineering",
    "pharmaceuticals_HS30": "pharmaceuticals",
    "chemicals_HS28_29_38": "chemicals",
    "food_marine_tea_coffee_meat_fruit": "food",
    "other_exports_apparel_tiles_misc": "other_exports",
    "migrant_remittances": "remittances",
}
HOLD_EVERY = 150  # one payment in this many names a listed party
INDIAN_FIRMS = (
    "Indian Oil Corporation Ltd",
    "Bharat Petroleum Corporation Ltd",
    "Nayara Energy Ltd",
    "Indian Farmers Fertiliser Cooperative",
    "Chambal Fertilisers and Chemicals Ltd",
    "Sun Pharmaceutical Industries Ltd",
    "Tata Steel Ltd",
    "Mahindra and Mahindra Ltd",
)
RUSSIAN_FIRMS = (
    "OOO Severnaya Neft Trading",
    "AO Uralskie Udobreniya",
    "OOO Volga Agro Export",
    "PAO Sibirskiy Metall",
    "OOO Baltic Chemicals",
    "AO Kama Machinery",
)
WORKERS = ("Rahul Sharma", "Sandeep Kumar", "Mohammed Arif", "Gurpreet Singh", "Anil Yadav")
FAMILIES = ("Sunita Sharma", "Priya Kumari", "Shabana Arif", "Harjit Kaur", "Meena Yadav")
SECOND_FX = "HDFCINBB"
FX_PROVIDERS = (FX_PROVIDER, SECOND_FX)
CRORE = 10**7 * 100  # one crore rupees in paise
USD_INR = Decimal("84.5")


@dataclass
class DemoKeys:
    operator: str
    banks: dict[str, str] = field(default_factory=dict)


def _inr_per_rub(data_dir: Path) -> Decimal:
    with (data_dir / "fx_and_cost_parameters.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["parameter"] == "inr_per_rub_mid_start":
                return Decimal(row["value"])
    return Decimal("0.95")


def setup(platform: Platform, data_dir: Path, *, actor: str = "vostro demo") -> DemoKeys:
    """Register the demo corridor if it is not there yet, and issue fresh keys."""
    registry = platform.registry
    inr_per_rub = _inr_per_rub(data_dir)
    ensure_operator(platform, actor=actor)
    if registry.find(INDIAN[0]) is None:
        for bic in INDIAN:
            registry.register(bic, NAMES[bic], [ParticipantRole.BANK], ["INR"], actor=actor)
        for bic in RUSSIAN:
            roles = [ParticipantRole.BANK, ParticipantRole.MTO]
            registry.register(
                bic,
                NAMES[bic],
                roles,
                ["INR", "RUB"],
                correspondent_bic=CORRESPONDENT[bic],
                actor=actor,
            )
        for bic, name in ((FX_PROVIDER, NAMES[FX_PROVIDER]), (SECOND_FX, "HDFC Bank")):
            registry.register(
                bic,
                name,
                [ParticipantRole.BANK, ParticipantRole.FX_PROVIDER],
                ["INR", "RUB"],
                actor=actor,
            )
        today = datetime.now(UTC).date()
        usd_rub = (USD_INR / inr_per_rub).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
        platform.desk.add_reference_rates(
            [
                ReferenceRate("USD", "INR", USD_INR, today, "shared/data"),
                ReferenceRate("USD", "RUB", usd_rub, today, "shared/data"),
            ],
            actor=actor,
        )
        for provider, spreads in ((FX_PROVIDER, (150, 80)), (SECOND_FX, (120, 90))):
            for source, target in (("RUB", "INR"), ("INR", "RUB")):
                platform.desk.set_standing_rate(
                    StandingRate(
                        provider,
                        source,
                        target,
                        (Tier(0, spreads[0]), Tier(10_000_000, spreads[1])),
                    ),
                    actor=actor,
                )
        for bic in RUSSIAN:
            platform.fees.set(
                bic,
                FeeSchedule("RUB", fixed_minor=5_000, rate_bps=50, cap_minor=200_000),
                actor=actor,
            )
            platform.treasury.configure(bic, 500 * CRORE, Decimal("0.065"), actor=actor)
        for n, bic in enumerate(INDIAN):
            platform.fund(bic, 5_000 * CRORE, "INR", transfer_id=10**30 + n, actor=actor)
        for n, bic in enumerate(RUSSIAN):
            platform.fund(bic, 1_000 * CRORE, "INR", transfer_id=10**30 + 100 + n, actor=actor)
            platform.fund(bic, 1_000 * CRORE, "RUB", transfer_id=10**30 + 200 + n, actor=actor)
        for n, bic in enumerate(FX_PROVIDERS):
            for m, code in enumerate(("INR", "RUB")):
                platform.fund(
                    bic, 2_000 * CRORE, code, transfer_id=10**30 + 300 + 10 * n + m, actor=actor
                )
        platform.compliance.load_list("demo-watchlist", DEMO_LIST, "ftm", actor)
    ring = KeyRing(platform.store.engine)
    keys = DemoKeys(ring.create(Role.OPERATOR, None, "demo operator", actor=actor)[0])
    for bic in (*INDIAN, *RUSSIAN, *FX_PROVIDERS):
        keys.banks[bic] = ring.create(Role.PARTICIPANT, bic, f"demo {bic}", actor=actor)[0]
    return keys


class Stream:
    """Plays calibrated corridor payments through the API until stopped."""

    def __init__(
        self, base_url: str, keys: DemoKeys, data_dir: Path, *, per_second: float = 4.0
    ) -> None:
        self.base_url = base_url
        self.keys = keys
        self.data_dir = data_dir
        self.per_second = per_second
        self.inr_per_rub = _inr_per_rub(data_dir)
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self.run, name="vostro-demo-stream", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            if not _wait_ready(client, self.stop):
                return
            seed = 1
            last_chores = time.monotonic()
            while not self.stop.is_set():
                for n, p in enumerate(generate_day(self.data_dir, seed=seed)):
                    if self.stop.wait(1 / self.per_second):
                        return
                    try:
                        self._send(client, p.payer, p.payee, p.amount_minor, p.segment, seed, n)
                    except httpx.HTTPError as error:
                        log.warning("demo payment not sent", extra={"error": str(error)})
                    if time.monotonic() - last_chores > 60:
                        self._chores(client)
                        last_chores = time.monotonic()
                seed += 1

    def _send(
        self,
        client: httpx.Client,
        payer: str,
        payee: str,
        inr_minor: int,
        segment: str,
        seed: int,
        n: int,
    ) -> None:
        body: dict[str, object] = {
            "uetr": str(uuid.uuid4()),
            "end_to_end_id": f"D{seed}-{n}",
            "creditor_agent": payee,
            "segment": SEGMENT_TAGS.get(segment, segment.lower()[:64]),
        }
        if payer == FX_PROVIDER:  # a migrant's remittance: roubles in Russia, rupees in India
            sender = RUSSIAN[n % len(RUSSIAN)]
            rub_minor = int(
                (Decimal(inr_minor) / self.inr_per_rub).quantize(Decimal(1), ROUND_HALF_EVEN)
            )
            provider = FX_PROVIDERS[n % 2]
            quote = client.post(
                "/v1/fx/quotes",
                json={
                    "provider": provider,
                    "source_currency": "RUB",
                    "target_currency": "INR",
                    "source_amount_minor": rub_minor,
                },
                headers=self._auth(sender),
            )
            if quote.status_code != 201:
                return
            body |= {
                "amount_minor": rub_minor,
                "currency": "RUB",
                "target_currency": "INR",
                "quote_id": quote.json()["id"],
                "flow": "remittance",
                "debtor_name": WORKERS[n % len(WORKERS)],
                "creditor_name": FAMILIES[n % len(FAMILIES)],
            }
            payer = sender
        else:
            indian_payer = payer in INDIAN
            firms = (INDIAN_FIRMS, RUSSIAN_FIRMS) if indian_payer else (RUSSIAN_FIRMS, INDIAN_FIRMS)
            body |= {
                "amount_minor": inr_minor,
                "currency": "INR",
                "flow": "trade",
                "debtor_name": firms[0][n % len(firms[0])],
                "creditor_name": firms[1][(n // 3) % len(firms[1])],
            }
        if n % HOLD_EVERY == HOLD_EVERY - 1:  # a listed party, written in Cyrillic
            body["creditor_name"] = LISTED_IN_CYRILLIC[n // HOLD_EVERY % 2]
        client.post("/v1/payments", json=body, headers=self._auth(payer))
        self.sent += 1

    def _chores(self, client: httpx.Client) -> None:
        operator = {"Authorization": f"Bearer {self.keys.operator}"}
        client.post("/v1/vostro/close-day", headers=operator)
        holds = client.get("/v1/compliance/holds", headers=operator)
        now = time.time_ns()
        for hold in holds.json() if holds.status_code == 200 else []:
            if now - hold["held_at"] > 120 * NS_PER_S:  # the demo's compliance desk decides
                client.post(
                    f"/v1/compliance/holds/{hold['uetr']}/reject",
                    json={"reason": "demo compliance desk: confirmed match with the watch list"},
                    headers=operator,
                )
        for bic in INDIAN:
            accounts = client.get(f"/v1/participants/{bic}/accounts", headers=operator)
            if accounts.status_code != 200:
                continue
            for account in accounts.json():
                if account["kind"] == "settlement" and account["available_minor"] < 1_000 * CRORE:
                    client.post(
                        f"/v1/participants/{bic}/funds",
                        json={"currency": "INR", "amount_minor": 2_000 * CRORE},
                        headers=operator,
                    )

    def _auth(self, bic: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.banks[bic]}"}


def _wait_ready(client: httpx.Client, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            if client.get("/readyz").status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        stop.wait(0.2)
    return False

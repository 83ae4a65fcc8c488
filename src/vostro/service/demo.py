"""The demonstration corridor behind `make run`, sent through the HTTP API.

`setup` registers the operator and (once) the demo corridor of `sim.corridor`, and issues an API
key per bank. `Stream` then plays the calibrated payment stream of `sim.stream` through the real
HTTP API, each payment sent with its sending bank's key, at a steady pace; a remittance first
asks its FX provider for a firm quote. Every minute the operator closes the day's vostro sweep,
rejects holds that have waited two minutes, and tops up any Indian bank whose liquidity has run
low (what its treasury would do), so the queue drains and the dashboard moves.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from vostro.platform import Platform
from vostro.service.auth import KeyRing, Role
from vostro.service.bootstrap import ensure_operator
from vostro.sim.corridor import CRORE, FX_PROVIDERS, INDIAN, RUSSIAN, inr_per_rub, setup_demo
from vostro.sim.stream import StreamPayment, stream
from vostro.units import NS_PER_S

log = logging.getLogger("vostro.demo")
CHORES_EVERY_S = 60
HOLD_DECIDED_AFTER_NS = 120 * NS_PER_S  # the demo's compliance desk decides within two minutes
TOP_UP_BELOW_MINOR = 1_000 * CRORE  # an Indian bank's available balance its treasury keeps
TOP_UP_MINOR = 2_000 * CRORE


@dataclass
class DemoKeys:
    operator: str
    banks: dict[str, str] = field(default_factory=dict)


def setup(platform: Platform, data_dir: Path, *, actor: str = "vostro demo") -> DemoKeys:
    """Register the demo corridor if it is not there yet, and issue fresh keys."""
    ensure_operator(platform, actor=actor)
    setup_demo(platform, data_dir, actor=actor)
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
        self.inr_per_rub = inr_per_rub(data_dir)
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self.run, name="vostro-demo-stream", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            if not _wait_ready(client, self.stop):
                return
            last_chores = time.monotonic()
            for payment in stream(self.data_dir, self.inr_per_rub):
                if self.stop.wait(1 / self.per_second):
                    return
                try:
                    self._send(client, payment)
                except httpx.HTTPError as error:
                    log.warning("demo payment not sent", extra={"error": str(error)})
                if time.monotonic() - last_chores > CHORES_EVERY_S:
                    self._chores(client)
                    last_chores = time.monotonic()

    def _send(self, client: httpx.Client, payment: StreamPayment) -> None:
        body: dict[str, object] = {
            "uetr": payment.uetr,
            "end_to_end_id": payment.end_to_end_id,
            "creditor_agent": payment.creditor_agent,
            "segment": payment.segment,
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "flow": payment.flow,
            "debtor_name": payment.debtor_name,
            "creditor_name": payment.creditor_name,
        }
        if payment.quote_provider is not None:  # a remittance: on a firm quote (PvP)
            quote = client.post(
                "/v1/fx/quotes",
                json={
                    "provider": payment.quote_provider,
                    "source_currency": payment.currency,
                    "target_currency": payment.target_currency,
                    "source_amount_minor": payment.amount_minor,
                },
                headers=self._auth(payment.sender),
            )
            if quote.status_code != 201:
                return
            body |= {"target_currency": payment.target_currency, "quote_id": quote.json()["id"]}
        client.post("/v1/payments", json=body, headers=self._auth(payment.sender))
        self.sent += 1

    def _chores(self, client: httpx.Client) -> None:
        operator = {"Authorization": f"Bearer {self.keys.operator}"}
        client.post("/v1/vostro/close-day", headers=operator)
        holds = client.get("/v1/compliance/holds", headers=operator)
        now_ns = time.time_ns()
        for hold in holds.json() if holds.status_code == 200 else []:
            if now_ns - hold["held_at"] > HOLD_DECIDED_AFTER_NS:
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
                if (
                    account["kind"] == "settlement"
                    and account["available_minor"] < TOP_UP_BELOW_MINOR
                ):
                    client.post(
                        f"/v1/participants/{bic}/funds",
                        json={"currency": "INR", "amount_minor": TOP_UP_MINOR},
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

"""A running service on each backend, driven through HTTP only (after `prepare` made the
operator and its key), with the test corridor registered through the API."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.live import writer_beside
from vostro.config import Settings
from vostro.service.app import create_app, worker_app
from vostro.service.bootstrap import prepare

OPERATOR = "VSTRINBB"
SBI, UCO = "SBININBB", "UCBAINBB"
VTB = "VTBRRUMM"  # rupee vostro at UCO Bank
FXP = "ICICINBB"
CORRIDOR = [
    {"bic": SBI, "name": "State Bank of India", "roles": ["bank"], "currencies": ["INR"]},
    {"bic": UCO, "name": "UCO Bank", "roles": ["bank"], "currencies": ["INR"]},
    {
        "bic": VTB,
        "name": "VTB Bank",
        "roles": ["bank", "mto"],
        "currencies": ["INR", "RUB"],
        "correspondent_bic": UCO,
    },
    {
        "bic": FXP,
        "name": "ICICI Bank",
        "roles": ["bank", "fx_provider"],
        "currencies": ["INR", "RUB"],
    },
]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Api:
    client: TestClient
    operator: dict[str, str]
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)
    auditor: dict[str, str] = field(default_factory=dict)
    e2e: int = 0

    @property
    def app(self) -> Any:
        return self.client.app

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", self.operator)
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == status, (response.status_code, response.text)
        return response.json() if "json" in response.headers.get("content-type", "") else response

    def pay(
        self,
        payer: str,
        payee: str,
        amount_minor: int,
        code: str = "INR",
        *,
        status: int = 201,
        **extra: Any,
    ) -> Any:
        self.e2e += 1
        body = {
            "uetr": str(uuid.uuid4()),
            "end_to_end_id": f"E2E-{self.e2e}",
            "creditor_agent": payee,
            "amount_minor": amount_minor,
            "currency": code,
            **extra,
        }
        return self.ok("POST", "/v1/payments", status, json=body, headers=self.keys[payer])

    def balance(self, bic: str, code: str, kind: str = "settlement") -> int:
        accounts = self.ok("GET", f"/v1/participants/{bic}/accounts")
        vostro_inr = kind == "settlement" and code == "INR" and bic == VTB
        wanted = "vostro" if vostro_inr else kind
        return int(
            next(
                a["balance_minor"]
                for a in accounts
                if a["currency"] == code and a["kind"] == wanted
            )
        )


def build(client: TestClient, operator_key: str) -> Api:
    api = Api(client, bearer(operator_key))
    for participant in CORRIDOR:
        api.ok("POST", "/v1/participants", 201, json=participant)
        made = api.ok(
            "POST",
            "/v1/keys",
            201,
            json={"role": "participant", "bic": participant["bic"], "label": "test"},
        )
        api.keys[participant["bic"]] = bearer(made["key"])
        api.key_ids[participant["bic"]] = made["key_id"]
    made = api.ok("POST", "/v1/keys", 201, json={"role": "auditor", "label": "test auditor"})
    api.auditor = bearer(made["key"])
    today = datetime.now(UTC).date().isoformat()
    api.ok(
        "POST",
        "/v1/fx/rates",
        201,
        json={
            "rates": [
                {"base": "USD", "quote": "RUB", "rate": "78.5", "as_of": today, "source": "test"},
                {"base": "USD", "quote": "INR", "rate": "84.5", "as_of": today, "source": "test"},
            ]
        },
    )
    for source, target in (("RUB", "INR"), ("INR", "RUB")):
        api.ok(
            "PUT",
            f"/v1/fx/standing-rates/{FXP}/{source}/{target}",
            json={
                "tiers": [
                    {"min_source_minor": 0, "spread_bps": 150},
                    {"min_source_minor": 10_000_000, "spread_bps": 80},
                ]
            },
        )
    api.ok(
        "PUT",
        f"/v1/participants/{VTB}/fees/RUB",
        json={"fixed_minor": 5000, "rate_bps": 50, "cap_minor": 200_000},
    )
    for bic, amount, code in (
        (SBI, 10**12, "INR"),
        (VTB, 10**11, "RUB"),
        (FXP, 10**12, "INR"),
        (FXP, 10**12, "RUB"),
    ):
        api.ok(
            "POST", f"/v1/participants/{bic}/funds", json={"currency": code, "amount_minor": amount}
        )
    return api


@pytest.fixture
def service_settings() -> Settings:
    return Settings()


@pytest.fixture
def api(database_url: str, service_settings: Settings) -> Iterator[Api]:
    """The app with its writer in the same process; with `VOSTRO_TEST_WRITER=process`, an HTTP
    worker whose writer is the writer process (as `vostro serve --workers N` runs it)."""
    operator_key = prepare(database_url, label="test operator")
    chosen = Settings(**{**service_settings.model_dump(), "database_url": database_url})
    with ExitStack() as stack:
        if os.environ.get("VOSTRO_TEST_WRITER") == "process":
            socket, token = stack.enter_context(writer_beside(database_url, settings=chosen))
            app = worker_app(socket, token, chosen)
        else:
            app = create_app(database_url, settings=service_settings, housekeeping=False)
        client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
        yield build(client, operator_key)

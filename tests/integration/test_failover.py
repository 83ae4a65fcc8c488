"""A standby writer on PostgreSQL: a second `vostro serve` on the same database serves reads,
refuses writes with 503 and `Retry-After`, and says it is a standby on `/readyz`; when the
active service is SIGKILLed under load (every process of it at once, as when its machine
dies), the standby accepts writes within 5 seconds and nothing acknowledged is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import create_pg_schema, drop_pg_schema, require_postgres
from tests.integration.test_service_crash import (
    FUNDING,
    PAYEE,
    PAYER,
    Clients,
    ready,
    serve,
    setup,
)
from tests.service.live import free_port
from vostro.payments.model import State
from vostro.platform import Platform
from vostro.store import open_store
from vostro.store.verify import verify

TAKEOVER_S = 5.0

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    require_postgres()
    schema, url = create_pg_schema()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


def standby(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{base}/readyz", timeout=2)
            if answer.status_code == 503 and answer.json()["role"] == "standby":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not become a standby within {timeout} s")


class Balanced(Clients):
    """Clients behind a load balancer: each request goes to whichever service answers it."""

    def __init__(self, bases: list[str], key: str) -> None:
        super().__init__(bases[0], key)
        self.bases = bases
        self.turn = 0

    def _send(self, http: httpx.Client, body: dict[str, object]) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.turn += 1
            base = self.bases[self.turn % len(self.bases)]
            try:
                answer = http.post(f"{base}/v1/payments", json=body)
                if answer.status_code in (200, 201):
                    return str(answer.json()["state"])
                assert answer.status_code == 503, answer.text
            except httpx.TransportError:
                pass
            with self._lock:
                self.retries += 1
            time.sleep(0.02)
        raise AssertionError(f"payment {body['uetr']} never answered")


def test_the_standby_takes_over_within_five_seconds(postgres_url: str, tmp_path: Path) -> None:
    key = setup(postgres_url)
    headers = {"Authorization": f"Bearer {key}"}
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    active = serve(postgres_url, ports[0], tmp_path, workers=1)
    second: subprocess.Popen[bytes] | None = None
    clients = Balanced(bases, key)
    threads = [threading.Thread(target=clients.run, args=(n,)) for n in range(4)]
    try:
        ready(bases[0])
        second = serve(postgres_url, ports[1], tmp_path, workers=1)
        standby(bases[1])
        refused = httpx.post(f"{bases[1]}/v1/payments", headers=headers, json=payment(1))
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
        assert refused.json()["type"].endswith("standby")
        read = httpx.get(f"{bases[1]}/v1/participants/{PAYER}", headers=headers)
        assert read.status_code == 200  # the standby serves reads
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        assert clients.answered  # under load
        os.killpg(active.pid, signal.SIGKILL)  # every process of the active service at once
        killed_at = time.monotonic()
        taken = first_write(bases[1], headers, killed_at)
        assert taken < TAKEOVER_S, f"the standby took {taken:.2f} s to accept writes"
        assert ready(bases[1])["role"] == "active"
        time.sleep(1.0)  # load goes on through the new active service
    finally:
        clients.stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=90)
        for service in (active, second):
            if service is not None and service.poll() is None:
                service.send_signal(signal.SIGTERM)
                service.wait(timeout=60)
    assert not clients.failures
    check(postgres_url, clients)


def payment(n: int) -> dict[str, object]:
    uetr = str(uuid.UUID(int=n, version=4))
    return {
        "uetr": uetr,
        "end_to_end_id": f"failover-{n}",
        "creditor_agent": PAYEE,
        "amount_minor": 1,
        "currency": "INR",
    }


def first_write(base: str, headers: dict[str, str], since: float) -> float:
    """Seconds from `since` until `base` settles a payment of its own."""
    n = 1
    while time.monotonic() - since < 30:
        n += 1
        try:
            answer = httpx.post(f"{base}/v1/payments", headers=headers, json=payment(n))
            if answer.status_code == 201:
                return time.monotonic() - since
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError("the standby never took the writes")


def check(url: str, clients: Clients) -> None:
    """Every payment answered as settled is settled, once; no money made or lost; books verify."""
    settled = {u: a for u, (a, s) in clients.answered.items() if s == State.SETTLED}
    assert len(settled) > 10
    with Platform.open(url, read_only=True) as platform:
        for uetr in settled:
            stored = platform.payments.get(uetr)
            assert stored is not None and stored.state is State.SETTLED, uetr
        paid = platform.registry.balance(PAYEE, "INR")
        left = platform.registry.balance(PAYER, "INR")
        everything = platform.payments.list(limit=100_000)
    probes = sum(1 for p in everything if p.end_to_end_id.startswith("failover-"))
    clients_paid = sum(
        p.target_amount_minor
        for p in everything
        if p.state is State.SETTLED and not p.end_to_end_id.startswith("failover-")
    )
    assert clients_paid == sum(settled.values())  # each answered, each settled exactly once
    assert paid == clients_paid + probes and left + paid == FUNDING
    store = open_store(url)
    try:
        assert verify(store).ok
    finally:
        store.dispose()

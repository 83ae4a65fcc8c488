"""The service as deployed (`vostro serve --workers 2`: two HTTP workers and a writer process)
under concurrent payments, while its writer process and, separately, a worker are SIGKILLed at
random moments, on both stores.

Each client sends payments with UETRs of its own and sends a payment again, with the same UETR,
until it has an answer. In the end: every payment answered as settled is settled in the
database, none settled twice (the payer's balance fell by exactly what settled), no money was
made or lost in either bank, and `verify` passes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.service.live import free_port
from vostro.participants.model import Role as ParticipantRole
from vostro.payments.model import State
from vostro.platform import Platform
from vostro.service.auth import KeyRing, Role
from vostro.service.bootstrap import prepare
from vostro.store import open_store
from vostro.store.verify import verify

PAYER, PAYEE = "SBININBB", "UCBAINBB"
FUNDING = 10**14
CLIENTS = 6
KILLS = ("writer", "worker", "writer", "worker")

pytestmark = pytest.mark.slow


def setup(url: str) -> str:
    prepare(url, label="crash test operator")
    with Platform.open(url) as platform:
        for bic in (PAYER, PAYEE):
            platform.registry.register(bic, bic, [ParticipantRole.BANK], ["INR"], actor="test")
        platform.fund(PAYER, FUNDING, "INR", transfer_id=10**30, actor="test")
        key, _ = KeyRing(platform.store.engine).create(Role.PARTICIPANT, PAYER, "t", actor="t")
    return key


def ready(base: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{base}/readyz", timeout=2)
            if answer.status_code == 200:
                body: dict[str, object] = answer.json()
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the service was not ready within {timeout} s")


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(c) for c in text)
    return found


class Clients:
    """Client threads that pay until told to stop, each payment sent until it is answered."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key
        self.answered: dict[str, tuple[int, str]] = {}  # uetr -> (amount, state)
        self.retries = 0
        self.failures: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def run(self, seed: int) -> None:
        try:
            self._pay(random.Random(seed))
        except BaseException as failure:
            self.failures.append(repr(failure))
            raise

    def _pay(self, rng: random.Random) -> None:
        with httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.key}"}, timeout=10
        ) as http:
            while not self.stop.is_set():
                uetr = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                amount = rng.randint(1, 10**7)
                body = {
                    "uetr": uetr,
                    "end_to_end_id": uetr.replace("-", "")[:32],
                    "creditor_agent": PAYEE,
                    "amount_minor": amount,
                    "currency": "INR",
                }
                state = self._send(http, body)
                with self._lock:
                    self.answered[uetr] = (amount, state)

    def _send(self, http: httpx.Client, body: dict[str, object]) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                answer = http.post("/v1/payments", json=body)
                if answer.status_code in (200, 201):
                    return str(answer.json()["state"])
                assert answer.status_code == 503, answer.text  # the writer is away: again
            except httpx.TransportError:
                pass  # the worker died under the request: send it again
            with self._lock:
                self.retries += 1
            time.sleep(0.05)
        raise AssertionError(f"payment {body['uetr']} never answered")


def serve(url: str, port: int, cwd: Path, *, workers: int = 2) -> subprocess.Popen[bytes]:
    """The service as deployed, in a session of its own (all its processes can be killed at
    once), with no rate limit in the way."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "vostro", "serve", "--database-url", url),
            *("--port", str(port), "--workers", str(workers), "--log-level", "warning"),
        ],
        cwd=cwd,
        env=os.environ | {"VOSTRO_RATE_LIMIT_PER_S": "100000", "VOSTRO_RATE_LIMIT_BURST": "100000"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(service: subprocess.Popen[bytes]) -> None:
    """Stop the service as an operator would (SIGTERM); kill it if it has not gone in 60 s."""
    service.send_signal(signal.SIGTERM)
    try:
        service.wait(timeout=60)
    except subprocess.TimeoutExpired:
        service.kill()


def test_killed_writer_and_workers_lose_and_double_nothing(
    database_url: str, tmp_path: Path
) -> None:
    key = setup(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = serve(database_url, port, tmp_path)
    clients = Clients(base, key)
    threads = [threading.Thread(target=clients.run, args=(n,)) for n in range(CLIENTS)]
    rng = random.Random(7)
    try:
        writer_pid = ready(base)["writer_pid"]
        for thread in threads:
            thread.start()
        for victim in KILLS:
            time.sleep(rng.uniform(0.5, 2.5))
            status = ready(base)
            if victim == "writer":
                target = int(str(status["writer_pid"]))
            else:
                workers = children(service.pid) - {int(str(status["writer_pid"]))}
                target = rng.choice(sorted(workers))
            os.kill(target, signal.SIGKILL)
        time.sleep(1.5)
        assert ready(base)["writer_pid"] != writer_pid  # a new writer process took over
    finally:
        clients.stop.set()
        for thread in threads:
            thread.join(timeout=90)
        stop(service)
    assert service.returncode == 0
    assert not clients.failures
    assert clients.retries > 0  # the kills did cut requests short
    settled = {u: a for u, (a, s) in clients.answered.items() if s == State.SETTLED}
    assert len(settled) > 20
    with Platform.open(database_url, read_only=True) as platform:
        for uetr in settled:
            stored = platform.payments.get(uetr)
            assert stored is not None and stored.state is State.SETTLED, uetr
        paid = platform.registry.balance(PAYEE, "INR")
        left = platform.registry.balance(PAYER, "INR")
        everything = platform.payments.list(limit=100_000)
    in_db = sum(p.target_amount_minor for p in everything if p.state is State.SETTLED)
    assert paid == in_db == sum(settled.values())  # each answered, each settled exactly once
    assert left + paid == FUNDING  # nothing made or lost
    store = open_store(database_url)
    try:
        assert verify(store).ok
    finally:
        store.dispose()

"""`vostro bench api`: sustained payments per second through the HTTP API, with latency.

The service runs as its own process (`vostro serve`) on loopback, exactly as deployed; this
process is the load: `concurrency` clients (asyncio, keep-alive connections) that each post a
payment, wait for its answer and post the next, for `seconds`. Every payment is a rupee payment
between two of eight funded Indian banks, sent with the payer's own API key, so each one is
authenticated, validated, screened, reserved and settled gross (RTGS) before it is answered.

Baseline, measured in the same run with the same clients: `GET /healthz` (the HTTP stack and the
client alone). The ratio of the two says how much of the HTTP ceiling the payment path keeps,
which travels between machines better than either figure. After the load the ledger is verified
from its journal (`verify`), and the writer's mean round size is read from `/metrics`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

from vostro.participants.model import Role as ParticipantRole
from vostro.platform import Platform
from vostro.service.auth import KeyRing, Role
from vostro.service.bootstrap import prepare
from vostro.store import open_store
from vostro.store.verify import verify

BANKS = [
    "SBININBB",
    "UCBAINBB",
    "IDIBINBB",
    "INDBINBB",
    "PUNBINBB",
    "CNRBINBB",
    "BARBINBB",
    "UBININBB",
]
FUNDING_MINOR = 10**15  # ten thousand crore rupees each: nobody runs short during a run


# What one client sends next: (path, API key, JSON body or None for a GET).
Request = tuple[str, str, dict[str, object] | None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_url(database_url: str | None) -> str:
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="vostro-bench-api-"))
        return f"sqlite:///{folder / 'api.db'}"
    if database_url.startswith("postgresql"):
        from vostro.store.postgres import fresh_schema

        return fresh_schema(database_url, "vostro_bench_api")
    return database_url


def corridor(url: str) -> dict[str, str]:
    prepare(url, label="bench operator", actor="vostro bench api")
    keys = {}
    with Platform.open(url) as platform:
        ring = KeyRing(platform.store.engine)
        for n, bic in enumerate(BANKS):
            platform.registry.register(
                bic, f"Bank {bic}", [ParticipantRole.BANK], ["INR"], actor="vostro bench api"
            )
            platform.fund(bic, FUNDING_MINOR, "INR", transfer_id=10**30 + n, actor="bench")
            keys[bic] = ring.create(Role.PARTICIPANT, bic, "bench", actor="bench")[0]
    return keys


class Connection:
    """One keep-alive HTTP/1.1 connection, as lean as a load generator must be: the client
    must cost far less than the server it measures (a general HTTP client here managed only a
    few hundred requests a second on this machine)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, method: str, path: str, key: str, body: bytes | None) -> int:
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\n"
        if key:
            head += f"Authorization: Bearer {key}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status


async def _load(
    base: str,
    make: Callable[[random.Random], tuple[str, str, dict[str, object] | None]],
    *,
    concurrency: int,
    seconds: float,
    expect: int,
) -> tuple[int, list[float], int]:
    """(requests answered as expected, latencies in seconds, other answers)."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal failures
        rng = random.Random(n)
        reader, writer = await asyncio.open_connection(host, int(port))
        connection = Connection(reader, writer)
        try:
            while time.perf_counter() < deadline:
                path, key, body = make(rng)
                data = None if body is None else json.dumps(body).encode()
                started = time.perf_counter()
                status = await connection.request(
                    "GET" if data is None else "POST", path, key, data
                )
                latencies.append(time.perf_counter() - started)
                if status != expect:
                    failures += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return len(latencies) - failures, latencies, failures


def run(
    database_url: str | None = None,
    *,
    seconds: float = 20.0,
    concurrency: int = 32,
    warmup_s: float = 3.0,
    workers: int | None = None,
) -> dict[str, object]:
    url = fresh_url(database_url)
    keys = corridor(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, port, workers)
    try:
        wait_ready(base, server)
        payment = payments(keys)
        asyncio.run(_load(base, payment, concurrency=concurrency, seconds=warmup_s, expect=201))
        healthy, health_lat, _ = asyncio.run(
            _load(base, _health, concurrency=concurrency, seconds=seconds / 2, expect=200)
        )
        settled, pay_lat, failed = asyncio.run(
            _load(base, payment, concurrency=concurrency, seconds=seconds, expect=201)
        )
        metrics = httpx.get(f"{base}/metrics").text
    finally:
        server.terminate()
        server.wait(timeout=30)
    store = open_store(url)
    try:
        verified = verify(store).ok
    finally:
        store.dispose()
    payments_per_s = settled / seconds
    health_per_s = healthy / (seconds / 2)
    pay_ms = np.array(pay_lat) * 1000
    return {
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "workers": "one per core" if workers is None else workers,
        "concurrency": concurrency,
        "seconds": seconds,
        "payments": settled,
        "refused_or_failed": failed,
        "payments_per_s": round(payments_per_s, 1),
        "p50_ms": round(float(np.percentile(pay_ms, 50)), 2),
        "p99_ms": round(float(np.percentile(pay_ms, 99)), 2),
        "healthz_per_s": round(health_per_s, 1),
        "healthz_p50_ms": round(float(np.percentile(np.array(health_lat) * 1000, 50)), 2),
        "ratio_to_healthz": round(payments_per_s / health_per_s, 3) if health_per_s else 0.0,
        "mean_writer_round": _mean_round(metrics),
        "ledger_verified": verified,
        "database_url": url,
    }


def serve(url: str, port: int, workers: int | None) -> subprocess.Popen[bytes]:
    """`vostro serve` in a process of its own, exactly as deployed (no rate limit in the way)."""
    env = os.environ | {"VOSTRO_RATE_LIMIT_PER_S": "1000000", "VOSTRO_RATE_LIMIT_BURST": "1000000"}
    command = [sys.executable, "-m", "vostro", "serve", "--database-url", url]
    if workers is not None:
        command += ["--workers", str(workers)]
    return subprocess.Popen(  # noqa: S603 (our own command line)
        [*command, "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _health(rng: random.Random) -> Request:
    del rng
    return "/healthz", "", None


def payments(
    keys: dict[str, str],
) -> Callable[[random.Random], tuple[str, str, dict[str, object] | None]]:
    """A rupee payment between two of the funded banks, sent with the payer's own key."""

    def payment(rng: random.Random) -> Request:
        payer, payee = rng.sample(BANKS, 2)
        body: dict[str, object] = {
            "uetr": str(uuid.uuid4()),
            "end_to_end_id": uuid.uuid4().hex[:32],
            "creditor_agent": payee,
            "amount_minor": rng.randint(1_00, 10_000_000_00),
            "currency": "INR",
        }
        return "/v1/payments", keys[payer], body

    return payment


def _mean_round(metrics: str) -> float:
    total = re.search(r"^vostro_writer_batch_commands_sum ([0-9.e+]+)$", metrics, re.M)
    count = re.search(r"^vostro_writer_batch_commands_count ([0-9.e+]+)$", metrics, re.M)
    if not total or not count or not float(count.group(1)):
        return 0.0
    return round(float(total.group(1)) / float(count.group(1)), 2)


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service exited with {server.returncode} before it was ready")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the service was not ready within 60 s")

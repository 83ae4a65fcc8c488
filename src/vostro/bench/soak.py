"""`vostro bench soak`: the service as deployed, at a steady rate of payments for a long time.

An open-loop load: payment i is due at `start + i / rate`, whatever happened to the ones before
(a closed loop would slow down with the server and hide its stalls), and its latency is counted
from when it was due, so waiting for a free connection counts too. The payments are those of
`vostro bench api` (rupee payments between eight funded banks, each with the payer's key).

Every `WINDOW_S` it records the window's p50/p99/max latency, the payments answered and refused,
and the resident memory of each of the service's processes (the supervisor, its HTTP workers and
its writer). At the end: every payment answered as settled is settled in the database (none
lost), the ledger verifies, and `DIR/soak.html` (a self-contained chart of latency and memory
over time), `DIR/windows.csv` and `DIR/summary.json` are written.
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from vostro.bench import api
from vostro.errors import invariant
from vostro.payments.model import State
from vostro.platform import Platform
from vostro.store import open_store
from vostro.store.verify import verify

WINDOW_S = 10.0
CONNECTIONS = 64
Progress = Callable[[int], None]  # told how many payments were sent, once a window


@dataclass
class Window:
    """One `WINDOW_S` of the soak: latencies of what was due in it, and memory at its end."""

    started_s: float
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    memory_kib: dict[str, int] = field(default_factory=dict)

    def row(self) -> dict[str, object]:
        ms = np.array(self.latencies or [0.0]) * 1000
        return {
            "at_s": round(self.started_s, 1),
            "answered": len(self.latencies),
            "refused": self.refused,
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "max_ms": round(float(ms.max()), 2),
            **{f"rss_kib_{name}": kib for name, kib in sorted(self.memory_kib.items())},
        }


def processes(pid: int, writer_pid: int | None) -> dict[str, int]:
    """The service's processes by role: the supervisor, its writer, its HTTP workers and the
    resource tracker of Python's multiprocessing (the supervisor's children)."""
    children = sorted(
        int(c)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for c in (task / "children").read_text().split()
    )
    found = {"supervisor": pid}
    workers = 0
    for child in children:
        if child == writer_pid:
            found["writer"] = child
        elif b"resource_tracker" in Path(f"/proc/{child}/cmdline").read_bytes():
            found["resource-tracker"] = child
        else:
            workers += 1
            found[f"worker-{workers}"] = child
    return found


def writer_pid(base: str) -> int | None:
    try:
        pid = httpx.get(f"{base}/readyz", timeout=5).json().get("writer_pid")
    except (httpx.HTTPError, ValueError):
        return None
    return pid if isinstance(pid, int) else None


def memory(pid: int, base: str) -> dict[str, int]:
    return {n: rss_kib(p) for n, p in processes(pid, writer_pid(base)).items()}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Soak:
    def __init__(self, base: str, keys: dict[str, str], rate: float, seconds: float) -> None:
        self.base, self.rate, self.seconds = base, rate, seconds
        self.make = api.payments(keys)
        self.windows: list[Window] = []
        self.settled: set[str] = set()
        self.answers: dict[int, int] = {}

    async def run(self, service_pid: int, progress: Progress | None = None) -> None:
        host, port = self.base.removeprefix("http://").split(":")
        idle: asyncio.Queue[api.Connection] = asyncio.Queue()
        for _ in range(CONNECTIONS):
            reader, writer = await asyncio.open_connection(host, int(port))
            idle.put_nowait(api.Connection(reader, writer))
        rng = random.Random(1)
        start = time.perf_counter()
        total = int(self.rate * self.seconds)
        tasks: set[asyncio.Task[None]] = set()
        self.windows.append(Window(0.0))
        for i in range(total):
            due = start + i / self.rate
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            if due - start >= len(self.windows) * WINDOW_S:
                self._close_window(service_pid)
                if progress is not None:
                    progress(i)
            task = asyncio.ensure_future(self._one(idle, rng, due, self.windows[-1]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        self._close_window(service_pid)

    def _close_window(self, service_pid: int) -> None:
        last = self.windows[-1]
        last.memory_kib = memory(service_pid, self.base)
        self.windows.append(Window(len(self.windows) * WINDOW_S))

    async def _one(
        self, idle: asyncio.Queue[api.Connection], rng: random.Random, due: float, window: Window
    ) -> None:
        path, key, made = self.make(rng)
        invariant(made is not None, "a payment has a body")
        body = made or {}
        connection = await idle.get()
        try:
            status = await connection.request("POST", path, key, json.dumps(body).encode())
        finally:
            idle.put_nowait(connection)
        window.latencies.append(time.perf_counter() - due)
        self.answers[status] = self.answers.get(status, 0) + 1
        if status == 201:  # settled: the funding is far above what a soak pays
            self.settled.add(str(body["uetr"]))
        else:
            window.refused += 1


def run(
    database_url: str | None,
    *,
    minutes: float,
    rate: float,
    out: Path,
    workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, object]:
    url = api.fresh_url(database_url)
    keys = api.corridor(url)
    port = api.free_port()
    base = f"http://127.0.0.1:{port}"
    server = api.serve(url, port, workers)
    soak = Soak(base, keys, rate, minutes * 60)
    try:
        api.wait_ready(base, server)
        started = memory(server.pid, base)
        asyncio.run(soak.run(server.pid, progress))
        ended = memory(server.pid, base)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    summary = _summary(url, soak, started, ended, minutes, rate)
    _write(out, soak, summary)
    return summary


def _summary(
    url: str,
    soak: Soak,
    started: dict[str, int],
    ended: dict[str, int],
    minutes: float,
    rate: float,
) -> dict[str, object]:
    with Platform.open(url, read_only=True) as platform:
        by_state = platform.read(lambda uow: uow.read_models.payments_by_state())
    settled_in_db = by_state.get(str(State.SETTLED), 0)  # every payment came from the soak
    store = open_store(url)
    try:
        verified = verify(store).ok
    finally:
        store.dispose()
    every = np.array([x for w in soak.windows for x in w.latencies] or [0.0]) * 1000
    p99s = [float(w.row()["p99_ms"]) for w in soak.windows if w.latencies]  # type: ignore[arg-type]
    return {
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "minutes": minutes,
        "rate_per_s": rate,
        "payments_sent": sum(soak.answers.values()),
        "payments_settled": len(soak.settled),
        "answers": {str(k): v for k, v in sorted(soak.answers.items())},
        "payments_settled_in_ledger": settled_in_db,
        "lost": max(0, len(soak.settled) - settled_in_db),
        "p50_ms": round(float(np.percentile(every, 50)), 2),
        "p99_ms": round(float(np.percentile(every, 99)), 2),
        "max_ms": round(float(every.max()), 2),
        "worst_window_p99_ms": round(max(p99s or [0.0]), 2),
        "rss_kib_start": started,
        "rss_kib_end": ended,
        "ledger_verified": verified,
        "database_url": url,
    }


def _write(out: Path, soak: Soak, summary: dict[str, object]) -> None:
    from vostro.bench.charts import soak_chart

    out.mkdir(parents=True, exist_ok=True)
    rows = [w.row() for w in soak.windows if w.latencies]
    with (out / "windows.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=sorted({k for r in rows for k in r}, key=str))
        writer.writeheader()
        writer.writerows(rows)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "soak.html").write_text(soak_chart(rows, summary))

"""Each HTTP worker listens on a socket of its own (`SO_REUSEPORT`): connections opened together
spread over every worker, and a worker started again after a SIGKILL takes its share."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests.integration.test_service_crash import children, ready, serve, stop
from vostro.bench.api import free_port
from vostro.service.bootstrap import prepare

CONNECTIONS = 24  # all on one of two sockets by chance: 2 in 2**24


def workers_of(service: subprocess.Popen[bytes], writer: int) -> set[int]:
    """The service's HTTP worker processes (its spawned children but the writer)."""
    return {
        pid
        for pid in children(service.pid) - {writer}
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    }


def answering_pids(port: int) -> list[int]:
    """The process that answers /readyz on each of many connections held open together."""
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(CONNECTIONS)]
    try:
        return [int(c.get("/readyz", timeout=10).json()["pid"]) for c in clients]
    finally:
        for c in clients:
            c.close()


def test_connections_spread_over_the_workers_and_a_restarted_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vostro.db'}"
    prepare(url, label="operator")
    port = free_port()
    service = serve(url, port, tmp_path, workers=2)
    try:
        writer = int(str(ready(f"http://127.0.0.1:{port}")["writer_pid"]))
        workers = workers_of(service, writer)
        assert len(workers) == 2
        assert set(answering_pids(port)) == workers
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = workers_of(service, writer)
            if victim not in now and len(now) == 2:
                break
            time.sleep(0.2)
        ready(f"http://127.0.0.1:{port}")
        time.sleep(1)  # the new worker listening
        restarted = workers_of(service, writer)
        assert victim not in restarted and len(restarted) == 2
        assert set(answering_pids(port)) == restarted
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the address still takes connections
    finally:
        stop(service)
    assert service.returncode == 0

"""The command line beside a running service, on both stores: commands that only read work on
the database while the service holds the writer lock; a command that writes is refused with a
sentence saying where changes go, and exits non-zero."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.test_cli import INHERITED, SOURCES, vostro


def ok(tmp: Path, *args: str) -> str:
    done = vostro(*args, cwd=tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_reads_work_while_the_service_writes(database_url: str, tmp_path: Path) -> None:
    db = ("--database-url", database_url)
    for bic, role, codes in (
        ("VSTRINBB", "operator", ("INR", "RUB")),
        ("SBININBB", "bank", ("INR",)),
        ("UCBAINBB", "bank", ("INR",)),
    ):
        currencies = [x for c in codes for x in ("--currency", c)]
        ok(tmp_path, "participant", "add", bic, "--name", bic, "--role", role, *currencies, *db)
    ok(tmp_path, "fund", "SBININBB", "1,000,000.00 INR", *db)
    paid = ok(
        tmp_path, "pay", "--from", "SBININBB", "--to", "UCBAINBB", "--amount", "7.00 INR", *db
    )
    assert "SETTLED" in paid
    port = free_port()
    service = subprocess.Popen(
        [sys.executable, "-m", "vostro", "serve", "--port", str(port), *db],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(SOURCES),
            **{name: os.environ[name] for name in INHERITED if name in os.environ},
        },
    )
    try:
        ready(port)
        listed = ok(tmp_path, "payment", "list", *db)
        assert "7.00" in listed
        assert "SBININBB" in ok(tmp_path, "participant", "list", *db)
        ok(tmp_path, "hold", "list", *db)
        status = json.loads(ok(tmp_path, "day", "status", "--json", *db).strip().splitlines()[-1])
        assert {c["currency"] for c in status} >= {"INR", "RUB"}
        assert "verified" in ok(tmp_path, "verify", *db)
        refused = vostro("fund", "SBININBB", "1.00 INR", *db, cwd=tmp_path)
        assert refused.returncode != 0
        assert "writer" in refused.stdout + refused.stderr
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()


def ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the service did not become ready")

"""The command line as a client of a running `vostro serve` (its default worker processes and
writer process), on both stores: every change goes through the API with `--url`/`--api-key` or
`$VOSTRO_URL`/`$VOSTRO_API_KEY`, printing what it prints on the database; the read-only commands
and `vostro verify` read the database beside it; a refusal comes out on stderr as one sentence
with its ISO 20022 reason code, and a non-zero exit."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_cli import INHERITED, SOURCES
from tests.e2e.test_cli_beside_service import free_port, ready

SBI, UCO, VTB = "SBININBB", "UCBAINBB", "VTBRRUMM"
KEY_SHOWN = re.compile(r"operator API key \(shown once\): (\S+)")


def environment(**extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
        "PYTHONPATH": str(SOURCES),
        **{name: os.environ[name] for name in INHERITED if name in os.environ},
        **extra,
    }


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vostro", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=environment(**env),
    )


class Service:
    """A running `vostro serve` on the test's database, and the operator key it showed."""

    def __init__(self, database_url: str, cwd: Path) -> None:
        self.database_url, self.cwd = database_url, cwd
        self.url = f"http://127.0.0.1:{free_port()}"
        self.key = ""

    def ok(self, *args: str) -> str:
        """A command through the service, named by the environment."""
        done = run(self.cwd, *args, VOSTRO_URL=self.url, VOSTRO_API_KEY=self.key)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def refused(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = run(self.cwd, *args, VOSTRO_URL=self.url, VOSTRO_API_KEY=self.key)
        assert done.returncode != 0, done.stdout
        return done

    def read(self, *args: str) -> str:
        """A read-only command on the database beside the service."""
        done = run(self.cwd, *args, "--database-url", self.database_url)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    running = Service(database_url, tmp_path)
    log = tmp_path / "serve.log"
    port = running.url.rsplit(":", 1)[1]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "vostro", "serve", "--port", port, "--workers", "1"],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment(VOSTRO_DATABASE_URL=database_url),
        )
    try:
        ready(int(port))
        running.key = operator_key(log)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def operator_key(log: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = KEY_SHOWN.search(log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"the service showed no operator key:\n{log.read_text()}")


def test_the_command_line_changes_the_platform_through_the_running_service(
    service: Service,
) -> None:
    registered = run(
        service.cwd,
        "--url",
        service.url,
        "--api-key",
        service.key,
        *("participant", "add", SBI, "--name", "State Bank of India", "--role", "bank"),
        *("--currency", "INR"),
    )
    assert registered.returncode == 0, registered.stderr
    assert re.search(rf"registered {SBI} \(State Bank of India\), number \d+", registered.stdout)
    service.ok(
        "participant", "add", UCO, "--name", "UCO Bank", "--role", "bank", "--currency", "INR"
    )
    service.ok(
        *("participant", "add", VTB, "--name", "VTB Bank", "--role", "bank", "--vostro-at", UCO),
        *("--currency", "INR", "--currency", "RUB"),
    )
    assert f"{SBI} now holds 1,000,000.00 INR" in service.ok("fund", SBI, "1,000,000.00 INR")
    assert f"{SBI} now holds 999,990.00 INR" in service.ok("defund", SBI, "10.00 INR")
    paid = service.ok(
        "pay", "--from", SBI, "--to", UCO, "--amount", "7.00 INR", "--end-to-end-id", "CLIENT-1"
    )
    assert "SETTLED" in paid and f"{SBI} → {UCO} (trade), end-to-end id CLIENT-1" in paid

    accounts = service.read("accounts")
    assert "999,983.00 INR" in accounts and "7.00 INR" in accounts
    assert "999,983.00 INR" in service.read("participant", "list")
    assert "7.00 INR" in service.read("payment", "list")
    assert "verified" in service.read("verify")


def test_a_refusal_of_the_service_comes_out_with_its_reason_code(service: Service) -> None:
    for bic in (SBI, UCO):
        service.ok("participant", "add", bic, "--name", bic, "--role", "bank", "--currency", "INR")
    service.ok("fund", SBI, "100.00 INR")
    service.ok("pay", "--from", SBI, "--to", UCO, "--amount", "1.00 INR", "--end-to-end-id", "D-1")

    again = service.refused(
        "pay", "--from", SBI, "--to", UCO, "--amount", "2.00 INR", "--end-to-end-id", "D-1"
    )
    assert again.returncode == 1
    assert again.stderr.startswith("error: Payment refused: ")
    assert again.stderr.rstrip().endswith("(reason AM05)")

    overdrawn = service.refused("defund", UCO, "5.00 INR")
    assert "Funding refused" in overdrawn.stderr and "(reason AM04)" in overdrawn.stderr

    unknown = service.refused("pay", "--from", SBI, "--to", "NOSUCHBB", "--amount", "1.00 INR")
    assert "REJECTED  AC01" in unknown.stdout

    wrong_key = run(service.cwd, "--url", service.url, "--api-key", "vk_0_no", "fund", SBI, "1 INR")
    assert wrong_key.returncode == 1 and "check --api-key" in wrong_key.stderr

    beside = run(service.cwd, "fund", SBI, "1.00 INR", "--database-url", service.database_url)
    assert beside.returncode == 2
    assert "writer" in beside.stderr and "--url" in beside.stderr
    assert "works only on the database directly" in service.refused("queue", "expire").stderr


def test_a_hold_is_listed_beside_the_service_and_released_through_it(
    service: Service, tmp_path: Path
) -> None:
    for bic in (SBI, UCO):
        service.ok("participant", "add", bic, "--name", bic, "--role", "bank", "--currency", "INR")
    service.ok("fund", SBI, "100.00 INR")
    listed = tmp_path / "watch.csv"
    listed.write_text("id,name,aliases,identifiers\nw1,Volga Maritime Logistics,,\n")
    loaded = service.ok("list", "load", str(listed))
    assert "list watch: version" in loaded and "1 entities (csv), loaded by operator/" in loaded

    uetr = str(uuid.uuid4())
    payment = tmp_path / "payment.json"
    payment.write_text(
        json.dumps(
            {
                "uetr": uetr,
                "end_to_end_id": "HOLD-1",
                "debtor_agent": SBI,
                "creditor_agent": UCO,
                "amount": "3.00 INR",
                "creditor_name": "Volga Maritime Logistics",
            }
        )
    )
    held = service.ok("pay", "--file", str(payment))
    assert "HELD" in held
    assert uetr in service.read("hold", "list")
    assert f"payment {uetr}: SETTLED" in service.ok("hold", "release", uetr, "--reason", "cleared")
    again = service.refused("hold", "release", uetr, "--reason", "twice")
    assert "Not held" in again.stderr

    limited = service.ok("limit", "set", SBI, "--currency", "INR", "--per-payment", "2.00")
    assert f"limit set for {SBI}, every flow in INR: 2.00 INR per payment" in limited
    over = service.refused("pay", "--from", SBI, "--to", UCO, "--amount", "5.00 INR")
    assert "REJECTED  AM02" in over.stdout
    assert f"limit removed for {SBI}" in service.ok("limit", "remove", SBI, "--currency", "INR")
    assert "verified" in service.read("verify")

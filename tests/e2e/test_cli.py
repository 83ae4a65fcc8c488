"""The command line, run as a user runs it: a separate process, real files, exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import vostro as vostro_package

# The sources these tests import: the command runs them too, not whatever copy of vostro the
# interpreter has installed (an editable install may point at another checkout).
SOURCES = Path(vostro_package.__file__).resolve().parents[1]
# Where the shared data (corridor figures, ISO 20022 schemas) lives when it is not beside the
# checkout: the only settings the command inherits from the tests' environment.
INHERITED = ("VOSTRO_DATA_DIR", "VOSTRO_ISO20022_XSD_DIR")


def vostro(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vostro", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "160",
            "PYTHONPATH": str(SOURCES),
            **{name: os.environ[name] for name in INHERITED if name in os.environ},
        },
    )


def test_demo_posts_the_corridor_flows_and_verifies(tmp_path: Path) -> None:
    first = vostro("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "crude oil and export payments" in first.stdout
    assert "verified: 10 accounts, 12 transfers" in first.stdout
    assert "45,580,000,000.00 INR" in first.stdout  # SBI after paying for the cargo
    assert (tmp_path / "vostro.db").exists()
    again = vostro("demo", cwd=tmp_path)  # every request is idempotent
    assert again.returncode == 0
    assert "10x exists" in again.stdout and "ok" not in again.stdout.split("balances")[0]
    assert "verified: 10 accounts, 12 transfers" in again.stdout


def test_history_shows_the_balance_after_each_transfer(tmp_path: Path) -> None:
    assert vostro("demo", cwd=tmp_path).returncode == 0
    shown = vostro("history", "2102", cwd=tmp_path)  # Sberbank's rupee vostro account
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if "9101" in line or "9102" in line]
    assert "4,412,350,000.00 INR" in lines[0]  # newest first: after paying the exporter
    assert "4,420,000,000.00 INR" in lines[1]  # after receiving the crude oil payment
    missing = vostro("history", "77", cwd=tmp_path)
    assert missing.returncode == 1 and "no account has id 77" in missing.stderr


def test_verify_exits_non_zero_and_names_the_discrepancy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert vostro("demo", "--database-url", url).returncode == 0
    ok = vostro("verify", "--database-url", url, "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
    with sqlite3.connect(tmp_path / "l.db") as conn:
        conn.execute("UPDATE accounts SET credits_posted = credits_posted + 1 WHERE seq = 3")
    bad = vostro("verify", "--database-url", url)
    assert bad.returncode == 1
    assert "FAIL" in bad.stdout and "credits_posted is" in bad.stdout


def test_verify_of_a_database_that_was_never_created_says_so(tmp_path: Path) -> None:
    result = vostro("verify", "--database-url", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 2
    assert "vostro init" in result.stderr


def test_unsupported_database_url_is_refused_clearly() -> None:
    result = vostro("init", "--database-url", "mysql://x")
    assert result.returncode == 2
    assert "unsupported database URL" in result.stderr


@pytest.mark.slow
def test_bench_ledger_prints_the_figures_and_leaves_a_verifiable_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = vostro(
        "bench", "ledger", "-n", "20000", "--accounts", "500", "--json", "--database-url", url
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for key in (
        "transfers_per_s",
        "baseline_per_s",
        "ratio",
        "batch_p50_ms",
        "batch_p99_ms",
        "backend",
    ):
        assert key in figures
    assert figures["backend"] == "sqlite" and figures["transfers"] == 20000
    assert figures["ratio"] > 0 and figures["fast_path_batches"] >= 1
    check = vostro("verify", "--database-url", url, "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["transfers"] == 20500


def test_bench_netting_prints_one_json_object_with_the_figures() -> None:
    result = vostro(
        "bench",
        "netting",
        "--payments",
        "20000",
        "--queued",
        "2000",
        "--mip-payments",
        "40",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)  # nothing else on stdout, not even the solver's banner
    for key in ("netting_s", "resolver_s", "resolver_settled_value_pct", "optimal_gap_pct"):
        assert key in figures
    assert figures["mip_proven_optimal"] is True and figures["optimal_gap_pct"] >= 0

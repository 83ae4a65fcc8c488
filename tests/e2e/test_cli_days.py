"""The operating day from the command line: status, schedule and closures, a value-dated
payment, the end of day run by hand, its report and its statements."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e.test_cli import vostro
from tests.e2e.test_cli_payments import run


def test_an_operator_runs_the_rupee_day_from_the_command_line(tmp_path: Path) -> None:
    run(
        tmp_path,
        "participant",
        "add",
        "VSTRINBB",
        "--name",
        "vostro operator",
        "--role",
        "operator",
        "--currency",
        "INR",
    )
    for bic, name in (("SBININBB", "State Bank of India"), ("UCBAINBB", "UCO Bank")):
        run(
            tmp_path,
            "participant",
            "add",
            bic,
            "--name",
            name,
            "--role",
            "bank",
            "--currency",
            "INR",
        )
    run(tmp_path, "fund", "SBININBB", "1,000,000.00 INR")
    run(tmp_path, "pay", "--from", "SBININBB", "--to", "UCBAINBB", "--amount", "7,000.00 INR")
    status = json.loads(run(tmp_path, "day", "status", "--json").strip().splitlines()[-1])
    inr = next(c for c in status if c["currency"] == "INR")
    today = date.fromisoformat(inr["day"])
    assert inr["zone"] == "Asia/Kolkata" and inr["always_open"] is True
    assert today == datetime.now(ZoneInfo("Asia/Kolkata")).date()

    later = today + timedelta(days=1)
    waiting = run(
        tmp_path,
        "pay",
        "--from",
        "SBININBB",
        "--to",
        "UCBAINBB",
        "--amount",
        "1,000.00 INR",
        "--settlement-date",
        later.isoformat(),
    )
    assert "SCHEDULED" in waiting
    past = vostro(
        "pay",
        "--from",
        "SBININBB",
        "--to",
        "UCBAINBB",
        "--amount",
        "1,000.00 INR",
        "--settlement-date",
        (today - timedelta(days=1)).isoformat(),
        cwd=tmp_path,
    )
    assert past.returncode == 1 and "DT01" in past.stdout

    strike = (today + timedelta(days=12)).isoformat()
    run(tmp_path, "day", "closure", "INR", strike, "--reason", "a bank strike")
    shown = json.loads(run(tmp_path, "day", "status", "--json").strip().splitlines()[-1])
    inr = next(c for c in shown if c["currency"] == "INR")
    assert {"day": strike, "why": "a bank strike"} in inr["closed_ahead"]
    bad = vostro(
        "day", "schedule", "INR", "--opens", "10:00", "--end-of-day", "09:00", cwd=tmp_path
    )
    assert bad.returncode != 0 and "--customer" in bad.stdout + bad.stderr

    closed = run(tmp_path, "day", "close", "INR")
    assert "statements" in closed and "8 steps done now" in closed
    report = json.loads(
        run(tmp_path, "day", "report", "INR", "--day", today.isoformat(), "--json")
        .strip()
        .splitlines()[-1]
    )
    assert report["turnover_minor"] == 7_000_00 and report["by_state"]["settled"] == 1
    written = run(tmp_path, "day", "statements", today.isoformat(), "--out", "camt")
    files = sorted(p.name for p in (tmp_path / "camt").iterdir())
    assert f"UCBAINBB-settlement-INR-{today}.xml" in files and "files written" in written
    again = run(tmp_path, "day", "close", "INR", "--day", today.isoformat())
    assert "already closed" in again
    verified = run(tmp_path, "verify")
    assert "verified" in verified

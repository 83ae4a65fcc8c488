"""Screening lists, holds and limits through the command line: each command its own process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import vostro

LIST = Path(__file__).parents[1] / "fixtures" / "sanctions" / "latin.ftm.json"
HELD_UETR = "5d0b5a8e-4a43-4f0e-9a55-0c1b2d3e4f01"
REJECTED_UETR = "5d0b5a8e-4a43-4f0e-9a55-0c1b2d3e4f02"


def run(tmp: Path, *args: str) -> str:
    done = vostro(*args, cwd=tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def payment(tmp: Path, uetr: str, e2e: str) -> Path:
    path = tmp / f"{e2e}.json"
    path.write_text(
        json.dumps(
            {
                "uetr": uetr,
                "end_to_end_id": e2e,
                "debtor_agent": "SBININBB",
                "creditor_agent": "UCBAINBB",
                "amount": "2,500,000.00 INR",
                "debtor_name": "Indian Oil Corporation",
                "creditor_name": "Газпромбанк",
            },
            ensure_ascii=False,
        )
    )
    return path


def test_an_operator_loads_a_list_and_decides_the_payments_it_holds(tmp_path: Path) -> None:
    for bic, name, role in (
        ("VSTRINBB", "vostro operator", "operator"),
        ("SBININBB", "State Bank of India", "bank"),
        ("UCBAINBB", "UCO Bank", "bank"),
    ):
        run(
            tmp_path, "participant", "add", bic, "--name", name, "--role", role, "--currency", "INR"
        )
    run(tmp_path, "fund", "SBININBB", "10,000,000.00 INR")
    loaded = run(tmp_path, "list", "load", str(LIST), "--name", "sanctions", "--actor", "alice")
    assert "list sanctions: version" in loaded and "3 entities" in loaded
    (listed,) = json.loads(run(tmp_path, "list", "show", "--json"))
    assert (listed["name"], listed["loaded_by"]) == ("sanctions", "alice")

    paid = run(tmp_path, "pay", "--file", str(payment(tmp_path, HELD_UETR, "OIL-1")))
    assert "HELD" in paid
    run(tmp_path, "pay", "--file", str(payment(tmp_path, REJECTED_UETR, "OIL-2")))
    holds = json.loads(run(tmp_path, "hold", "list", "--json"))
    assert {h["uetr"] for h in holds} == {HELD_UETR, REJECTED_UETR}
    assert holds[0]["hits"][0]["listed_name"] == "Gazprombank" and holds[0]["reserved"]

    released = run(
        tmp_path, "hold", "release", HELD_UETR, "--reason", "branch verified", "--actor", "bob"
    )
    assert "SETTLED" in released
    rejected = run(tmp_path, "hold", "reject", REJECTED_UETR, "--reason", "listed bank")
    assert "REJECTED RR04" in rejected
    report = run(tmp_path, "iso", "status", REJECTED_UETR)
    assert f"<OrgnlUETR>{REJECTED_UETR}</OrgnlUETR>" in report and "<Cd>RR04</Cd>" in report
    assert json.loads(run(tmp_path, "hold", "list", "--json")) == []
    listed_participants = run(tmp_path, "participant", "list")
    assert "7,500,000.00 INR" in listed_participants  # one payment left, the other came back
    assert "verified" in run(tmp_path, "verify")

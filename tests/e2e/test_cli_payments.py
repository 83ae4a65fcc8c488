"""Participants, funding, FX and payments through the command line, as an operator runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.test_cli import vostro

CBR_XML = """<?xml version="1.0" encoding="windows-1251"?>
<ValCurs Date="27.11.2026" name="Foreign Currency Market">
<Valute ID="R01235"><NumCode>840</NumCode><CharCode>USD</CharCode><Nominal>1</Nominal>
<Name>Доллар США</Name><Value>78,5000</Value><VunitRate>78,5</VunitRate></Valute>
<Valute ID="R01270"><NumCode>356</NumCode><CharCode>INR</CharCode><Nominal>10</Nominal>
<Name>Индийских рупий</Name><Value>9,2899</Value><VunitRate>0,92899</VunitRate></Valute>
</ValCurs>""".encode("windows-1251")


def run(tmp: Path, *args: str) -> str:
    done = vostro(*args, cwd=tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_an_operator_sets_up_the_corridor_and_a_remittance_settles(tmp_path: Path) -> None:
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
        "--currency",
        "RUB",
    )
    run(
        tmp_path,
        "participant",
        "add",
        "SBININBB",
        "--name",
        "State Bank of India",
        "--role",
        "bank",
        "--currency",
        "INR",
    )
    run(
        tmp_path,
        "participant",
        "add",
        "VTBRRUMM",
        "--name",
        "VTB Bank",
        "--role",
        "bank",
        "--currency",
        "RUB",
        "--vostro-at",
        "SBININBB",
    )
    run(
        tmp_path,
        "participant",
        "add",
        "ICICINBB",
        "--name",
        "ICICI Bank",
        "--role",
        "bank",
        "--role",
        "fx_provider",
        "--currency",
        "INR",
        "--currency",
        "RUB",
    )
    run(tmp_path, "fund", "VTBRRUMM", "1,000,000.00 RUB")
    run(tmp_path, "fund", "ICICINBB", "1,000,000.00 INR")
    run(
        tmp_path,
        "participant",
        "fees",
        "VTBRRUMM",
        "RUB",
        "--fixed",
        "50.00",
        "--rate-bps",
        "50",
        "--cap",
        "2,000.00 RUB",
    )
    (tmp_path / "cbr.xml").write_bytes(CBR_XML)
    assert "loaded 2 reference rates" in run(tmp_path, "fx", "load", "cbr.xml")
    run(tmp_path, "fx", "standing-rate", "ICICINBB", "RUB", "INR", "--tier", "0:150")
    quoted = run(tmp_path, "fx", "quote", "ICICINBB", "VTBRRUMM", "45,000.00 RUB", "INR")
    quote_id = re.search(r"quote ([0-9a-f]{32})", quoted).group(1)  # type: ignore[union-attr]
    (tmp_path / "payment.json").write_text(
        json.dumps(
            {
                "uetr": "8a562c67-ca16-48ba-b074-65581be6f001",
                "end_to_end_id": "REMIT-0001",
                "debtor_agent": "VTBRRUMM",
                "creditor_agent": "SBININBB",
                "amount": "45,000.00 RUB",
                "target_currency": "INR",
                "quote_id": quote_id,
                "flow": "remittance",
                "debtor_name": "Sergei Ivanov",
                "creditor_name": "Ravi Kumar",
            }
        )
    )
    paid = run(tmp_path, "pay", "--file", "payment.json")
    assert "SETTLED" in paid and "payment-versus-payment" in paid
    shown = run(tmp_path, "payment", "show", "8a562c67-ca16-48ba-b074-65581be6f001")
    assert "fee 275.00 RUB" in shown and "% of the amount sent" in shown
    again = run(tmp_path, "pay", "--file", "payment.json")  # idempotent: settles once
    assert "SETTLED" in again
    listed = run(tmp_path, "participant", "list")
    assert "954,725.00 RUB" in listed  # 1,000,000.00 - 45,000.00 sent - 275.00 fee
    refused = vostro(
        "pay",
        "--from",
        "VTBRRUMM",
        "--to",
        "SBININBB",
        "--amount",
        "5,000,000.00 RUB",
        cwd=tmp_path,
    )
    assert refused.returncode == 1 and "AM03" in refused.stdout  # SBI does not settle in RUB
    assert "verified" in run(tmp_path, "verify")


def test_suspension_and_the_vostro_treasury_from_the_command_line(tmp_path: Path) -> None:
    run(
        tmp_path,
        "participant",
        "add",
        "VSTRINBB",
        "--name",
        "op",
        "--role",
        "operator",
        "--currency",
        "INR",
    )
    run(
        tmp_path,
        "participant",
        "add",
        "SBININBB",
        "--name",
        "SBI",
        "--role",
        "bank",
        "--currency",
        "INR",
    )
    run(
        tmp_path,
        "participant",
        "add",
        "SABRRUMM",
        "--name",
        "Sberbank",
        "--role",
        "bank",
        "--currency",
        "RUB",
        "--vostro-at",
        "SBININBB",
    )
    run(tmp_path, "fund", "SBININBB", "10,000,000.00 INR")
    paid = run(
        tmp_path, "pay", "--from", "SBININBB", "--to", "SABRRUMM", "--amount", "5,000,000.00 INR"
    )
    assert "SETTLED" in paid
    run(
        tmp_path,
        "vostro",
        "configure",
        "SABRRUMM",
        "--threshold",
        "1,000,000.00 INR",
        "--annual-yield",
        "0.065",
    )
    closed = run(tmp_path, "vostro", "close-day", "--day", "2026-11-27")
    assert "4,000,712.33" in closed  # 4,000,000.00 invested + one day at 6.5 % (712.33)
    assert "2026-11-27" in run(tmp_path, "vostro", "report")
    run(tmp_path, "participant", "suspend", "SABRRUMM", "--reason", "licence review")
    refused = vostro(
        "pay", "--from", "SBININBB", "--to", "SABRRUMM", "--amount", "1.00 INR", cwd=tmp_path
    )
    assert refused.returncode == 1 and "AC06" in refused.stdout

"""`vostro export ...` run as a user runs it, on a corridor's database (each backend): separate
processes, real files, exit codes; what they write is read back by Beancount and pandas."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.test_cli import vostro
from tests.exports_corridor import ExportCorridor, run
from vostro.config import Settings
from vostro.money import format_amount
from vostro.store import open_store

BEAN_CHECK = str(Path(sys.executable).parent / "bean-check")


@pytest.fixture
def corridor_db(database_url: str) -> Iterator[tuple[str, ExportCorridor]]:
    store = open_store(database_url)
    made = run(store)
    made.corridor.ledger.close()  # the exports read; no writer is left holding the lock
    yield database_url, made
    store.dispose()


def test_export_beancount_writes_a_file_bean_check_accepts(
    corridor_db: tuple[str, ExportCorridor], tmp_path: Path
) -> None:
    url, _ = corridor_db
    out = tmp_path / "books" / "ledger.beancount"
    out.parent.mkdir()
    written = vostro("export", "beancount", "--out", str(out), "--database-url", url)
    assert written.returncode == 0, written.stderr
    assert f"written to {out}" in written.stderr.replace("\n", "")
    checked = subprocess.run([BEAN_CHECK, str(out)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    printed = vostro("export", "beancount", "--database-url", url)
    assert printed.returncode == 0 and printed.stdout == out.read_text()  # deterministic


def test_export_parquet_holds_what_vostro_accounts_shows(
    corridor_db: tuple[str, ExportCorridor], tmp_path: Path
) -> None:
    url, _ = corridor_db
    written = vostro("export", "parquet", "--out", str(tmp_path / "pq"), "--database-url", url)
    assert written.returncode == 0, written.stderr
    assert "transfers.parquet" in written.stdout
    shown = vostro("accounts", "--database-url", url)
    assert shown.returncode == 0, shown.stderr
    accounts = pd.read_parquet(tmp_path / "pq" / "accounts.parquet")
    assert len(accounts) == 18
    for a in accounts.itertuples():
        (line,) = [line for line in shown.stdout.splitlines() if f"│ {a.id} " in line]
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        assert cells[1:3] == [
            format_amount(int(a.debits_posted), a.currency),
            format_amount(int(a.credits_posted), a.currency),
        ]
        assert cells[3].startswith(format_amount(int(a.balance_minor), a.currency))


def test_export_csv_writes_every_table(
    corridor_db: tuple[str, ExportCorridor], tmp_path: Path
) -> None:
    url, made = corridor_db
    written = vostro("export", "csv", "--out", str(tmp_path / "csv"), "--database-url", url)
    assert written.returncode == 0, written.stderr
    names = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert names == [
        "accounts.csv",
        "payments.csv",
        "screenings.csv",
        "settlement_runs.csv",
        "transfers.csv",
    ]
    payments = pd.read_csv(tmp_path / "csv" / "payments.csv")
    assert sorted(payments.uetr) == sorted(p.uetr for p in made.payments.values())


@pytest.mark.skipif(
    not Settings().iso20022_xsd_dir.exists(), reason="the ISO 20022 schemas are not installed"
)
def test_export_statements_writes_one_camt053_per_account(
    corridor_db: tuple[str, ExportCorridor], tmp_path: Path
) -> None:
    url, made = corridor_db
    out = tmp_path / "camt"
    day = made.day.isoformat()
    args = ("--date", day, "--out", str(out), "--database-url", url)
    written = vostro("export", "statements", *args)
    assert written.returncode == 0, written.stderr
    files = sorted(out.iterdir())
    assert len(files) == 18 and all(f.name.endswith(f"-{day}.xml") for f in files)
    assert all(b"camt.053.001.08" in f.read_bytes() for f in files)
    assert "SABRRUMM-vostro-INR" in written.stdout


def test_export_refuses_a_bad_date_and_a_database_never_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    bad = vostro(
        "export", "statements", "--date", "27-01-2027", "--out", str(tmp_path / "s"),
        "--database-url", url,
    )  # fmt: skip
    assert bad.returncode == 1 and "--date must be a day written YYYY-MM-DD" in bad.stderr
    assert not (tmp_path / "s").exists()
    missing = vostro("export", "parquet", "--out", str(tmp_path / "pq"), "--database-url", url)
    assert missing.returncode == 2 and "vostro init" in missing.stderr
    assert not (tmp_path / "pq").exists()


def test_a_bare_ledger_exports_to_beancount_named_by_account_ids(tmp_path: Path) -> None:
    assert vostro("demo", cwd=tmp_path).returncode == 0  # no participants: raw ledger accounts
    out = tmp_path / "demo.beancount"
    assert vostro("export", "beancount", "--out", str(out), cwd=tmp_path).returncode == 0
    checked = subprocess.run([BEAN_CHECK, str(out)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    text = out.read_text()
    assert "open Liabilities:Ledger:Vostro:ID2102:INR INR" in text  # Sberbank's rupee vostro
    assert "open Assets:Ledger:Funding:ID1001:INR INR" in text  # unlimited: debit-normal
    # the balance `vostro history 2102` shows last (4,412,350,000.00 INR), credit-normal: negative
    assert "balance Liabilities:Ledger:Vostro:ID2102:INR  -4412350000.00 ~ 0 INR" in text

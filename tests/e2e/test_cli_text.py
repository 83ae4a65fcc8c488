"""Untrusted text on the command line: Rich markup in a name prints as the characters it is, a
terminal escape never reaches the terminal (refused as an option, shown as an escape when it is
already stored), and a payment's odd text is refused with FF01."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.test_cli import vostro

MARKUP = "[red]x[/red] [bold]Bank[/bold] :smile:"
ESCAPE = "\x1b[31m"


def add(tmp: Path, bic: str, name: str) -> tuple[int, str, str]:
    done = vostro(
        "participant", "add", bic, "--name", name, "--role", "bank", "--currency", "INR", cwd=tmp
    )
    return done.returncode, done.stdout, done.stderr


def test_rich_markup_in_a_name_prints_literally(tmp_path: Path) -> None:
    code, out, err = add(tmp_path, "SBININBB", MARKUP)
    assert code == 0, err
    assert f"registered SBININBB ({MARKUP})" in out
    listed = vostro("participant", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert MARKUP in listed.stdout  # neither red nor bold nor an emoji: the characters
    assert "\x1b" not in listed.stdout


def test_a_terminal_escape_in_an_option_is_refused_and_never_echoed(tmp_path: Path) -> None:
    code, out, err = add(tmp_path, "SBININBB", f"{ESCAPE}Evil Bank")
    assert code == 2  # a bad parameter
    assert "U+001B ESCAPE" in err
    assert "\x1b[31m" not in out + err
    listed = vostro("participant", "list", cwd=tmp_path)
    assert "SBININBB" not in listed.stdout  # nothing was registered


def test_text_stored_before_the_checks_is_shown_harmlessly(tmp_path: Path) -> None:
    assert add(tmp_path, "SBININBB", "State Bank of India")[0] == 0
    with sqlite3.connect(tmp_path / "vostro.db") as db:  # as an older vostro may have left it
        db.execute(
            "UPDATE participants SET name = ? WHERE bic = 'SBININBB'",
            (f"{ESCAPE}State\x07Bank\u202e[/]",),
        )
    listed = vostro("participant", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "\\x1b[31mState\\x07Bank\\u202e[/]" in listed.stdout
    assert not any(c in listed.stdout for c in ("\x1b", "\x07", "\u202e"))


def test_a_payment_file_with_odd_text_is_refused_ff01(tmp_path: Path) -> None:
    for bic in ("SBININBB", "UCBAINBB"):
        assert add(tmp_path, bic, bic)[0] == 0
    payment = {
        "uetr": "3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a01",
        "end_to_end_id": "INV-1",
        "debtor_agent": "SBININBB",
        "creditor_agent": "UCBAINBB",
        "amount": "1.00 INR",
        "debtor_name": f"Ivan{ESCAPE}ov",
    }
    (tmp_path / "p.json").write_text(json.dumps(payment))
    done = vostro("pay", "--file", str(tmp_path / "p.json"), cwd=tmp_path)
    assert done.returncode == 2
    assert "FF01: debtor_name holds U+001B ESCAPE" in done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    flags = ["--from", "SBININBB", "--to", "UCBAINBB", "--amount", "1.00 INR"]
    refused = vostro("pay", *flags, "--end-to-end-id", "INV//1", cwd=tmp_path)
    assert refused.returncode == 2 and "contains '//'" in refused.stderr


def test_the_commands_own_line_breaks_stay_line_breaks() -> None:
    from io import StringIO

    from vostro.cli.options import PlainConsole, styled

    out = StringIO()
    printer = PlainConsole(file=out, width=80, color_system=None)
    printer.print("2 held payments expired\n  a\x1b[2J\n  b")
    printer.print(styled(("error:", "red"), " two\nlines\x07"))
    assert out.getvalue() == "2 held payments expired\n  a\\x1b[2J\n  b\nerror: two\nlines\\x07\n"

"""The ledger's own commands: `init`, `accounts`, `history` and `verify`, and how balances and
a verification report print (the demo prints them too)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from vostro.cli.options import (
    JsonFlag,
    LedgerDatabaseUrl,
    console,
    fail,
    new_table,
    opened_store,
    progress,
    styled,
)
from vostro.ledger.types import BATCH_EVENTS_MAX

if TYPE_CHECKING:
    from vostro.store.base import Store
    from vostro.store.verify import VerifyReport

HISTORY_COLUMNS = ("transfer", "counterparty", "debit", "credit", "balance after")


def init(database_url: LedgerDatabaseUrl = None) -> None:
    """Create the database (or migrate it to the newest schema)."""
    with opened_store(database_url) as store:
        console.print(f"ledger ready at {store.display_url}")


def accounts(database_url: LedgerDatabaseUrl = None) -> None:
    """List accounts and their balances."""
    with opened_store(database_url, migrate=False) as store:
        print_balances(store, {})


def history(
    account_id: Annotated[int, typer.Argument(help="The account's 128-bit id (decimal)")],
    limit: Annotated[int, typer.Option(min=1, max=BATCH_EVENTS_MAX)] = 20,
    database_url: LedgerDatabaseUrl = None,
) -> None:
    """An account's latest transfers with its posted balance after each (a mini statement)."""
    from vostro.money import currency_by_ledger, format_amount

    with opened_store(database_url, migrate=False) as store:
        found = store.get_accounts([account_id])
        if not found:
            fail(f"no account has id {account_id}")
        transfers = store.account_transfers(account_id, limit=limit, reverse=True)
        balances = store.account_history(account_id, limit=limit, reverse=True)
    code = currency_by_ledger(found[0].ledger).code
    table = new_table(
        f"account {account_id} ({code}), newest first", HISTORY_COLUMNS, right=HISTORY_COLUMNS[1:]
    )
    for t, b in zip(transfers, balances, strict=True):
        incoming = t.credit_account_id == account_id
        table.add_row(
            str(t.id),
            str(t.debit_account_id if incoming else t.credit_account_id),
            "" if incoming else format_amount(t.amount, code),
            format_amount(t.amount, code) if incoming else "",
            format_amount(b.credits_posted - b.debits_posted, code),
        )
    console.print(table)


def verify(database_url: LedgerDatabaseUrl = None, as_json: JsonFlag = False) -> None:
    """Recompute every balance from the journal and check every invariant."""
    from vostro.store.verify import verify as verify_ledger

    with opened_store(database_url, migrate=False) as store:
        if as_json:
            report = verify_ledger(store)
        else:
            with progress() as bar:
                task = bar.add_task("replaying the journal", total=store.counts()["transfers"])
                report = verify_ledger(store, lambda done: bar.update(task, completed=done))
    if as_json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "discrepancy": report.discrepancy,
                    "accounts": report.accounts,
                    "transfers": report.transfers,
                    "checks": report.checks,
                    "ledgers": report.ledgers,
                }
            )
        )
    else:
        print_verify(report)
    if not report.ok:
        raise typer.Exit(1)


def print_balances(store: Store, names: dict[int, str]) -> None:
    """Every account's posted debits, credits and balance (pending in brackets), by name where
    `names` has one."""
    from vostro.money import currency_by_ledger, format_amount

    columns = ("account", "debits", "credits", "balance")
    table = new_table("balances (posted; pending in brackets)", columns, right=columns[1:])
    for account in store.all_accounts():
        code = currency_by_ledger(account.ledger).code
        pending = account.credits_pending - account.debits_pending
        balance = format_amount(account.balance_posted, code)
        if pending:
            balance += f" ({format_amount(pending, code)})"
        table.add_row(
            names.get(account.id, str(account.id)),
            format_amount(account.debits_posted, code),
            format_amount(account.credits_posted, code),
            balance,
        )
    console.print(table)


def print_verify(report: VerifyReport) -> None:
    """The checks that passed, then the discrepancy or each ledger's totals."""
    from vostro.money import currency_by_ledger, format_amount

    for check in report.checks:
        console.print(styled("  ", ("ok", "green"), "   ", str(check)))
    if not report.ok:
        console.print(styled("  ", ("FAIL", "red"), " ", str(report.discrepancy)))
        return
    for ledger, totals in report.ledgers.items():
        code = currency_by_ledger(ledger).code
        console.print(
            f"  {code}: debits = credits = {format_amount(totals['credits_posted'], code)}"
        )
    console.print(
        styled(
            ("verified", "green"),
            f": {report.accounts:,} accounts, {report.transfers:,} transfers",
        )
    )

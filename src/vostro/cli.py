"""The `vostro` command line (Typer). Entry point only: it parses, calls the library, prints."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vostro.config import Settings
from vostro.errors import VostroError

app = typer.Typer(no_args_is_help=True, help="vostro: settlement in local currencies.")
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks (figures in docs/benchmarks.md).")
app.add_typer(bench_app, name="bench")


def _register_payment_commands() -> None:
    from vostro import cli_payments as cp

    app.add_typer(cp.participant_app, name="participant")
    app.add_typer(cp.payment_app, name="payment")
    app.add_typer(cp.fx_app, name="fx")
    app.add_typer(cp.vostro_app, name="vostro")
    app.add_typer(cp.settlement_app, name="settlement")
    app.add_typer(cp.queue_app, name="queue")
    app.add_typer(cp.window_app, name="window")
    from vostro.cli_iso import iso_app

    app.add_typer(iso_app, name="iso")
    from vostro import cli_compliance as cc

    app.add_typer(cc.list_app, name="list")
    app.add_typer(cc.hold_app, name="hold")
    app.add_typer(cc.limit_app, name="limit")
    app.command()(cp.fund)
    app.command()(cp.defund)
    app.command()(cp.pay)
    from vostro import cli_serve

    app.command()(cli_serve.serve)
    app.add_typer(cli_serve.key_app, name="key")


_register_payment_commands()
console = Console()
err = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB "
        "(default: $VOSTRO_DATABASE_URL, else sqlite:///vostro.db)",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def _url(database_url: str | None) -> str:
    return database_url or Settings().database_url


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


@app.command()
def init(database_url: DatabaseUrl = None) -> None:
    """Create the database (or migrate it to the newest schema)."""
    from vostro.store import open_store

    store = open_store(_url(database_url))
    console.print(f"ledger ready at {store.display_url}")
    store.dispose()


@app.command()
def demo(database_url: DatabaseUrl = None) -> None:
    """Open INR and RUB accounts, post the corridor's flows, print balances, verify."""
    from vostro import demo as demo_module
    from vostro.ledger.writer import Ledger
    from vostro.store import open_store
    from vostro.store.verify import verify as verify_ledger

    store = open_store(_url(database_url))
    console.print(f"[bold]vostro demo[/] on {store.display_url}\n")
    with Ledger(store) as ledger:
        for name, results in demo_module.run(ledger):
            summary = ", ".join(f"{results.count(r)}x {r}" for r in dict.fromkeys(results))
            console.print(f"  {name:<36} {summary}")
    _print_balances(store, {a.id: a.name for a in demo_module.ACCOUNTS})
    report = verify_ledger(store)
    store.dispose()
    _print_verify(report)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def accounts(database_url: DatabaseUrl = None) -> None:
    """List accounts and their balances."""
    from vostro.store import open_store

    store = open_store(_url(database_url), migrate=False)
    _print_balances(store, {})
    store.dispose()


@app.command()
def screen(
    name: Annotated[str, typer.Argument(help="A party's name, in any script")],
    list_file: Annotated[
        Path,
        typer.Option(
            "--list",
            help="FollowTheMoney entities (JSON lines) or a CSV list (id,name,aliases,identifiers)",
        ),
    ],
    threshold: Annotated[float, typer.Option(min=0, max=100)] = Settings().screening_threshold,
    identifier: Annotated[
        list[str] | None, typer.Option(help="BIC, INN, ... matched exactly")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Screen one name against a sanctions list, across scripts and spellings."""
    from vostro.compliance.lists import load_csv, load_ftm, screen_name

    screening = load_csv(list_file) if list_file.suffix == ".csv" else load_ftm(list_file)
    matches = screen_name(screening, name, threshold=threshold, identifiers=identifier or [])
    if as_json:
        print(
            json.dumps(
                {
                    "name": name,
                    "list_version": screening.version,
                    "matches": [
                        {
                            "entity_id": m.entity_id,
                            "name": m.name,
                            "score": m.score,
                            "hit": m.hit,
                            "reason": m.reason,
                        }
                        for m in matches
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    table = Table(title=f"{name!r} against {screening.source} (version {screening.version})")
    for column in ("entity", "listed name", "score", "hit"):
        table.add_column(column)
    for m in matches:
        table.add_row(m.entity_id, m.name, f"{m.score:.1f}", "HIT" if m.hit else "")
    console.print(table)


@app.command()
def history(
    account_id: Annotated[int, typer.Argument(help="The account's 128-bit id (decimal)")],
    limit: Annotated[int, typer.Option(min=1, max=8189)] = 20,
    database_url: DatabaseUrl = None,
) -> None:
    """An account's latest transfers with its posted balance after each (a mini statement)."""
    from vostro.money import currency_by_ledger, format_amount
    from vostro.store import open_store

    store = open_store(_url(database_url), migrate=False)
    found = store.get_accounts([account_id])
    if not found:
        store.dispose()
        err.print(f"[red]error:[/] no account has id {account_id}")
        raise typer.Exit(1)
    code = currency_by_ledger(found[0].ledger).code
    transfers = store.account_transfers(account_id, limit=limit, reverse=True)
    balances = store.account_history(account_id, limit=limit, reverse=True)
    store.dispose()
    table = Table(title=f"account {account_id} ({code}), newest first")
    for column in ("transfer", "counterparty", "debit", "credit", "balance after"):
        table.add_column(column, justify="left" if column == "transfer" else "right")
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


@app.command()
def verify(database_url: DatabaseUrl = None, as_json: JsonFlag = False) -> None:
    """Recompute every balance from the journal and check every invariant."""
    from vostro.store import open_store
    from vostro.store.verify import verify as verify_ledger

    store = open_store(_url(database_url), migrate=False)
    if as_json:
        report = verify_ledger(store)
    else:
        total = store.counts()["transfers"]
        with _progress() as progress:
            task = progress.add_task("replaying the journal", total=total)
            report = verify_ledger(store, lambda done: progress.update(task, completed=done))
    store.dispose()
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
        _print_verify(report)
    if not report.ok:
        raise typer.Exit(1)


@bench_app.command("ledger")
def bench_ledger(
    transfers: Annotated[int, typer.Option("--transfers", "-n", min=1)] = 1_000_000,
    accounts: Annotated[int, typer.Option(min=2)] = 10_000,
    batch_size: Annotated[int, typer.Option(min=1, max=8189)] = 8189,
    ids: Annotated[str, typer.Option(help="time (time-ordered) or random")] = "time",
    database_url: Annotated[
        str | None, typer.Option(help="Where to post (default: a new temporary SQLite file)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Post N transfers through the writer; compare with plain bulk inserts of the same rows."""
    from vostro.bench import ledger as bench

    if ids not in ("time", "random"):
        raise typer.BadParameter("--ids is 'time' or 'random'")
    run = functools.partial(
        bench.run,
        transfers=transfers,
        accounts=accounts,
        batch_size=batch_size,
        ids=ids,
        database_url=database_url,
    )
    if as_json:
        print(json.dumps(run().as_dict()))
        return
    with _progress() as progress:
        task = progress.add_task("posting transfers", total=transfers)
        result = run(progress=functools.partial(progress.advance, task))
    table = Table(title=f"vostro bench ledger ({result.backend}, {result.ids} ids)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.as_dict().items():
        table.add_row(key, f"{value:,}" if isinstance(value, int | float) else str(value))
    console.print(table)
    console.print(f"check it: vostro verify --database-url '{result.database_url}'")


@bench_app.command("api")
def bench_api(
    database_url: DatabaseUrl = None,
    seconds: Annotated[float, typer.Option(min=1)] = 20.0,
    concurrency: Annotated[int, typer.Option(min=1, max=1024)] = 32,
    as_json: JsonFlag = False,
) -> None:
    """Payments per second through the HTTP API of a separate `vostro serve` process on
    loopback, with p50/p99 latency, against GET /healthz in the same run (SQLite by default;
    a PostgreSQL URL gets a fresh schema of its own)."""
    from vostro.bench import api as bench

    with _progress() as progress:
        task = progress.add_task("loading the service", total=None)
        result = bench.run(database_url, seconds=seconds, concurrency=concurrency)
        progress.update(task, completed=1, total=1)
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title=f"vostro bench api ({result['backend']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int | float) else str(value))
    console.print(table)


@bench_app.command("netting")
def bench_netting(
    payments: Annotated[int, typer.Option(min=2)] = 1_000_000,
    participants: Annotated[int, typer.Option(min=2)] = 200,
    queued: Annotated[int, typer.Option(min=2)] = 100_000,
    mip_payments: Annotated[int, typer.Option(min=2)] = 300,
    seed: int = 1,
    as_json: JsonFlag = False,
) -> None:
    """Multilateral netting and the gridlock resolver, timed, and the resolver against the
    optimal (HiGHS) clearing on an instance the MIP solves."""
    from vostro.bench import netting as bench

    result = bench.run(
        payments=payments,
        participants=participants,
        queued=queued,
        mip_payments=mip_payments,
        seed=seed,
    )
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title="vostro bench netting")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


@bench_app.command("screening")
def bench_screening(
    payments: Annotated[int, typer.Option(min=1)] = 100_000,
    entities: Annotated[int, typer.Option(min=1)] = 50_000,
    seed: int = 1,
    as_json: JsonFlag = False,
) -> None:
    """Sanctions screening: precision and recall on the labelled pairs, and names/s screening
    payments against a synthetic list, with baselines from the same run."""
    from vostro.bench import screening as bench

    run = functools.partial(bench.run, entities=entities, payments=payments, seed=seed)
    if as_json:
        print(json.dumps(run(), ensure_ascii=False))
        return
    with _progress() as progress:
        task = progress.add_task("screening payments", total=payments)
        result = run(progress=functools.partial(progress.advance, task))
    table = Table(title="vostro bench screening")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        if key != "misclassified":
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    for pair in result["misclassified"]:  # type: ignore[attr-defined]
        console.print(f"  misclassified: {pair}")


def _print_balances(store: object, names: dict[int, str]) -> None:
    from vostro.money import currency_by_ledger, format_amount
    from vostro.store.base import Store

    assert isinstance(store, Store)
    table = Table(title="balances (posted; pending in brackets)")
    for column in ("account", "debits", "credits", "balance"):
        table.add_column(column, justify="left" if column == "account" else "right")
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


def _print_verify(report: object) -> None:
    from vostro.money import currency_by_ledger, format_amount
    from vostro.store.verify import VerifyReport

    assert isinstance(report, VerifyReport)
    for check in report.checks:
        console.print(f"  [green]ok[/]   {check}")
    if not report.ok:
        console.print(f"  [red]FAIL[/] {report.discrepancy}")
        return
    for ledger, totals in report.ledgers.items():
        code = currency_by_ledger(ledger).code
        console.print(
            f"  {code}: debits = credits = {format_amount(totals['credits_posted'], code)}"
        )
    console.print(
        f"[green]verified[/]: {report.accounts:,} accounts, {report.transfers:,} transfers"
    )


def main() -> None:
    try:
        app()
    except VostroError as error:
        err.print(f"[red]error:[/] {error}")
        sys.exit(2)


if __name__ == "__main__":
    main()

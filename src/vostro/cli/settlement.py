"""`vostro settlement` (modes, net debit caps, bilateral limits, reports, a simulated corridor
day) and `vostro window`, the deferred net settlement windows. With `--url` the changes go
through the running service (`vostro.cli.client`); a report it gives is the stored report's
fields (`report_from`)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vostro.cli.client import v1, write
from vostro.cli.options import (
    Actor,
    DatabaseUrl,
    console,
    err,
    new_table,
    open_reader,
    settings_for,
    utc,
)
from vostro.cli.paging import AllFlag, rows
from vostro.money import format_amount, parse_amount

if TYPE_CHECKING:
    from vostro.settlement.reports import SettlementReport

settlement_app = typer.Typer(no_args_is_help=True, help="Settlement modes, caps, limits, reports.")
window_app = typer.Typer(no_args_is_help=True, help="Deferred net settlement windows.")

REPORT_COLUMNS = (
    "kind",
    "currency",
    "settled",
    "queued",
    "gross",
    "net (liquidity used)",
    "saved",
    "mean / p95 in queue",
)
DESIGNS = ("rtgs", "lsm", "dns")
DESIGN_TITLES = {
    "rtgs": "RTGS, gross with queue",
    "lsm": "RTGS + LSM every 30 min",
    "dns": "deferred net, hourly windows",
}
DAY_COLUMNS = (
    "design",
    "settled",
    "settled value",
    "not settled",
    "liquidity provided",
    "liquidity saved",
)


@settlement_app.command("mode")
def settlement_mode(
    bic: str,
    currency: str,
    mode: Annotated[str, typer.Argument(help="rtgs|dns")],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Choose how a participant's payments in a currency settle."""
    write(
        database_url,
        lambda api: api.put(v1("settlement", "modes", bic, currency), {"mode": mode}),
        lambda p: p.rules.set_mode(p.registry.get(bic).bic, currency, mode, actor=actor),
    )
    console.print(f"{bic} settles {currency} by {mode}")


@settlement_app.command("cap")
def settlement_cap(
    bic: str,
    amount: Annotated[str, typer.Argument(help='e.g. "5,000,000.00 INR"')],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Set a participant's net debit cap in deferred net settlement windows."""
    minor, ccy = parse_amount(amount)
    write(
        database_url,
        lambda api: api.put(
            v1("settlement", "net-debit-caps", bic, ccy.code), {"net_debit_cap_minor": minor}
        ),
        lambda p: p.rules.set_net_debit_cap(p.registry.get(bic).bic, ccy.code, minor, actor=actor),
    )
    console.print(f"{bic}: net debit cap {format_amount(minor, ccy.code)}")


@settlement_app.command("bilateral-limit")
def settlement_bilateral_limit(
    bic: str,
    counterparty: str,
    amount: str,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Set the most a participant may owe one counterparty net in a window."""
    minor, ccy = parse_amount(amount)
    write(
        database_url,
        lambda api: api.put(
            v1("settlement", "bilateral-limits", bic, counterparty, ccy.code),
            {"limit_minor": minor},
        ),
        lambda p: p.rules.set_bilateral_limit(
            p.registry.get(bic).bic, p.registry.get(counterparty).bic, ccy.code, minor, actor=actor
        ),
    )
    console.print(f"{bic} → {counterparty}: bilateral limit {format_amount(minor, ccy.code)}")


@settlement_app.command("reports")
def settlement_reports(
    limit: int = 20, every: AllFlag = False, database_url: DatabaseUrl = None
) -> None:
    """Gross and net value, liquidity saved and time in queue, per LSM run and window
    (`--all`: every run)."""
    with open_reader(database_url) as p:
        reports = rows(
            lambda before, n: p.settlement.reports(n, before),
            lambda r: r.run_id,
            limit,
            every,
        )
    print_reports(reports)


def report_from(fields: dict[str, Any]) -> SettlementReport:
    """A settlement report as the API gives it (`ReportOut`: the report's own fields)."""
    from vostro.settlement.reports import SettlementReport

    return SettlementReport(**fields)


def print_reports(reports: list[Any]) -> None:
    """Settlement runs (LSM runs and windows) as a table, newest first."""
    table = new_table("settlement runs, newest first", REPORT_COLUMNS, right=REPORT_COLUMNS)
    for r in reports:
        table.add_row(
            r.kind
            + (f" {r.window_id}" if r.window_id else "")
            + (" (optimal)" if r.optimal else ""),
            r.currency,
            str(r.settled),
            str(r.still_queued),
            format_amount(r.gross_minor, r.currency),
            format_amount(r.net_minor, r.currency),
            f"{format_amount(r.saved_minor, r.currency)} ({r.saved_pct} %)",
            f"{r.mean_queue_s:.1f} s / {r.p95_queue_s:.1f} s",
        )
    console.print(table)


@settlement_app.command("day")
def settlement_day(
    scale: Annotated[float, typer.Option(help="Share of a full day's payments to run")] = 1.0,
    liquidity: Annotated[
        str, typer.Option(help="Opening liquidity as a share of each bank's gross outgoing value")
    ] = "0.25",
    seed: int = 1,
    design: Annotated[list[str] | None, typer.Option(help="rtgs, lsm, dns (default: all)")] = None,
) -> None:
    """Run a calibrated corridor day through the real engine under each settlement design."""
    from rich.progress import Progress

    from vostro.sim.day import run_design
    from vostro.sim.segments import generate_day

    day = generate_day(settings_for(None).data_dir, scale=scale, seed=seed)
    share = Decimal(liquidity)
    results = []
    with Progress(console=err) as progress:
        for name in design or DESIGNS:
            task = progress.add_task(f"{name}: {len(day):,} payments", total=len(day))
            results.append(run_design(name, day, share, functools.partial(progress.advance, task)))
    title = (
        f"a corridor day: {len(day):,} rupee payments, opening liquidity "
        f"{share:%} of each bank's outgoing value"
    )
    table = new_table(title, DAY_COLUMNS, right=DAY_COLUMNS)
    for r in results:
        table.add_row(
            DESIGN_TITLES[r.design],
            f"{r.settled:,}/{r.payments:,}",
            f"{format_amount(r.settled_minor, 'INR')} ({r.settled_pct} %)",
            str(r.queued_or_rejected),
            format_amount(r.opening_liquidity_minor, "INR"),
            format_amount(r.saved_minor, "INR"),
        )
    console.print(table)


# ------------------------------------------------------------------------- windows
@window_app.command("close")
def window_close(currency: str, database_url: DatabaseUrl = None) -> None:
    """Close the currency's open window, net it and settle the net positions."""
    report = write(
        database_url,
        lambda api: report_from(api.post(v1("settlement", "windows", currency, "close"))),
        lambda p: p.settlement.close_window(currency),
    )
    for note in report.notes:
        console.print(f"  {note}")
    print_reports([report])


@window_app.command("list")
def window_list(limit: int = 100, every: AllFlag = False, database_url: DatabaseUrl = None) -> None:
    """Settlement windows, newest first (`--all`: every one)."""
    with open_reader(database_url) as p:
        windows = rows(
            lambda before, n: p.settlement_views.windows(n, before),
            lambda w: w.id,
            limit,
            every,
        )
    table = new_table("settlement windows", ("id", "currency", "state", "opened (UTC)"))
    for w in windows:
        table.add_row(str(w.id), w.currency, w.state, utc(w.opened_at))
    console.print(table)

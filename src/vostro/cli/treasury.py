"""`vostro vostro`: the rupee vostro treasury, each bank's operating threshold and the T-bills
its surplus is invested in, day by day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from vostro.cli.options import (
    Actor,
    DatabaseUrl,
    console,
    minor_units,
    new_table,
    open_platform,
    open_reader,
)
from vostro.money import format_amount

app = typer.Typer(no_args_is_help=True, help="Rupee vostro balances and their investment.")
DAY_COLUMNS = ("day", "bank", "vostro balance", "invested", "interest")


@app.command("configure")
def vostro_configure(
    bic: str,
    threshold: Annotated[str, typer.Option(help='e.g. "100,000,000.00 INR"')],
    annual_yield: Annotated[str, typer.Option(help="e.g. 0.065")],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Set a bank's operating threshold and the T-bill yield its surplus earns."""
    try:
        yield_ = Decimal(annual_yield)
    except InvalidOperation:
        raise typer.BadParameter("--annual-yield is a decimal fraction such as 0.065") from None
    with open_platform(database_url) as p:
        p.treasury.configure(bic, minor_units(threshold, "INR"), yield_, actor=actor)
    console.print(f"{bic}: surplus above {threshold} is invested at {yield_:%}")


@app.command("close-day")
def vostro_close_day(
    day: Annotated[str, typer.Option(help="YYYY-MM-DD (default today)")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Sweep surpluses into T-bills (or redeem), accrue the day's interest, record the day."""
    on = date.fromisoformat(day) if day else date.today()
    with open_platform(database_url) as p:
        days = p.treasury.close_day(on)
    _print_days(days, f"vostro accounts, {on}")


@app.command("report")
def vostro_report(
    bic: Annotated[str | None, typer.Option()] = None, database_url: DatabaseUrl = None
) -> None:
    """Surplus, invested amount and interest over time."""
    with open_reader(database_url) as p:
        days = p.treasury.report(bic)
    _print_days(days, "rupee vostro surplus and its investment")


def _print_days(days: list[Any], title: str) -> None:
    table = new_table(title, DAY_COLUMNS, right=DAY_COLUMNS)
    for d in days:
        table.add_row(
            str(d.day),
            d.bic,
            format_amount(d.vostro_minor, "INR"),
            format_amount(d.invested_minor, "INR"),
            format_amount(d.interest_minor, "INR"),
        )
    console.print(table)

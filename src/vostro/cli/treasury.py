"""`vostro vostro`: the rupee vostro treasury, each bank's operating threshold and the T-bills
its surplus is invested in, day by day. With `--url` the changes go through the running service
(`vostro.cli.client`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from vostro.cli.client import v1, write
from vostro.cli.options import (
    Actor,
    DatabaseUrl,
    console,
    minor_units,
    new_table,
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
    threshold_minor = minor_units(threshold, "INR")
    settings = {"threshold_minor": threshold_minor, "annual_yield": format(yield_, "f")}
    write(
        database_url,
        lambda api: api.put(v1("vostro", "settings", bic), settings),
        lambda p: p.treasury.configure(bic, threshold_minor, yield_, actor=actor),
    )
    console.print(f"{bic}: surplus above {threshold} is invested at {yield_:%}")


@app.command("close-day")
def vostro_close_day(
    day: Annotated[str, typer.Option(help="YYYY-MM-DD (default today)")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Sweep surpluses into T-bills (or redeem), accrue the day's interest, record the day."""
    on = date.fromisoformat(day) if day else date.today()
    days = write(
        database_url,
        lambda api: api.post("/v1/vostro/close-day", params={"day": on.isoformat()}),
        lambda p: [asdict(d) for d in p.treasury.close_day(on)],
    )
    _print_days(days, f"vostro accounts, {on}")


@app.command("report")
def vostro_report(
    bic: Annotated[str | None, typer.Option()] = None, database_url: DatabaseUrl = None
) -> None:
    """Surplus, invested amount and interest over time."""
    with open_reader(database_url) as p:
        days = [asdict(d) for d in p.treasury.report(bic)]
    _print_days(days, "rupee vostro surplus and its investment")


def _print_days(days: list[dict[str, Any]], title: str) -> None:
    """Vostro days, from their fields (a stored day's, or the API's `VostroDayOut`)."""
    table = new_table(title, DAY_COLUMNS, right=DAY_COLUMNS)
    for d in days:
        table.add_row(
            str(d["day"]),
            d["bic"],
            format_amount(d["vostro_minor"], "INR"),
            format_amount(d["invested_minor"], "INR"),
            format_amount(d["interest_minor"], "INR"),
        )
    console.print(table)

"""`vostro fx`: reference rates, providers' standing rates and firm quotes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from vostro.cli.options import Actor, DatabaseUrl, console, number_in, open_platform
from vostro.money import format_amount, parse_amount

app = typer.Typer(no_args_is_help=True, help="Reference rates, standing rates and quotes.")


@app.command("load")
def fx_load(
    file: Path,
    source: Annotated[str, typer.Option(help="Name for CSV rates")] = "CSV",
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Load reference rates: the Bank of Russia's daily XML, or a CSV (date,base,quote,rate)."""
    from vostro.fx.rates import load_cbr_xml, load_csv

    data = file.read_bytes()
    rates = (
        load_cbr_xml(data)
        if data.lstrip().startswith(b"<")
        else load_csv(data.decode("utf-8"), source)
    )
    with open_platform(database_url) as p:
        count = p.desk.add_reference_rates(rates, actor=actor)
    console.print(f"loaded {count} reference rates")


@app.command("standing-rate")
def fx_standing_rate(
    provider: str,
    source: str,
    target: str,
    tier: Annotated[list[str], typer.Option(help='"MIN_AMOUNT:SPREAD_BPS", e.g. "0:150"')],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Publish a provider's standing rate: spreads over the reference rate by amount tier."""
    from vostro.fx.quotes import StandingRate, Tier

    tiers = []
    for text in tier:
        amount, _, bps = text.partition(":")
        tiers.append(Tier(number_in(amount, source) if amount != "0" else 0, int(bps)))
    with open_platform(database_url) as p:
        p.desk.set_standing_rate(StandingRate(provider, source, target, tuple(tiers)), actor=actor)
    console.print(f"{provider} quotes {source}→{target} in {len(tiers)} tiers")


@app.command("quote")
def fx_quote(
    provider: str,
    requested_by: str,
    amount: Annotated[str, typer.Argument(help='e.g. "45,000.00 RUB"')],
    target: str,
    database_url: DatabaseUrl = None,
) -> None:
    """A firm quote, valid for 10 minutes."""
    minor, ccy = parse_amount(amount)
    with open_platform(database_url) as p:
        q = p.desk.quote(provider, requested_by, ccy.code, target, minor, time.time_ns())
    console.print(
        f"quote {q.id}: {format_amount(q.source_amount_minor, q.source_currency)} → "
        f"{format_amount(q.target_amount_minor, q.target_currency)} at {q.rate} "
        f"(reference {q.reference_rate}, {q.spread_bps} bp), expires {q.expires_at:%H:%M:%S} UTC"
    )

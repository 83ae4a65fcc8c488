"""`vostro fx`: reference rates, providers' standing rates and firm quotes. With `--url` they go
through the running service (`vostro.cli.client`): a rates file is read here and its rates sent
as JSON, a few hundred to a request."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vostro.cli.client import ServiceClient, v1, write
from vostro.cli.options import Actor, DatabaseUrl, console, number_in
from vostro.money import format_amount, parse_amount

if TYPE_CHECKING:
    from vostro.fx.quotes import Quote
    from vostro.fx.rates import ReferenceRate

app = typer.Typer(no_args_is_help=True, help="Reference rates, standing rates and quotes.")
# The most rates one request to the service carries (the API's `RatesIn` takes up to 500).
RATES_PER_REQUEST_MAX = 500


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
    count = write(
        database_url,
        lambda api: _sent(api, rates),
        lambda p: p.desk.add_reference_rates(rates, actor=actor),
    )
    console.print(f"loaded {count} reference rates")


def _sent(api: ServiceClient, rates: list[ReferenceRate]) -> int:
    """The rates sent to the service as JSON (the rate as a decimal text, never a float)."""
    for start in range(0, len(rates), RATES_PER_REQUEST_MAX):
        batch = rates[start : start + RATES_PER_REQUEST_MAX]
        body = [
            {
                "base": r.base,
                "quote": r.quote,
                "rate": format(r.rate, "f"),
                "as_of": r.as_of.isoformat(),
                "source": r.source,
            }
            for r in batch
        ]
        api.post("/v1/fx/rates", {"rates": body})
    return len(rates)


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
    body = {
        "tiers": [
            {"min_source_minor": t.min_source_minor, "spread_bps": t.spread_bps} for t in tiers
        ]
    }
    write(
        database_url,
        lambda api: api.put(v1("fx", "standing-rates", provider, source, target), body),
        lambda p: p.desk.set_standing_rate(
            StandingRate(provider, source, target, tuple(tiers)), actor=actor
        ),
    )
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
    body = {
        "provider": provider,
        "payer": requested_by,
        "source_currency": ccy.code,
        "target_currency": target,
        "source_amount_minor": minor,
    }
    q = write(
        database_url,
        lambda api: api.post("/v1/fx/quotes", body),
        lambda p: _fields(
            p.desk.quote(provider, requested_by, ccy.code, target, minor, time.time_ns())
        ),
    )
    expires_at = datetime.fromisoformat(q["expires_at"])
    console.print(
        f"quote {q['id']}: {format_amount(q['source_amount_minor'], q['source_currency'])} → "
        f"{format_amount(q['target_amount_minor'], q['target_currency'])} at {q['rate']} "
        f"(reference {q['reference_rate']}, {q['spread_bps']} bp), "
        f"expires {expires_at:%H:%M:%S} UTC"
    )


def _fields(q: Quote) -> dict[str, Any]:
    """A quote's fields as the API gives them (`QuoteOut`)."""
    return {
        "id": q.id,
        "source_currency": q.source_currency,
        "source_amount_minor": q.source_amount_minor,
        "target_currency": q.target_currency,
        "target_amount_minor": q.target_amount_minor,
        "rate": str(q.rate),
        "reference_rate": str(q.reference_rate),
        "spread_bps": q.spread_bps,
        "expires_at": q.expires_at.isoformat(),
    }

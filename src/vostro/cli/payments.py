"""`vostro pay`, `vostro payment` (show, list) and `vostro queue`, the RTGS queue: list,
cancel, re-prioritise, expire, and the liquidity-saving mechanism over it. With `--url` payments
and queue changes go through the running service (`vostro.cli.client`).

A payment prints from its fields as the API gives them (`PaymentOut`, which a stored `Payment`'s
own fields match), so one `_show` serves both ways."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vostro.cli.client import ServiceClient, database_only, v1, write
from vostro.cli.options import (
    DatabaseUrl,
    checked,
    console,
    fail,
    new_table,
    open_platform,
    open_reader,
    styled,
    utc,
)
from vostro.cli.paging import AllFlag, rows
from vostro.cli.settlement import print_reports, report_from
from vostro.money import format_amount, parse_amount
from vostro.text import END_TO_END_ID, QUOTE_ID

if TYPE_CHECKING:
    from vostro.payments.model import PaymentRequest

payment_app = typer.Typer(no_args_is_help=True, help="Look at payments.")
queue_app = typer.Typer(no_args_is_help=True, help="The RTGS queue.")
Sender = Annotated[str, typer.Option(help="The sender's BIC")]


def pay(
    file: Annotated[
        Path | None, typer.Option(help="A JSON payment (fields of PaymentRequest)")
    ] = None,
    payer: Annotated[str | None, typer.Option("--from")] = None,
    payee: Annotated[str | None, typer.Option("--to")] = None,
    amount: Annotated[str | None, typer.Option(help='e.g. "45,000.00 RUB"')] = None,
    target_currency: Annotated[str | None, typer.Option()] = None,
    quote: Annotated[
        str | None,
        typer.Option(help="FX quote id (cross-currency)", callback=checked(QUOTE_ID)),
    ] = None,
    flow: Annotated[str, typer.Option()] = "trade",
    end_to_end_id: Annotated[str | None, typer.Option(callback=checked(END_TO_END_ID))] = None,
    uetr: Annotated[str | None, typer.Option()] = None,
    settlement_date: Annotated[
        str | None, typer.Option(help="value date YYYY-MM-DD (default: today's operating day)")
    ] = None,
    next_day_if_late: Annotated[
        bool, typer.Option(help="after its cut-off, wait for the next business day")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Submit a payment from a JSON file or from flags; prints where it ended."""
    from vostro.payments.model import PaymentRequest

    if file is not None:
        request = _request_from_file(file)
    else:
        if not (payer and payee and amount):
            raise typer.BadParameter("give --file, or --from, --to and --amount")
        minor, ccy = parse_amount(amount)
        request = PaymentRequest(
            uetr=uetr or str(uuid.uuid4()),
            end_to_end_id=end_to_end_id or f"CLI-{uuid.uuid4().hex[:12]}",
            debtor_agent=payer,
            creditor_agent=payee,
            amount_minor=minor,
            currency=ccy.code,
            target_currency=target_currency,
            quote_id=quote,
            flow=flow,
            settlement_date=_date(settlement_date) if settlement_date else None,
            next_day_if_late=next_day_if_late,
        )
    payment = write(
        database_url,
        lambda api: _submitted(api, request),
        lambda p: asdict(p.payments.submit(request)),
    )
    _show(payment)
    if payment["state"] == "rejected":
        raise typer.Exit(1)


def _submitted(api: ServiceClient, request: PaymentRequest) -> dict[str, Any]:
    """The payment submitted to the service, with its quote's reference rate (a stored payment
    keeps it; the API shows it on the quote)."""
    fields = {k: v for k, v in asdict(request).items() if v not in (None, "")}
    if request.settlement_date is not None:
        fields["settlement_date"] = request.settlement_date.isoformat()
    payment: dict[str, Any] = api.post("/v1/payments", fields)
    if payment["fx_provider"] and payment["quote_id"]:
        quote = api.get(v1("fx", "quotes", payment["quote_id"]))
        payment["reference_rate"] = quote["reference_rate"]
    return payment


def _request_from_file(file: Path) -> PaymentRequest:
    """A payment's fields from JSON; an `amount` ("45,000.00 RUB") gives amount and currency."""
    from vostro.payments.model import PaymentRequest

    fields = json.loads(file.read_text())
    if "amount" in fields:
        minor, ccy = parse_amount(fields.pop("amount"))
        fields.update(amount_minor=minor, currency=ccy.code)
    if fields.get("settlement_date"):
        fields["settlement_date"] = _date(fields["settlement_date"])
    return PaymentRequest(**fields)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a value date YYYY-MM-DD") from None


@payment_app.command("show")
def payment_show(uetr: str, database_url: DatabaseUrl = None) -> None:
    """A payment's details and its full history."""
    with open_reader(database_url) as p:
        payment = p.payments.get(uetr)
    if payment is None:
        fail(f"no payment has UETR {uetr}")
    _show(asdict(payment))


@payment_app.command("list")
def payment_list(limit: int = 20, every: AllFlag = False, database_url: DatabaseUrl = None) -> None:
    """Payments, newest first (`--all`: every one)."""
    with open_reader(database_url) as p:
        found = rows(
            lambda after, n: p.read(
                lambda uow: uow.read_models.recent_payments(None, limit=n, after=after)
            ),
            lambda r: (r["created_at"], r["uetr"]),
            limit,
            every,
        )
    table = new_table("payments, newest first", ("UETR", "from", "to", "sent", "received", "state"))
    for x in found:
        table.add_row(
            x["uetr"],
            x["debtor_agent"],
            x["creditor_agent"],
            format_amount(x["source_amount_minor"], x["source_currency"]),
            format_amount(x["target_amount_minor"], x["target_currency"]),
            x["state"],
        )
    console.print(table)


def _show(x: Mapping[str, Any]) -> None:
    """A payment, from its fields (a stored payment's, or the API's with its history)."""
    console.print(
        styled(
            (f"payment {x['uetr']}", "bold"),
            f"  {x['state'].upper()}"
            + (f"  {x['reason_code']}: {x['reason']}" if x["reason_code"] else ""),
        )
    )
    console.print(
        f"  {x['debtor_agent']} → {x['creditor_agent']} ({x['flow']}), "
        f"end-to-end id {x['end_to_end_id']}"
    )
    console.print(
        f"  sent {format_amount(x['source_amount_minor'], x['source_currency'])}, received "
        f"{format_amount(x['target_amount_minor'], x['target_currency'])}"
        + (
            f" at {x['rate']} via {x['fx_provider']} (reference {x.get('reference_rate')})"
            if x["fx_provider"]
            else ""
        )
    )
    console.print(
        f"  fee {format_amount(x['fee_minor'], x['source_currency'])}; all-in cost "
        f"{format_amount(x['cost_minor'], x['source_currency'])} = "
        f"{Decimal(x['cost_bps']) / 100:.2f} % of the amount sent"
    )
    table = new_table("history", ("at (UTC)", "state", "reason"))
    for e in x["events"] or ():
        table.add_row(
            utc(e["at"]),
            e["state"],
            (f"{e['reason_code']}: " if e["reason_code"] else "") + (e["reason"] or ""),
        )
    console.print(table)


# --------------------------------------------------------------------------- queue
@queue_app.command("list")
def queue_list(
    currency: Annotated[str | None, typer.Option()] = None,
    limit: int = 500,
    every: AllFlag = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Queued payments in settlement order (`--all`: every one)."""
    with open_reader(database_url) as p:
        entries = rows(
            lambda after, n: p.settlement_views.queue(currency, None, limit=n, after=after),
            lambda e: (int(e.priority), e.arrival, e.uetr),
            limit,
            every,
        )
        found = [(e, p.payments.get(e.uetr)) for e in entries]
    table = new_table(
        "RTGS queue", ("UETR", "payer", "payee", "amount", "priority", "waiting since (UTC)")
    )
    for e, x in found:
        if x is not None:
            table.add_row(
                e.uetr,
                e.payer,
                x.creditor_agent,
                format_amount(x.source_amount_minor, x.source_currency),
                e.priority.name.lower(),
                utc(e.arrival, "%H:%M:%S"),
            )
    console.print(table)


@queue_app.command("cancel")
def queue_cancel(uetr: str, by: Sender, database_url: DatabaseUrl = None) -> None:
    """Cancel a queued payment (its sender only)."""
    payment = write(
        database_url,
        lambda api: _as_sender(api, uetr, by, "cancel", None),
        lambda p: asdict(p.payments.cancel(uetr, by)),
    )
    console.print(f"payment {payment['uetr']} cancelled ({payment['reason_code']})")


@queue_app.command("priority")
def queue_priority(
    uetr: str,
    priority: Annotated[str, typer.Argument(help="urgent|normal")],
    by: Sender,
    database_url: DatabaseUrl = None,
) -> None:
    """Re-prioritise a queued payment (its sender only)."""
    from vostro.settlement.queue import Priority

    level = Priority[priority.upper()]
    write(
        database_url,
        lambda api: _as_sender(api, uetr, by, "priority", {"priority": level.name.lower()}),
        lambda p: p.payments.reprioritise(uetr, by, level),
    )
    console.print(f"payment {uetr} is now {priority}")


def _as_sender(
    api: ServiceClient, uetr: str, by: str, action: str, body: dict[str, Any] | None
) -> dict[str, Any]:
    """A queued payment's sender acts on it through the service: `--by` must be its sender, as
    on the database (the API key acts for it)."""
    payment = api.get(v1("payments", uetr))
    if payment["debtor_agent"] != by:
        fail(f"Payment refused: {by} has no payment {uetr} (reason NARR)")
    done: dict[str, Any] = api.post(v1("payments", uetr, action), body)
    return done


@queue_app.command("expire")
def queue_expire(database_url: DatabaseUrl = None) -> None:
    """Reject queued payments past their deadline (a running service does it itself)."""
    database_only(
        "queue expire", "a running service rejects queued payments at their deadline itself"
    )
    with open_platform(database_url) as p:
        expired = p.payments.expire_queue()
    console.print(f"{len(expired)} queued payments reached their deadline and were rejected")


@queue_app.command("lsm")
def queue_lsm(
    currency: str,
    optimal: Annotated[
        bool,
        typer.Option(help="Solve the clearing problem exactly (HiGHS) instead of the heuristic"),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the liquidity-saving mechanism on the queue: settle what can go together."""
    report = write(
        database_url,
        lambda api: report_from(
            api.post("/v1/settlement/lsm-runs", {"currency": currency, "optimal": optimal})
        ),
        lambda p: p.settlement.run_lsm(currency, optimal=optimal),
    )
    print_reports([report])

"""Command-line groups for participants, funding, payments, FX and the rupee vostro treasury."""

from __future__ import annotations

import functools
import json
import secrets
import time
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from vostro.config import Settings
from vostro.money import format_amount, parse_amount

console = Console()
err = Console(stderr=True)

participant_app = typer.Typer(no_args_is_help=True, help="Register and manage participants.")
payment_app = typer.Typer(no_args_is_help=True, help="Look at payments.")
fx_app = typer.Typer(no_args_is_help=True, help="Reference rates, standing rates and quotes.")
vostro_app = typer.Typer(no_args_is_help=True, help="Rupee vostro balances and their investment.")
settlement_app = typer.Typer(no_args_is_help=True, help="Settlement modes, caps, limits, reports.")
queue_app = typer.Typer(no_args_is_help=True, help="The RTGS queue.")
window_app = typer.Typer(no_args_is_help=True, help="Deferred net settlement windows.")

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="Default: $VOSTRO_DATABASE_URL")
]
Actor = Annotated[str, typer.Option(help="Who is acting, for the audit log.")]


def _platform(url: str | None) -> Any:
    from vostro.platform import Platform

    return Platform.open(url or Settings().database_url)


def _transfer_id() -> int:
    return (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)


# ------------------------------------------------------------------- participants
@participant_app.command("add")
def participant_add(
    bic: str,
    name: Annotated[str, typer.Option(help="Legal name")],
    role: Annotated[list[str], typer.Option(help="bank, mto, fx_provider or operator")],
    currency: Annotated[list[str], typer.Option(help="Currencies it settles in")],
    vostro_at: Annotated[
        str | None, typer.Option(help="Indian bank holding its rupee vostro")
    ] = None,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Register a participant and open its accounts."""
    with _platform(database_url) as p:
        participant = p.registry.register(
            bic, name, role, currency, correspondent_bic=vostro_at, actor=actor
        )
    console.print(f"registered {participant.bic} ({participant.name}), number {participant.number}")


@participant_app.command("alias")
def participant_alias(
    bic: str,
    alias: Annotated[
        str, typer.Argument(help='Another identifier messages use, e.g. "USABA:011104238"')
    ],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Let ISO 20022 messages name a participant by a clearing system member id."""
    with _platform(database_url) as p:
        p.registry.add_alias(bic, alias, actor=actor)
    console.print(f"{alias} now names {bic}")


@participant_app.command("list")
def participant_list(database_url: DatabaseUrl = None) -> None:
    """Participants and their balances."""
    with _platform(database_url) as p:
        table = Table(title="participants")
        for column in ("BIC", "name", "roles", "status", "balances"):
            table.add_column(column)
        for participant in p.registry.all():
            codes = list(participant.currencies) + (
                ["INR"] if participant.has_vostro() and "INR" not in participant.currencies else []
            )
            balances = (
                ", ".join(
                    format_amount(p.registry.balance(participant.bic, c), c)
                    for c in codes
                    if participant.settles_in(c)
                )
                or "-"
            )
            table.add_row(
                participant.bic,
                participant.name,
                ",".join(sorted(participant.roles)),
                participant.status,
                balances,
            )
    console.print(table)


def _set_status(bic: str, status: str, reason: str, database_url: str | None, actor: str) -> None:
    from vostro.participants.model import Status

    with _platform(database_url) as p:
        p.registry.set_status(bic, Status(status), actor=actor, reason=reason)
    console.print(f"{bic} is now {status}")


@participant_app.command("suspend")
def participant_suspend(
    bic: str,
    reason: Annotated[str, typer.Option()],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Stop new payments to and from a participant (settled payments stay)."""
    _set_status(bic, "suspended", reason, database_url, actor)


@participant_app.command("reinstate")
def participant_reinstate(
    bic: str,
    reason: Annotated[str, typer.Option()],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    _set_status(bic, "active", reason, database_url, actor)


@participant_app.command("fees")
def participant_fees(
    bic: str,
    currency: str,
    fixed: Annotated[str, typer.Option(help='e.g. "50.00 RUB"')] = "0",
    rate_bps: Annotated[int, typer.Option(min=0, max=10_000)] = 0,
    cap: Annotated[str | None, typer.Option(help='e.g. "2,000.00 RUB"')] = None,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Set what the operator charges a participant per payment sent in a currency."""
    from vostro.payments.fees import FeeSchedule

    fixed_minor = parse_amount(f"{fixed} {currency}" if " " not in fixed else fixed, currency)[0]
    cap_minor = parse_amount(cap, currency)[0] if cap else None
    with _platform(database_url) as p:
        p.fees.set(bic, FeeSchedule(currency, fixed_minor, rate_bps, cap_minor), actor=actor)
    console.print(f"fees of {bic} in {currency} set")


def _move(bic: str, amount: str, database_url: str | None, actor: str, *, defund: bool) -> None:
    minor, ccy = parse_amount(amount)
    with _platform(database_url) as p:
        move = p.registry.defund if defund else p.fund
        result = move(bic, minor, ccy.code, transfer_id=_transfer_id(), actor=actor)
        balance = p.registry.balance(bic, ccy.code)
    if result != "ok":
        err.print(f"[red]refused:[/] {result}")
        raise typer.Exit(1)
    console.print(f"{bic} now holds {format_amount(balance, ccy.code)}")


def fund(
    bic: str,
    amount: Annotated[str, typer.Argument(help='e.g. "1,000,000.00 INR"')],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Move money from the operator's funding account into a participant's account."""
    _move(bic, amount, database_url, actor, defund=False)


def defund(
    bic: str,
    amount: Annotated[str, typer.Argument(help='e.g. "1,000.00 RUB"')],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Move money back from a participant's account to the operator's funding account."""
    _move(bic, amount, database_url, actor, defund=True)


# ------------------------------------------------------------------------ payments
def pay(
    file: Annotated[
        Path | None, typer.Option(help="A JSON payment (fields of PaymentRequest)")
    ] = None,
    payer: Annotated[str | None, typer.Option("--from")] = None,
    payee: Annotated[str | None, typer.Option("--to")] = None,
    amount: Annotated[str | None, typer.Option(help='e.g. "45,000.00 RUB"')] = None,
    target_currency: Annotated[str | None, typer.Option()] = None,
    quote: Annotated[str | None, typer.Option(help="FX quote id (cross-currency)")] = None,
    flow: Annotated[str, typer.Option()] = "trade",
    end_to_end_id: Annotated[str | None, typer.Option()] = None,
    uetr: Annotated[str | None, typer.Option()] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Submit a payment from a JSON file or from flags; prints where it ended."""
    from vostro.payments.model import PaymentRequest

    if file is not None:
        fields = json.loads(file.read_text())
        if "amount" in fields:
            minor, ccy = parse_amount(fields.pop("amount"))
            fields.update(amount_minor=minor, currency=ccy.code)
        request = PaymentRequest(**fields)
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
        )
    with _platform(database_url) as p:
        payment = p.payments.submit(request)
    _show(payment)
    if payment.state == "rejected":
        raise typer.Exit(1)


@payment_app.command("show")
def payment_show(uetr: str, database_url: DatabaseUrl = None) -> None:
    """A payment's details and its full history."""
    with _platform(database_url) as p:
        payment = p.payments.get(uetr)
    if payment is None:
        err.print(f"[red]error:[/] no payment has UETR {uetr}")
        raise typer.Exit(1)
    _show(payment)


@payment_app.command("list")
def payment_list(limit: int = 20, database_url: DatabaseUrl = None) -> None:
    with _platform(database_url) as p:
        found = p.payments.list(limit)
    table = Table(title="payments, newest first")
    for column in ("UETR", "from", "to", "sent", "received", "state"):
        table.add_column(column)
    for x in found:
        table.add_row(
            x.uetr,
            x.debtor_agent,
            x.creditor_agent,
            format_amount(x.source_amount_minor, x.source_currency),
            format_amount(x.target_amount_minor, x.target_currency),
            x.state,
        )
    console.print(table)


def _show(x: Any) -> None:
    console.print(
        f"[bold]payment {x.uetr}[/]  {x.state.upper()}"
        + (f"  {x.reason_code}: {x.reason}" if x.reason_code else "")
    )
    console.print(
        f"  {x.debtor_agent} → {x.creditor_agent} ({x.flow}), end-to-end id {x.end_to_end_id}"
    )
    console.print(
        f"  sent {format_amount(x.source_amount_minor, x.source_currency)}, received "
        f"{format_amount(x.target_amount_minor, x.target_currency)}"
        + (
            f" at {x.rate} via {x.fx_provider} (reference {x.reference_rate})"
            if x.fx_provider
            else ""
        )
    )
    console.print(
        f"  fee {format_amount(x.fee_minor, x.source_currency)}; all-in cost "
        f"{format_amount(x.cost_minor, x.source_currency)} = "
        f"{Decimal(x.cost_bps) / 100:.2f} % of the amount sent"
    )
    table = Table(title="history")
    for column in ("at (UTC)", "state", "reason"):
        table.add_column(column)
    for e in x.events:
        at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.at // 10**9))
        table.add_row(
            at, e.state, (f"{e.reason_code}: " if e.reason_code else "") + (e.reason or "")
        )
    console.print(table)


# ------------------------------------------------------------------------------ FX
@fx_app.command("load")
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
    with _platform(database_url) as p:
        count = p.desk.add_reference_rates(rates, actor=actor)
    console.print(f"loaded {count} reference rates")


@fx_app.command("standing-rate")
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
        minor = parse_amount(f"{amount} {source}", source)[0] if amount != "0" else 0
        tiers.append(Tier(minor, int(bps)))
    with _platform(database_url) as p:
        p.desk.set_standing_rate(StandingRate(provider, source, target, tuple(tiers)), actor=actor)
    console.print(f"{provider} quotes {source}→{target} in {len(tiers)} tiers")


@fx_app.command("quote")
def fx_quote(
    provider: str,
    requested_by: str,
    amount: Annotated[str, typer.Argument(help='e.g. "45,000.00 RUB"')],
    target: str,
    database_url: DatabaseUrl = None,
) -> None:
    """A firm quote, valid for 10 minutes."""
    minor, ccy = parse_amount(amount)
    with _platform(database_url) as p:
        q = p.desk.quote(provider, requested_by, ccy.code, target, minor, time.time_ns())
    console.print(
        f"quote {q.id}: {format_amount(q.source_amount_minor, q.source_currency)} → "
        f"{format_amount(q.target_amount_minor, q.target_currency)} at {q.rate} "
        f"(reference {q.reference_rate}, {q.spread_bps} bp), expires {q.expires_at:%H:%M:%S} UTC"
    )


# -------------------------------------------------------------------------- vostro
@vostro_app.command("configure")
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
    with _platform(database_url) as p:
        p.treasury.configure(bic, parse_amount(threshold, "INR")[0], yield_, actor=actor)
    console.print(f"{bic}: surplus above {threshold} is invested at {yield_:%}")


@vostro_app.command("close-day")
def vostro_close_day(
    day: Annotated[str, typer.Option(help="YYYY-MM-DD (default today)")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Sweep surpluses into T-bills (or redeem), accrue the day's interest, record the day."""
    on = date.fromisoformat(day) if day else date.today()
    with _platform(database_url) as p:
        days = p.treasury.close_day(on)
    _vostro_table(days, f"vostro accounts, {on}")


@vostro_app.command("report")
def vostro_report(
    bic: Annotated[str | None, typer.Option()] = None, database_url: DatabaseUrl = None
) -> None:
    """Surplus, invested amount and interest over time."""
    with _platform(database_url) as p:
        days = p.treasury.report(bic)
    _vostro_table(days, "rupee vostro surplus and its investment")


def _vostro_table(days: list[Any], title: str) -> None:
    table = Table(title=title)
    for column in ("day", "bank", "vostro balance", "invested", "interest"):
        table.add_column(column, justify="right")
    for d in days:
        table.add_row(
            str(d.day),
            d.bic,
            format_amount(d.vostro_minor, "INR"),
            format_amount(d.invested_minor, "INR"),
            format_amount(d.interest_minor, "INR"),
        )
    console.print(table)


# ---------------------------------------------------------------------- settlement
@settlement_app.command("mode")
def settlement_mode(
    bic: str,
    currency: str,
    mode: Annotated[str, typer.Argument(help="rtgs|dns")],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Choose how a participant's payments in a currency settle."""
    with _platform(database_url) as p:
        p.rules.set_mode(p.registry.get(bic).bic, currency, mode, actor=actor)
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
    with _platform(database_url) as p:
        p.rules.set_net_debit_cap(p.registry.get(bic).bic, ccy.code, minor, actor=actor)
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
    with _platform(database_url) as p:
        p.rules.set_bilateral_limit(
            p.registry.get(bic).bic, p.registry.get(counterparty).bic, ccy.code, minor, actor=actor
        )
    console.print(f"{bic} → {counterparty}: bilateral limit {format_amount(minor, ccy.code)}")


@settlement_app.command("reports")
def settlement_reports(limit: int = 20, database_url: DatabaseUrl = None) -> None:
    """Gross and net value, liquidity saved and time in queue, per LSM run and window."""
    with _platform(database_url) as p:
        reports = p.settlement.reports(limit)
    _reports_table(reports)


def _reports_table(reports: list[Any]) -> None:
    table = Table(title="settlement runs, newest first")
    for column in (
        "kind",
        "currency",
        "settled",
        "queued",
        "gross",
        "net (liquidity used)",
        "saved",
        "mean / p95 in queue",
    ):
        table.add_column(column, justify="right")
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


@queue_app.command("list")
def queue_list(
    currency: Annotated[str | None, typer.Option()] = None, database_url: DatabaseUrl = None
) -> None:
    """Queued payments in settlement order."""
    with _platform(database_url) as p:
        entries = p.settlement_views.queue(currency)
        found = [(e, p.payments.get(e.uetr)) for e in entries]
    table = Table(title="RTGS queue")
    for column in ("UETR", "payer", "payee", "amount", "priority", "waiting since (UTC)"):
        table.add_column(column)
    for e, x in found:
        if x is not None:
            table.add_row(
                e.uetr,
                e.payer,
                x.creditor_agent,
                format_amount(x.source_amount_minor, x.source_currency),
                e.priority.name.lower(),
                time.strftime("%H:%M:%S", time.gmtime(e.arrival // 10**9)),
            )
    console.print(table)


@queue_app.command("cancel")
def queue_cancel(
    uetr: str,
    by: Annotated[str, typer.Option(help="The sender's BIC")],
    database_url: DatabaseUrl = None,
) -> None:
    """Cancel a queued payment (its sender only)."""
    with _platform(database_url) as p:
        payment = p.payments.cancel(uetr, by)
    console.print(f"payment {payment.uetr} cancelled ({payment.reason_code})")


@queue_app.command("priority")
def queue_priority(
    uetr: str,
    priority: Annotated[str, typer.Argument(help="urgent|normal")],
    by: Annotated[str, typer.Option(help="The sender's BIC")],
    database_url: DatabaseUrl = None,
) -> None:
    """Re-prioritise a queued payment (its sender only)."""
    from vostro.settlement.queue import Priority

    with _platform(database_url) as p:
        p.payments.reprioritise(uetr, by, Priority[priority.upper()])
    console.print(f"payment {uetr} is now {priority}")


@queue_app.command("expire")
def queue_expire(database_url: DatabaseUrl = None) -> None:
    """Reject queued payments past their deadline."""
    with _platform(database_url) as p:
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
    with _platform(database_url) as p:
        report = p.settlement.run_lsm(currency, optimal=optimal)
    _reports_table([report])


@window_app.command("close")
def window_close(currency: str, database_url: DatabaseUrl = None) -> None:
    """Close the currency's open window, net it and settle the net positions."""
    with _platform(database_url) as p:
        report = p.settlement.close_window(currency)
    for note in report.notes:
        console.print(f"  {note}")
    _reports_table([report])


@window_app.command("list")
def window_list(database_url: DatabaseUrl = None) -> None:
    with _platform(database_url) as p:
        windows = p.settlement_views.windows()
    table = Table(title="settlement windows")
    for column in ("id", "currency", "state", "opened (UTC)"):
        table.add_column(column)
    for w in windows:
        table.add_row(
            str(w.id),
            w.currency,
            w.state,
            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(w.opened_at // 10**9)),
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

    from vostro.sim.day import generate_day, run_design

    day = generate_day(Settings().data_dir, scale=scale, seed=seed)
    share = Decimal(liquidity)
    results = []
    with Progress(console=err) as progress:
        for name in design or ["rtgs", "lsm", "dns"]:
            task = progress.add_task(f"{name}: {len(day):,} payments", total=len(day))
            results.append(run_design(name, day, share, functools.partial(progress.advance, task)))
    titles = {
        "rtgs": "RTGS, gross with queue",
        "lsm": "RTGS + LSM every 30 min",
        "dns": "deferred net, hourly windows",
    }
    table = Table(
        title=f"a corridor day: {len(day):,} rupee payments, opening liquidity "
        f"{share:%} of each bank's outgoing value"
    )
    for column in (
        "design",
        "settled",
        "settled value",
        "not settled",
        "liquidity provided",
        "liquidity saved",
    ):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            titles[r.design],
            f"{r.settled:,}/{r.payments:,}",
            f"{format_amount(r.settled_minor, 'INR')} ({r.settled_pct} %)",
            str(r.queued_or_rejected),
            format_amount(r.opening_liquidity_minor, "INR"),
            format_amount(r.saved_minor, "INR"),
        )
    console.print(table)

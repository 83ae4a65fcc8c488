"""`vostro participant` (register, alias, list, suspend, reinstate, fees) and `fund` /
`defund`, the operator's moves of money into and out of a participant's account. With `--url`
the changes go through the running service (`vostro.cli.client`)."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Annotated

import typer

from vostro.cli.client import ServiceClient, v1, write
from vostro.cli.options import (
    Actor,
    DatabaseUrl,
    NameOption,
    ReasonOption,
    checked,
    console,
    fail,
    minor_units,
    new_table,
    number_in,
    open_reader,
)
from vostro.money import format_amount, parse_amount
from vostro.text import LABEL

if TYPE_CHECKING:
    from vostro.platform import Platform

app = typer.Typer(no_args_is_help=True, help="Register and manage participants.")
StatusReason = ReasonOption


def _transfer_id() -> int:
    """A time-ordered transfer id: milliseconds since the epoch, then 80 random bits."""
    return (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)


@app.command("add")
def participant_add(
    bic: str,
    name: NameOption,
    role: Annotated[list[str], typer.Option(help="bank, mto, fx_provider or operator")],
    currency: Annotated[list[str], typer.Option(help="Currencies it settles in")],
    vostro_at: Annotated[
        str | None, typer.Option(help="Indian bank holding its rupee vostro")
    ] = None,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Register a participant and open its accounts."""

    def remote(api: ServiceClient) -> tuple[str, str, int]:
        body = {"bic": bic, "name": name, "roles": role, "currencies": currency}
        made = api.post("/v1/participants", body | {"correspondent_bic": vostro_at})
        return made["bic"], made["name"], made["number"]

    def local(p: Platform) -> tuple[str, str, int]:
        made = p.registry.register(
            bic, name, role, currency, correspondent_bic=vostro_at, actor=actor
        )
        return made.bic, made.name, made.number

    registered, legal_name, number = write(database_url, remote, local)
    console.print(f"registered {registered} ({legal_name}), number {number}")


@app.command("alias")
def participant_alias(
    bic: str,
    alias: Annotated[
        str,
        typer.Argument(
            help='Another identifier messages use, e.g. "USABA:011104238"',
            callback=checked(LABEL),
        ),
    ],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Let ISO 20022 messages name a participant by a clearing system member id."""
    write(
        database_url,
        lambda api: api.post(v1("participants", bic, "aliases"), {"alias": alias}),
        lambda p: p.registry.add_alias(bic, alias, actor=actor),
    )
    console.print(f"{alias} now names {bic}")


@app.command("list")
def participant_list(database_url: DatabaseUrl = None) -> None:
    """Participants and their balances."""
    table = new_table("participants", ("BIC", "name", "roles", "status", "balances"))
    with open_reader(database_url) as p:
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

    action = "suspend" if status == "suspended" else "reinstate"
    write(
        database_url,
        lambda api: api.post(v1("participants", bic, action), {"reason": reason}),
        lambda p: p.registry.set_status(bic, Status(status), actor=actor, reason=reason),
    )
    console.print(f"{bic} is now {status}")


@app.command("suspend")
def participant_suspend(
    bic: str, reason: StatusReason, database_url: DatabaseUrl = None, actor: Actor = "operator"
) -> None:
    """Stop new payments to and from a participant (settled payments stay)."""
    _set_status(bic, "suspended", reason, database_url, actor)


@app.command("reinstate")
def participant_reinstate(
    bic: str, reason: StatusReason, database_url: DatabaseUrl = None, actor: Actor = "operator"
) -> None:
    _set_status(bic, "active", reason, database_url, actor)


@app.command("fees")
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

    fixed_minor = minor_units(fixed, currency) if " " in fixed else number_in(fixed, currency)
    cap_minor = minor_units(cap, currency) if cap else None
    fees = {"fixed_minor": fixed_minor, "rate_bps": rate_bps, "cap_minor": cap_minor}
    write(
        database_url,
        lambda api: api.put(v1("participants", bic, "fees", currency), fees),
        lambda p: p.fees.set(
            bic, FeeSchedule(currency, fixed_minor, rate_bps, cap_minor), actor=actor
        ),
    )
    console.print(f"fees of {bic} in {currency} set")


def _move(bic: str, amount: str, database_url: str | None, actor: str, *, defund: bool) -> None:
    minor, ccy = parse_amount(amount)

    def remote(api: ServiceClient) -> tuple[str, int]:
        # The service numbers the transfer: the command's own ids are wider than JSON integers.
        body = {"currency": ccy.code, "amount_minor": minor}
        moved = api.post(v1("participants", bic, "defunds" if defund else "funds"), body)
        return moved["result"], moved["balance_minor"]

    def local(p: Platform) -> tuple[str, int]:
        move = p.registry.defund if defund else p.fund
        result = move(bic, minor, ccy.code, transfer_id=_transfer_id(), actor=actor)
        return result, p.registry.balance(bic, ccy.code)

    result, balance = write(database_url, remote, local)
    if result != "ok":
        fail(result, label="refused:")
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

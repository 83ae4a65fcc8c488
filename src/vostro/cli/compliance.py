"""Compliance from the command line: `vostro screen` (one name against a list file), and the
groups `vostro list` (the lists payments are screened against), `vostro hold` (payments held
on a hit) and `vostro limit` (per-payment and per-day limits). With `--url` the changes go through
the running service (`vostro.cli.client`): a list file's bytes are sent to it as they are, and
what it gives back is the stored list's, limit's or payment's own fields."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vostro.cli.client import ServiceClient, database_only, v1, write
from vostro.cli.options import (
    Actor,
    DatabaseUrl,
    JsonFlag,
    JsonTableFlag,
    checked,
    console,
    new_table,
    number_in,
    open_platform,
    open_reader,
    settings_for,
    utc,
)
from vostro.cli.paging import AllFlag, rows
from vostro.config import HIT_THRESHOLD
from vostro.money import format_amount
from vostro.text import LABEL, PARTICIPANT_NAME, REASON, json_escaped

if TYPE_CHECKING:
    from vostro.compliance.limits import Limit
    from vostro.compliance.stored import StoredList

# How the service takes a list's bytes, by its format.
LIST_MEDIA_TYPES = {"ftm": "application/x-ndjson", "csv": "text/csv"}
list_app = typer.Typer(no_args_is_help=True, help="Sanctions and watch lists payments screen.")
hold_app = typer.Typer(no_args_is_help=True, help="Payments held on a screening hit.")
limit_app = typer.Typer(no_args_is_help=True, help="Per-payment and per-day payment limits.")

Reason = Annotated[
    str,
    typer.Option(help="Why (kept in the audit log and the history).", callback=checked(REASON)),
]


def screen(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="A party's name, in any script", callback=checked(PARTICIPANT_NAME)),
    ],
    list_file: Annotated[
        Path,
        typer.Option(
            "--list",
            help="FollowTheMoney entities (JSON lines) or a CSV list (id,name,aliases,identifiers)",
        ),
    ],
    # Not given: $VOSTRO_SCREENING_THRESHOLD, read when the command runs (else this default).
    threshold: Annotated[float, typer.Option(min=0, max=100)] = HIT_THRESHOLD,
    identifier: Annotated[
        list[str] | None,
        typer.Option(help="BIC, INN, ... matched exactly", callback=checked(LABEL)),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Screen one name against a sanctions list, across scripts and spellings."""
    from vostro.compliance.lists import load_csv, load_ftm, screen_name

    if _not_given(ctx, "threshold"):
        threshold = settings_for(None).screening_threshold
    screening = load_csv(list_file) if list_file.suffix == ".csv" else load_ftm(list_file)
    matches = screen_name(screening, name, threshold=threshold, identifiers=identifier or [])
    if as_json:
        found = [
            {
                "entity_id": m.entity_id,
                "name": m.name,
                "score": m.score,
                "hit": m.hit,
                "reason": m.reason,
            }
            for m in matches
        ]
        document = {"name": name, "list_version": screening.version, "matches": found}
        print(json_escaped(json.dumps(document, ensure_ascii=False)))
        return
    table = new_table(
        f"{name!r} against {screening.source} (version {screening.version})",
        ("entity", "listed name", "score", "hit"),
    )
    for m in matches:
        table.add_row(m.entity_id, m.name, f"{m.score:.1f}", "HIT" if m.hit else "")
    console.print(table)


def _not_given(ctx: typer.Context, option: str) -> bool:
    source = ctx.get_parameter_source(option)
    return source is None or source.name == "DEFAULT"


# ---------------------------------------------------------------------------- lists
@list_app.command("load")
def list_load(
    file: Path,
    name: Annotated[str | None, typer.Option(help="Default: the file's name up to a dot")] = None,
    format_: Annotated[
        str | None, typer.Option("--format", help="ftm or csv (default: by the file's suffix)")
    ] = None,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Load or reload a list (FollowTheMoney JSON lines, or CSV id,name,aliases,identifiers);
    from now on every payment is screened against it."""
    fmt = format_ or ("csv" if file.suffix.lower() == ".csv" else "ftm")
    list_name, data = name or file.name.split(".")[0], file.read_bytes()
    stored = write(
        database_url,
        lambda api: _loaded(api, list_name, data, fmt),
        lambda p: p.compliance.load_list(list_name, data, fmt, actor, source=str(file)),
    )
    console.print(
        f"list {stored.name}: version {stored.version}, {stored.entities} entities "
        f"({stored.format}), loaded by {stored.loaded_by} at {utc(stored.loaded_at)} UTC"
    )


def _loaded(api: ServiceClient, name: str, data: bytes, fmt: str) -> StoredList:
    """The list's bytes, sent to the service as they are (it parses them itself)."""
    from vostro.compliance.stored import StoredList

    media = LIST_MEDIA_TYPES.get(fmt, "application/octet-stream")
    path = v1("compliance", "lists", name)
    return StoredList(**api.put(path, content=data, media_type=media, params={"format": fmt}))


@list_app.command("show")
def list_show(database_url: DatabaseUrl = None, as_json: JsonTableFlag = False) -> None:
    """The active lists and their versions."""
    with open_reader(database_url) as p:
        lists = p.compliance.lists()
    if as_json:
        print(json.dumps([s.as_dict() for s in lists]))
        return
    columns = ("name", "format", "version", "entities", "loaded (UTC)", "by", "source")
    table = new_table("screening lists", columns)
    for s in lists:
        table.add_row(
            s.name, s.format, s.version, str(s.entities), utc(s.loaded_at), s.loaded_by, s.source
        )
    console.print(table)


@list_app.command("remove")
def list_remove(
    name: str, reason: Reason, database_url: DatabaseUrl = None, actor: Actor = "operator"
) -> None:
    """Stop screening against a list."""
    removed = write(
        database_url,
        lambda api: _stored(
            api.post(v1("compliance", "lists", name, "remove"), {"reason": reason})
        ),
        lambda p: p.compliance.remove_list(name, actor, reason),
    )
    console.print(f"list {removed.name} (version {removed.version}) removed")


# ---------------------------------------------------------------------------- holds
@hold_app.command("list")
def hold_list(
    limit: int = 1_000,
    every: AllFlag = False,
    database_url: DatabaseUrl = None,
    as_json: JsonTableFlag = False,
) -> None:
    """Payments waiting for a decision, the soonest deadline first (`--all`: every one)."""
    with open_reader(database_url) as p:
        holds = rows(
            lambda after, n: p.holds.holds(n, after),
            lambda h: (h.deadline_at, h.uetr),
            limit,
            every,
        )
    if as_json:
        print(json_escaped(json.dumps([h.as_dict() for h in holds], ensure_ascii=False)))
        return
    columns = ("UETR", "from → to", "amount", "deadline (UTC)", "score", "why")
    table = new_table("held payments, soonest deadline first", columns)
    for h in holds:
        table.add_row(
            h.uetr,
            f"{h.debtor_agent} → {h.creditor_agent}",
            format_amount(h.source_amount_minor, h.source_currency),
            utc(h.deadline_at),
            "" if h.score is None else f"{h.score:.1f}",
            "; ".join(x["reason"] for x in h.hits),
        )
    console.print(table)


@hold_app.command("release")
def hold_release(
    uetr: str,
    reason: Reason,
    remember: Annotated[
        bool,
        typer.Option(help="Remember the hits as false positives for this party and list version"),
    ] = False,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Release a held payment: it settles (or goes on as it would have)."""
    payment = write(
        database_url,
        lambda api: api.post(
            v1("compliance", "holds", uetr, "release"), {"reason": reason, "remember": remember}
        ),
        lambda p: asdict(p.holds.release(uetr, actor, reason, remember=remember)),
    )
    _print_decided(payment)


@hold_app.command("reject")
def hold_reject(
    uetr: str, reason: Reason, database_url: DatabaseUrl = None, actor: Actor = "operator"
) -> None:
    """Reject a held payment (RR04): its reserved funds go back to the payer."""
    payment = write(
        database_url,
        lambda api: api.post(v1("compliance", "holds", uetr, "reject"), {"reason": reason}),
        lambda p: asdict(p.holds.reject(uetr, actor, reason)),
    )
    _print_decided(payment)


@hold_app.command("expire")
def hold_expire(database_url: DatabaseUrl = None) -> None:
    """Reject every held payment past its deadline (a running service does it itself)."""
    database_only("hold expire", "a running service rejects held payments at their deadline itself")
    with open_platform(database_url) as p:
        expired = p.holds.expire()
    console.print(f"{len(expired)} held payments expired" + "".join(f"\n  {u}" for u in expired))


def _print_decided(payment: dict[str, Any]) -> None:
    """A decided payment, from its fields (a stored payment's, or the API's)."""
    console.print(
        f"payment {payment['uetr']}: {payment['state'].upper()}"
        + (f" {payment['reason_code']}: {payment['reason']}" if payment["reason_code"] else "")
    )


def _stored(fields: dict[str, Any]) -> StoredList:
    from vostro.compliance.stored import StoredList

    return StoredList(**fields)


def _limit(fields: dict[str, Any]) -> Limit:
    from vostro.compliance.limits import Limit

    return Limit(**fields)


# --------------------------------------------------------------------------- limits
@limit_app.command("set")
def limit_set(
    participant: Annotated[str, typer.Argument(help="The payer's BIC, or * for every payer")],
    currency: Annotated[str, typer.Option(help="The currency the payer sends")],
    flow: Annotated[str, typer.Option(help="trade, remittance, transfer, return or *")] = "*",
    per_payment: Annotated[
        str | None, typer.Option(help='Maximum per payment, e.g. "10,000,000.00"')
    ] = None,
    per_day: Annotated[
        str | None, typer.Option(help="Maximum accepted per UTC day, e.g. 50,000,000.00")
    ] = None,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Set the limits for a payer (or every payer) and flow (or every flow) in a currency."""
    maxima = {
        "per_payment_max_minor": None if per_payment is None else number_in(per_payment, currency),
        "per_day_max_minor": None if per_day is None else number_in(per_day, currency),
    }
    limit = write(
        database_url,
        lambda api: _limit(
            api.put(v1("compliance", "limits", participant, flow, currency), maxima)
        ),
        lambda p: p.compliance.set_limit(participant, flow, currency, **maxima, actor=actor),
    )
    console.print(f"limit set for {limit.scope}: {_limits_text(limit)}")


@limit_app.command("remove")
def limit_remove(
    participant: str,
    currency: Annotated[str, typer.Option()],
    flow: Annotated[str, typer.Option()] = "*",
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    limit = write(
        database_url,
        lambda api: _limit(api.delete(v1("compliance", "limits", participant, flow, currency))),
        lambda p: p.compliance.remove_limit(participant, flow, currency, actor=actor),
    )
    console.print(f"limit removed for {limit.scope}")


@limit_app.command("list")
def limit_list(database_url: DatabaseUrl = None, as_json: JsonTableFlag = False) -> None:
    with open_reader(database_url) as p:
        limits = p.compliance.limits()
    if as_json:
        print(json.dumps([x.as_dict() for x in limits]))
        return
    columns = ("payer", "flow", "currency", "per payment", "per day", "set by")
    table = new_table("payment limits", columns)
    for x in limits:
        table.add_row(
            x.participant,
            x.flow,
            x.currency,
            _amount(x.per_payment_max_minor, x.currency),
            _amount(x.per_day_max_minor, x.currency),
            x.set_by,
        )
    console.print(table)


def _amount(minor: int | None, code: str) -> str:
    return "" if minor is None else format_amount(minor, code)


def _limits_text(limit: Any) -> str:
    parts = []
    if limit.per_payment_max_minor is not None:
        parts.append(f"{format_amount(limit.per_payment_max_minor, limit.currency)} per payment")
    if limit.per_day_max_minor is not None:
        parts.append(f"{format_amount(limit.per_day_max_minor, limit.currency)} per day")
    return ", ".join(parts)

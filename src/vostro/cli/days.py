"""`vostro day`: each currency's operating day: its status, schedule and calendar, the end of day
run now, its report and its statements (docs/operating-day.md). With `--url` the changes go
through the running service (`vostro.cli.client`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vostro.calendar.model import Closure, Cutoff, Schedule, hhmm, parse_hhmm, zone
from vostro.cli.client import ServiceClient, v1, write
from vostro.cli.options import (
    Actor,
    DatabaseUrl,
    JsonFlag,
    console,
    fail,
    new_table,
    open_reader,
)
from vostro.money import format_amount
from vostro.units import NS_PER_S

if TYPE_CHECKING:
    from vostro.platform import Platform

# What closing a day gives back: the day, the steps done now, every step done with its record.
Closed = tuple[date, list[str], dict[str, dict[str, Any]]]

app = typer.Typer(no_args_is_help=True, help="Operating days: calendars, cut-offs, end of day.")
Currency = Annotated[str, typer.Argument(help="ISO 4217 code, e.g. INR")]
Day = Annotated[str, typer.Option("--day", help="YYYY-MM-DD (default: the operating day now)")]


def _local(ns: int, code: str) -> str:
    return (
        datetime.fromtimestamp(ns // NS_PER_S, tz=UTC)
        .astimezone(zone(code))
        .strftime("%Y-%m-%d %H:%M")
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD") from None


@app.command("status")
def day_status(database_url: DatabaseUrl = None, as_json: JsonFlag = False) -> None:
    """Each currency's operating day now: its state, opening, cut-offs and end of day."""
    with open_reader(database_url) as p:
        views = p.calendar.view()
    if as_json:
        print(json.dumps([v.as_dict() for v in views]))
        return
    columns = ("currency", "day", "state", "schedule", "opens", "cut-offs", "end of day", "closed")
    table = new_table("operating days (local times)", columns)
    for v in views:
        s = v.schedule
        cutoffs = ", ".join(f"{k.value} {hhmm(s.cutoff(k))}" for k in Cutoff)
        ahead = ", ".join(f"{d} {why}" for d, why in v.closed_ahead[:3])
        table.add_row(
            v.currency,
            str(v.day),
            v.state.value,
            "24×7" if s.always_open else f"{v.zone}",
            _local(v.opens_at, v.currency),
            "—" if s.always_open else cutoffs,
            _local(v.end_of_day_at, v.currency),
            ahead or "—",
        )
    console.print(table)


@app.command("close")
def day_close(currency: Currency, day: Day = "", database_url: DatabaseUrl = None) -> None:
    """Run the currency's end of day now (or resume one cut short), each step once."""

    def local(p: Platform) -> Closed:
        on = _day(day) if day else p.days.status(currency).day
        done = p.close_day(currency, on)
        found = p.calendar.day(currency, on)
        return on, done, found["steps"] if found else {}

    on, done, steps = write(database_url, lambda api: _closed(api, currency, day), local)
    table = new_table(f"end of day, {currency} {on}", ("step", "done at", "record"))
    for step, record in steps.items():
        detail = {k: v for k, v in record.items() if k != "done_at"}
        table.add_row(step, _local(record["done_at"], currency), _brief(detail))
    console.print(table)
    console.print(f"{len(done)} steps done now; the day is closed" if done else "already closed")


def _closed(api: ServiceClient, currency: str, day: str) -> Closed:
    """The day closed by the service; the steps done now are those its record lacked before."""
    if day:
        on = _day(day)
    else:
        views = api.get("/v1/calendar")
        found = next((v["day"] for v in views if v["currency"] == currency), None)
        if found is None:
            fail(f"the service has no operating day of {currency}")
        on = date.fromisoformat(found)
    before = api.get(v1("days", currency, on.isoformat()), missing_ok=True)
    after = api.post(v1("days", currency, on.isoformat(), "close"))
    earlier = before["steps"] if before else {}
    return on, [step for step in after["steps"] if step not in earlier], after["steps"]


def _brief(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in detail.items():
        if key.startswith("span_"):
            continue
        shown = len(value) if isinstance(value, list) else value
        parts.append(f"{key} {shown}")
    return ", ".join(parts)


@app.command("report")
def day_report(
    currency: Currency, day: Day = "", database_url: DatabaseUrl = None, as_json: JsonFlag = False
) -> None:
    """The day's report: turnover, payments by state, liquidity, time in queue."""
    with open_reader(database_url) as p:
        on = _day(day) if day else p.days.status(currency).day
        found = p.calendar.day(currency, on)
    report = found["report"] if found else None
    if report is None:
        raise typer.BadParameter(f"{currency} {on} has no report: its end of day has not run")
    if as_json:
        print(json.dumps(report, sort_keys=True))
        return
    table = new_table(f"day report, {currency} {on}", ("measure", "value"), right=("value",))
    for key, value in report.items():
        money = key.endswith("_minor") and isinstance(value, int)
        table.add_row(
            key.replace("_", " "), format_amount(value, currency) if money else str(value)
        )
    console.print(table)


@app.command("schedule")
def day_schedule(
    currency: Currency,
    always_open: Annotated[bool, typer.Option("--always-open", help="24×7")] = False,
    opens: Annotated[str, typer.Option(help="HH:MM local")] = "",
    customer: Annotated[str, typer.Option(help="customer cut-off HH:MM")] = "",
    interbank: Annotated[str, typer.Option(help="interbank cut-off HH:MM")] = "",
    urgent: Annotated[str, typer.Option(help="urgent cut-off HH:MM")] = "",
    end: Annotated[str, typer.Option("--end-of-day", help="HH:MM local")] = "",
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Set the currency's operating hours (24×7, or opening, cut-offs and end of day)."""
    if always_open:
        schedule = Schedule(currency)
    else:
        times = {"opens": opens, "customer": customer, "interbank": interbank, "urgent": urgent}
        missing = [f"--{k}" for k, v in {**times, "end-of-day": end}.items() if not v]
        if missing:
            raise typer.BadParameter(f"give --always-open, or all of {', '.join(missing)}")
        cutoffs = {k: parse_hhmm(times[k.value]) for k in Cutoff}
        schedule = Schedule(currency, False, parse_hhmm(opens), cutoffs, parse_hhmm(end))
    write(
        database_url,
        lambda api: api.put(v1("calendar", currency, "schedule"), _schedule_fields(schedule)),
        lambda p: p.calendar.set_schedule(schedule, actor=actor),
    )
    console.print(f"{currency}: {'24×7' if always_open else f'opens {opens}, ends {end}'}")


def _schedule_fields(s: Schedule) -> dict[str, Any]:
    """A schedule as the API takes it (`ScheduleIn`)."""
    if s.always_open:
        return {"always_open": True}
    return {
        "opens": hhmm(s.opens),
        "cutoffs": {k.value: hhmm(s.cutoff(k)) for k in Cutoff},
        "end_of_day": hhmm(s.end_of_day),
    }


@app.command("closure")
def day_closure(
    currency: Currency,
    on: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    reason: Annotated[
        str, typer.Option(help="why (kept in the audit log; the service needs one with --url)")
    ] = "",
    open_: Annotated[bool, typer.Option("--open", help="open a day that is closed")] = False,
    remove: Annotated[bool, typer.Option("--remove", help="drop the change")] = False,
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """Close a later day of the currency's calendar, open one, or drop the change."""
    d = _day(on)
    path = v1("calendar", currency, "closures", d.isoformat())
    if remove:
        gone = write(
            database_url,
            lambda api: api.delete(path, missing_ok=True) is not None,
            lambda p: p.calendar.remove_closure(currency, d, actor=actor),
        )
        console.print(f"{currency} {d}: {'as the holidays say' if gone else 'no change to drop'}")
        return
    write(
        database_url,
        lambda api: api.put(path, {"closed": not open_, "reason": reason}),
        lambda p: p.calendar.set_closure(Closure(currency, d, not open_, reason), actor=actor),
    )
    console.print(f"{currency} {d}: {'open' if open_ else 'closed'} ({reason})")


@app.command("carry")
def day_carry(
    bic: str,
    carry: Annotated[bool, typer.Option("--carry/--reject", help="what is still queued")],
    database_url: DatabaseUrl = None,
    actor: Actor = "operator",
) -> None:
    """What a participant's payments still queued at the end of the day become."""
    write(
        database_url,
        lambda api: api.put(v1("participants", bic, "end-of-day"), {"carry": carry}),
        lambda p: p.calendar.set_carry(bic, carry, actor=actor),
    )
    console.print(f"{bic}: {'carried to the next business day' if carry else 'rejected'}")


@app.command("statements")
def day_statements(
    on: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    out: Annotated[Path | None, typer.Option(help="write the camt.053 files here")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The camt.053 statements an end of day stored, listed or written to a folder."""
    d = _day(on)
    with open_reader(database_url) as p:
        rows = p.calendar.statements(d, None)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for r in rows:
                (out / r["name"]).write_bytes(p.calendar.statement(d, r["name"]) or b"")
    table = new_table(f"statements of {d}", ("file", "owner", "currency"))
    for r in rows:
        table.add_row(r["name"], r["owner"] or "", r["currency"])
    console.print(table)
    if out is not None:
        console.print(f"{len(rows)} files written to {out}")

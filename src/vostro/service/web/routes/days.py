"""The operating day (`/v1/calendar`, `/v1/days`): each currency's calendar and schedule, the
closures the operator adds or removes, each day's end of day, its statements and its report
(docs/operating-day.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from vostro.calendar.model import (
    CalendarError,
    Closure,
    Cutoff,
    OperatingDay,
    Schedule,
    hhmm,
    parse_hhmm,
)
from vostro.day.admin import CalendarView
from vostro.platform import Platform
from vostro.service import problems
from vostro.service.auth import Principal, Role
from vostro.service.web.actions import act
from vostro.service.web.deps import Svc, Who, origin, require, service_of
from vostro.service.web.lookups import visible
from vostro.service.web.params import BicPath, CurrencyPath, IsoDate, Settled
from vostro.service.web.schemas import (
    CalendarOut,
    CarryIn,
    ClosedDayOut,
    ClosureIn,
    ClosureOut,
    DayOut,
    DayStatementOut,
    Done,
    ScheduleIn,
    ScheduleOut,
)
from vostro.service.writer.commands import Audit

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)
DayPath = Annotated[IsoDate, Path(description="The operating day, YYYY-MM-DD")]
StatementName = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}-[A-Z]{3}-[0-9]{4}-[0-9]{2}-[0-9]{2}\.xml$")
]
XML = "application/xml"


# ------------------------------------------------------------------ calendar
@router.get("/calendar", tags=["operating day"])
def calendar(who: Who, svc: Svc) -> list[CalendarOut]:
    """Each currency's schedule and operating day now: its state, its opening, each cut-off and
    its end of day (UTC ns), the operator's closures and the closed days ahead."""
    return [_calendar_out(v) for v in svc.platform.calendar.view()]


@router.put("/calendar/{currency}/schedule", tags=["operating day"])
async def set_schedule(
    currency: CurrencyPath, body: ScheduleIn, who: Who, svc: Svc, request: Request
) -> CalendarOut:
    """The currency's operating hours, from now on: 24×7, or an opening, a cut-off per kind of
    payment and an end of day, in the currency's own time zone."""
    require(who, Role.OPERATOR)
    schedule = _schedule(currency, body)
    await act(
        request,
        who,
        "calendar.schedule",
        currency,
        lambda p: p.calendar.set_schedule(schedule, actor=who.name),
    )
    return _one(svc.platform, currency)


@router.put("/calendar/{currency}/closures/{day}", tags=["operating day"])
async def set_closure(
    currency: CurrencyPath, day: DayPath, body: ClosureIn, who: Who, svc: Svc, request: Request
) -> CalendarOut:
    """Close a later day of the currency's calendar, or open one its holidays would close."""
    require(who, Role.OPERATOR)
    closure = Closure(currency, day, body.closed, body.reason)
    await act(
        request,
        who,
        "calendar.closure",
        f"{currency} {day}",
        lambda p: p.calendar.set_closure(closure, actor=who.name),
        closed=body.closed,
    )
    return _one(svc.platform, currency)


@router.delete("/calendar/{currency}/closures/{day}", tags=["operating day"])
async def remove_closure(
    currency: CurrencyPath, day: DayPath, who: Who, svc: Svc, request: Request
) -> CalendarOut:
    """Drop the operator's change to the day: the holiday calendar decides it again."""
    require(who, Role.OPERATOR)
    removed = await act(
        request,
        who,
        "calendar.reset",
        f"{currency} {day}",
        lambda p: p.calendar.remove_closure(currency, day, actor=who.name),
    )
    if not removed:
        raise problems.not_found(f"a closure of {currency} on {day}")
    return _one(svc.platform, currency)


@router.put("/participants/{bic}/end-of-day", tags=["operating day"])
async def set_carry(bic: BicPath, body: CarryIn, who: Who, svc: Svc, request: Request) -> Done:
    """What the participant's payments still queued at the end of the day become: carried to
    the next business day, or rejected with a reason (the default)."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    await act(
        request,
        who,
        "calendar.carry",
        found.bic,
        lambda p: p.calendar.set_carry(found.bic, body.carry, actor=who.name),
        carry=body.carry,
    )
    then = "carried to the next business day" if body.carry else "rejected"
    return Done(detail=f"{found.bic}'s payments still queued at the end of the day are {then}")


# ---------------------------------------------------------------------- days
@router.get("/days/{day}/statements", tags=["operating day"])
def day_statements(
    day: DayPath, who: Who, svc: Svc, currency: Annotated[Settled | None, Query()] = None
) -> list[DayStatementOut]:
    """The camt.053 statements the day's end of day stored (a participant sees its own)."""
    require(who, Role.OPERATOR, Role.AUDITOR, Role.PARTICIPANT)
    rows = svc.platform.calendar.statements(day, currency)
    return [
        DayStatementOut(**r, href=f"/v1/days/{day}/statements/{r['name']}")
        for r in rows
        if _sees(who, r["owner"])
    ]


@router.get(
    "/days/{day}/statements/{file}",
    tags=["operating day"],
    response_class=Response,
    responses={200: {"content": {XML: {"schema": {"type": "string"}}}}},
)
def day_statement(day: DayPath, file: StatementName, who: Who, svc: Svc) -> Response:
    """One stored camt.053, as the end of day wrote it."""
    require(who, Role.OPERATOR, Role.AUDITOR, Role.PARTICIPANT)
    owner = file.split("-", 1)[0]
    xml = svc.platform.calendar.statement(day, file) if _sees(who, owner) else None
    if xml is None:
        raise problems.not_found(f"statement {file} of {day}")
    return Response(
        xml, media_type=XML, headers={"Content-Disposition": f'attachment; filename="{file}"'}
    )


@router.get("/days/{currency}/{day}", tags=["operating day"])
def operating_day(currency: CurrencyPath, day: DayPath, who: Who, svc: Svc) -> DayOut:
    """One operating day: its state, the end-of-day steps done and to come, its report."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    return _day_out(svc.platform, currency, day)


@router.post("/days/{currency}/{day}/close", tags=["operating day"])
async def close_day(
    currency: CurrencyPath, day: DayPath, who: Who, svc: Svc, request: Request
) -> DayOut:
    """Run the currency's end of day now (or resume it): stop, the last LSM run, the window's
    close, what is still queued, the vostro close, statements, report, the next day's opening.
    Each step is its own unit of work, done once."""
    require(who, Role.OPERATOR)
    entry = Audit(who.name, "day.close", f"{currency} {day}", origin(request))

    def close(p: Platform) -> list[str]:
        try:
            done = p.close_day(currency, day)
        except Exception as refused:
            entry.record(p, f"refused: {refused}")
            raise
        entry.record(p, "done")
        return done

    await service_of(request).writer.run(close)
    return _day_out(svc.platform, currency, day)


# ------------------------------------------------------------------- shapes
def _sees(who: Principal, owner: str | None) -> bool:
    return who.role is not Role.PARTICIPANT or (owner is not None and who.sees(owner))


def _one(platform: Platform, code: str) -> CalendarOut:
    return _calendar_out(platform.calendar.view(code)[0])


def _schedule(code: str, body: ScheduleIn) -> Schedule:
    if body.always_open:
        return Schedule(code)
    if body.opens is None or body.end_of_day is None or body.cutoffs is None:
        raise CalendarError("a schedule that is not 24×7 needs `opens`, `cutoffs` and `end_of_day`")
    cutoffs = {k: parse_hhmm(getattr(body.cutoffs, k.value)) for k in Cutoff}
    return Schedule(code, False, parse_hhmm(body.opens), cutoffs, parse_hhmm(body.end_of_day))


def _calendar_out(v: CalendarView) -> CalendarOut:
    s = v.schedule
    return CalendarOut(
        currency=v.currency,
        zone=v.zone,
        schedule=ScheduleOut(
            always_open=s.always_open,
            opens=hhmm(s.opens),
            cutoffs={k.value: hhmm(s.cutoff(k)) for k in Cutoff},
            end_of_day=hhmm(s.end_of_day),
        ),
        day=v.day.isoformat(),
        state=v.state.value,
        opens_at=v.opens_at,
        end_of_day_at=v.end_of_day_at,
        cutoffs=v.cutoffs,
        closures=[
            ClosureOut(day=c.day.isoformat(), closed=c.closed, reason=c.reason) for c in v.closures
        ],
        closed_ahead=[ClosedDayOut(day=d.isoformat(), why=why) for d, why in v.closed_ahead],
    )


def _day_out(platform: Platform, code: str, day: date) -> DayOut:
    found: dict[str, Any] | None = platform.calendar.day(code, day)
    if found is None:
        raise problems.not_found(f"the operating day {code} {day}")
    d: OperatingDay = found["day"]
    return DayOut(
        currency=code,
        day=day.isoformat(),
        state=d.state.value,
        opened_at=d.opened_at,
        closing_at=d.closing_at,
        closed_at=d.closed_at,
        steps=found["steps"],
        pending_steps=platform.days.pending_steps(code, day),
        report=found["report"],
    )

"""The dashboard (`/`) and its data (`/v1/dashboard`), corridor totals, health, readiness and
metrics."""

from __future__ import annotations

import os
import time
from collections import Counter
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from vostro.errors import VostroError
from vostro.fx.errors import FxError
from vostro.fx.rates import RateBook
from vostro.money import currency
from vostro.participants.model import AccountKind, Participant
from vostro.service import problems
from vostro.service.auth import Role
from vostro.service.problems import not_found
from vostro.service.web.context import Service
from vostro.service.web.deps import Svc, Who
from vostro.service.web.lookups import (
    accounts_of,
)
from vostro.service.web.outputs import (
    payment_out,
    report_out,
)
from vostro.service.web.schemas import (
    Health,
)
from vostro.settlement.engine import SettlementReport
from vostro.treasury.vostro import VostroDay

router = APIRouter()


STATIC = Path(__file__).parents[2] / "static"


@router.get("/", include_in_schema=False)
def dashboard() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        raise not_found(f"file {name}")
    return FileResponse(path, headers={"Cache-Control": "no-cache"})


@router.get("/healthz", tags=["operations"])
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", tags=["operations"], responses={503: {"model": Health}})
def readyz(svc: Svc, response: Response) -> Health:
    """Ready for traffic: the database answers and this service's writer is running (`role`
    active). A standby (another service holds the writer lock) and a service whose writer
    stopped or is starting again answer 503: a load balancer sends traffic only to the ready
    one."""
    try:
        svc.platform.store.ping()
    except Exception as error:
        response.status_code = 503
        return Health(status="unavailable", detail=f"database: {error}")
    role, pids = svc.writer.role, {"pid": os.getpid(), "writer_pid": svc.writer.pid}
    if not svc.writer.alive:
        response.status_code = 503
        if role == "standby":
            return Health(status="standby", role=role, detail=str(svc.writer.stopped), **pids)
        detail = f"writer: {svc.writer.stopped}"
        return Health(status="unavailable", role=role, detail=detail, **pids)
    return Health(status="ready", role=role, **pids)


@router.get(
    "/metrics",
    tags=["operations"],
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    response_class=Response,
)
async def metrics(svc: Svc) -> Response:
    """Prometheus metrics: payments by state, queue depth, writer rounds, HTTP latency (of
    this worker, when the service runs several)."""
    own = await run_in_threadpool(svc.metrics.exposition)  # its gauges read the database
    return Response(own + await svc.writer.exposition(), media_type="text/plain; version=0.0.4")


@router.get("/v1/dashboard", tags=["reports"], responses=problems.RESPONSES)
def dashboard_data(who: Who, svc: Svc) -> dict[str, Any]:
    """Everything the dashboard shows, in one read (a participant: only itself)."""
    mine = who.bic if who.role is Role.PARTICIPANT else None
    people = [p for p in svc.platform.registry.all() if who.sees(p.bic)]
    segments, days = corridor(svc, mine)
    operator_view = who.role is not Role.PARTICIPANT
    reports = svc.platform.settlement.reports(200) if operator_view else []
    by_state, recent = svc.platform.read(
        lambda uow: (
            uow.read_models.payments_by_state(mine),
            uow.read_models.recent_payments(mine, limit=RECENT_PAYMENTS),
        )
    )
    return {
        "role": str(who.role),
        "bic": who.bic,
        "generated_at": time.time_ns(),
        "participants": [_participant(p) for p in people],
        "balances": _balances(svc, people),
        "payments_by_state": by_state,
        "queue_depth": _queue_depth(svc, mine),
        "windows": _windows(svc) if operator_view else [],
        "settlement_runs": [report_out(r).model_dump() for r in reports[:10]],
        "liquidity_saved": _liquidity_saved(reports),
        "vostro": _latest_vostro(svc, mine),
        "segments": segments,
        "days": days,
        "target_usd_2030": TARGET_USD_2030,
        "baseline_usd_fy2025": BASELINE_USD_FY2025,
        "recent_payments": [payment_out(r, events=False).model_dump() for r in recent],
        "holds": _holds(svc) if operator_view else [],
        "operating_days": _operating_days(svc),
    }


RECENT_PAYMENTS = 20  # the dashboard's list of the latest payments
QUEUE_SHOWN_MAX = 10_000  # queued payments counted for the dashboard's depth per currency
BASELINE_USD_FY2025 = 68_700_000_000  # the corridor's value in FY 2025, the headline's baseline


def _operating_days(svc: Service) -> list[dict[str, Any]]:
    """Each currency's day now, its cut-offs, and the last closed day's report."""
    shown = []
    for v in svc.platform.calendar.view():
        closed = [d for d in svc.platform.calendar.days(v.currency, 3) if d.closed_at]
        last = svc.platform.calendar.day(v.currency, closed[0].day) if closed else None
        shown.append(
            {
                **v.as_dict(ahead=3),
                "last_report": last["report"] if last else None,
                "last_day": closed[0].day.isoformat() if closed else None,
            }
        )
    return shown


def _holds(svc: Service) -> list[dict[str, Any]]:
    return [h.as_dict() for h in svc.platform.holds.holds()]


def _participant(p: Participant) -> dict[str, Any]:
    return {
        "bic": p.bic,
        "name": p.name,
        "country": p.country,
        "status": str(p.status),
        "roles": sorted(str(r) for r in p.roles),
    }


def _balances(svc: Service, people: list[Participant]) -> list[dict[str, Any]]:
    return [
        {
            "bic": p.bic,
            "kind": kind.name.lower(),
            "currency": code,
            "balance_minor": a.credits_posted - a.debits_posted,
            "pending_minor": a.debits_pending,
        }
        for p, kind, code, a in accounts_of(svc, people)
        if kind is not AccountKind.FEE or a.credits_posted  # fee accounts once they earn
    ]


def _queue_depth(svc: Service, mine: str | None) -> Counter[str]:
    queued = svc.platform.settlement_views.queue(None, mine, limit=QUEUE_SHOWN_MAX)
    return Counter(entry.currency for entry in queued)


def _windows(svc: Service) -> list[dict[str, Any]]:
    return [
        {
            "id": w.id,
            "currency": w.currency,
            "state": str(w.state),
            "opened_at": w.opened_at,
            "closed_at": w.closed_at,
            "settled_at": w.settled_at,
        }
        for w in svc.platform.settlement_views.windows(10)
    ]


def _liquidity_saved(reports: list[SettlementReport]) -> dict[str, dict[str, int]]:
    saved: dict[str, dict[str, int]] = {}
    for r in reports:
        s = saved.setdefault(r.currency, {"gross_minor": 0, "net_minor": 0, "saved_minor": 0})
        s["gross_minor"] += r.gross_minor
        s["net_minor"] += r.net_minor
        s["saved_minor"] += r.saved_minor
    return saved


def _latest_vostro(svc: Service, mine: str | None) -> list[dict[str, Any]]:
    latest: dict[str, VostroDay] = {}
    for d in svc.platform.treasury.report(mine):
        latest[d.bic] = d
    return [
        {
            "bic": d.bic,
            "day": d.day.isoformat(),
            "vostro_minor": d.vostro_minor,
            "invested_minor": d.invested_minor,
            "interest_minor": d.interest_minor,
        }
        for d in latest.values()
    ]


@router.get("/v1/corridor/totals", tags=["reports"], responses=problems.RESPONSES)
def corridor_totals(who: Who, svc: Svc) -> dict[str, object]:
    """Settled value per corridor segment and currency, and per day, with the US dollar
    equivalent at the reference rate (for the corridor's USD 100 billion by 2030 target)."""
    segments, days = corridor(svc, who.bic if who.role is Role.PARTICIPANT else None)
    return {"segments": segments, "days": days, "target_usd_2030": TARGET_USD_2030}


TARGET_USD_2030 = 100_000_000_000  # India–Russia trade goal for 2030 (shared/data SOURCES)


Figures = list[dict[str, object]]


def corridor(svc: Service, bic: str | None) -> tuple[Figures, Figures]:
    """Settled value per segment and currency, and per day, each with its US dollar value at
    the reference rate (whole dollars, half-to-even), as one participant (or all) sees them."""
    book = _book(svc)
    totals, daily = svc.platform.read(
        lambda uow: (uow.read_models.totals_by_segment(bic), uow.read_models.daily_values(bic))
    )

    def usd(minor: int, code: str) -> int | None:
        return usd_value(book, minor, code, currency(code).exponent)

    segments: Figures = [
        {
            "segment": t.key,
            "currency": t.currency,
            "payments": t.count,
            "value_minor": t.value_minor,
            "value_usd": usd(t.value_minor, t.currency),
        }
        for t in totals
    ]
    days: Figures = [
        {
            "day": d.day,
            "currency": d.currency,
            "payments": d.count,
            "value_minor": d.value_minor,
            "value_usd": usd(d.value_minor, d.currency),
        }
        for d in daily
    ]
    return segments, days


def _book(svc: Service) -> RateBook | None:
    try:
        return svc.platform.desk.rate_book()
    except VostroError:
        return None


def usd_value(book: RateBook | None, minor: int, code: str, exponent: int) -> int | None:
    """A value in whole US dollars at the reference rate, rounded half-to-even; None without
    a rate. (For the corridor's headline only: no money moves in dollars.)"""
    if book is None:
        return None
    if code == "USD":
        return int((Decimal(minor).scaleb(-exponent)).quantize(Decimal(1), ROUND_HALF_EVEN))
    try:
        rate = book.rate("USD", code).rate
    except FxError:
        return None
    major = Decimal(minor).scaleb(-exponent)
    return int((major / rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

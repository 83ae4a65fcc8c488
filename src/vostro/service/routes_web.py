"""The dashboard (`/`), its data (`/v1/dashboard`), health, readiness and metrics."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import FileResponse

from vostro.participants.model import AccountKind
from vostro.service import problems
from vostro.service.app import Service, principal, service_of
from vostro.service.auth import Principal, Role
from vostro.service.routes_admin import TARGET_USD_2030, corridor, report_out
from vostro.service.routes_core import accounts_of, payment_out
from vostro.service.schemas import Health
from vostro.store import readmodels as queries

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]
Svc = Annotated[Service, Depends(service_of)]
STATIC = Path(__file__).parent / "static"


@router.get("/", include_in_schema=False)
def dashboard() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        from vostro.service.problems import not_found

        raise not_found(f"file {name}")
    return FileResponse(path, headers={"Cache-Control": "no-cache"})


@router.get("/healthz", tags=["operations"])
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", tags=["operations"], responses={503: {"model": Health}})
def readyz(svc: Svc, response: Response) -> Health:
    """Ready for traffic: the database answers and the writer is running."""
    try:
        svc.platform.store.ping()
    except Exception as error:
        response.status_code = 503
        return Health(status="unavailable", detail=f"database: {error}")
    if not svc.writer.alive:
        response.status_code = 503
        return Health(status="unavailable", detail=f"writer stopped: {svc.writer.stopped}")
    return Health(status="ready")


@router.get(
    "/metrics",
    tags=["operations"],
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    response_class=Response,
)
def metrics(svc: Svc) -> Response:
    """Prometheus metrics: payments by state, queue depth, writer rounds, HTTP latency."""
    return Response(svc.metrics.exposition(), media_type="text/plain; version=0.0.4")


@router.get("/v1/dashboard", tags=["reports"], responses=problems.RESPONSES)
def dashboard_data(who: Who, svc: Svc) -> dict[str, Any]:
    """Everything the dashboard shows, in one read (a participant: only itself)."""
    mine = who.bic if who.role is Role.PARTICIPANT else None
    registry = svc.platform.registry
    people = [p for p in registry.all() if who.sees(p.bic)]
    balances = [
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
    segments, days = corridor(svc, mine)
    queued = svc.platform.settlement_views.queue(None, mine, limit=10_000)
    depth = Counter(entry.currency for entry in queued)
    operator_view = who.role is not Role.PARTICIPANT
    reports = svc.platform.settlement.reports(200) if operator_view else []
    saved: dict[str, dict[str, int]] = {}
    for r in reports:
        s = saved.setdefault(r.currency, {"gross_minor": 0, "net_minor": 0, "saved_minor": 0})
        s["gross_minor"] += r.gross_minor
        s["net_minor"] += r.net_minor
        s["saved_minor"] += r.saved_minor
    latest_vostro: dict[str, Any] = {}
    for d in svc.platform.treasury.report(mine):
        latest_vostro[d.bic] = d
    recent = queries.payment_rows(
        svc.engine, [u for u, _ in queries.payment_uetrs(svc.engine, mine, limit=20)]
    )
    return {
        "role": str(who.role),
        "bic": who.bic,
        "generated_at": time.time_ns(),
        "participants": [
            {
                "bic": p.bic,
                "name": p.name,
                "country": p.country,
                "status": str(p.status),
                "roles": sorted(str(r) for r in p.roles),
            }
            for p in people
        ],
        "balances": balances,
        "payments_by_state": queries.payments_by_state(svc.engine, mine),
        "queue_depth": depth,
        "windows": [
            {
                "id": w.id,
                "currency": w.currency,
                "state": str(w.state),
                "opened_at": w.opened_at,
                "closed_at": w.closed_at,
                "settled_at": w.settled_at,
            }
            for w in (svc.platform.settlement_views.windows(10) if operator_view else [])
        ],
        "settlement_runs": [report_out(r).model_dump() for r in reports[:10]],
        "liquidity_saved": saved,
        "vostro": [
            {
                "bic": d.bic,
                "day": d.day.isoformat(),
                "vostro_minor": d.vostro_minor,
                "invested_minor": d.invested_minor,
                "interest_minor": d.interest_minor,
            }
            for d in latest_vostro.values()
        ],
        "segments": segments,
        "days": days,
        "target_usd_2030": TARGET_USD_2030,
        "baseline_usd_fy2025": 68_700_000_000,
        "recent_payments": [payment_out(r, events=False).model_dump() for r in recent],
        "holds": _holds(svc) if operator_view else [],
    }


def _holds(svc: Service) -> list[dict[str, Any]]:
    return [h.as_dict() for h in svc.platform.holds.holds()]

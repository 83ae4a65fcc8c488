"""Compliance over HTTP (`/v1/compliance`): sanctions lists, ad-hoc screening, the hold queue and
its decisions, limits; and a payment's screenings.

A list is uploaded as its own bytes (FollowTheMoney JSON lines, or CSV). It is parsed and indexed
off the writer, so payments keep flowing meanwhile; the writer then stores it and swaps it in at
once. Every decision is audited with who, why and from where.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from vostro.compliance.lists import screen_name
from vostro.compliance.screener import parse_list
from vostro.service import problems
from vostro.service.auth import Principal, Role
from vostro.service.problems import Problem
from vostro.service.web import paging
from vostro.service.web.context import Service
from vostro.service.web.deps import Svc, Who, origin, require
from vostro.service.web.lookups import (
    own_payment,
)
from vostro.service.web.outputs import (
    payment_out,
)
from vostro.service.web.params import CurrencyPath, Flow, ListNamePath, PayerPath, UetrPath
from vostro.service.web.schemas import (
    DecisionIn,
    LimitIn,
    ListRemoveIn,
    PaymentOut,
    ScreenIn,
)

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)


LIST_MEDIA = {"ftm": "application/x-ndjson", "csv": "text/csv"}


@router.get("/compliance/lists", tags=["compliance"])
def lists(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_LIST_NAME.query()] = None,
) -> paging.Page[dict[str, Any]]:
    """The sanctions and watch lists every payment is screened against, with their versions,
    by name, a page at a time."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    start = paging.BY_LIST_NAME.decode(cursor)
    rows = paging.after(svc.platform.compliance.lists(), start, lambda s: (s.name,), limit)
    kept, after = paging.page(request, response, rows, limit, lambda s: (s.name,))
    return paging.Page(items=[s.as_dict() for s in kept], next_cursor=after)


@router.put(
    "/compliance/lists/{name}",
    tags=["compliance"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                LIST_MEDIA["ftm"]: {"schema": {"type": "string", "minLength": 1}},
                LIST_MEDIA["csv"]: {"schema": {"type": "string", "minLength": 1}},
            },
        }
    },
)
async def load_list(
    name: ListNamePath,
    request: Request,
    who: Who,
    svc: Svc,
    format: Annotated[Literal["ftm", "csv"], Query()] = "ftm",
) -> dict[str, Any]:
    """Load or reload a list: FollowTheMoney entities (JSON lines, as OpenSanctions publishes
    them) or an operator's CSV (`id,name,aliases,identifiers`). A new version screens every
    payment from the moment it is in place; payments never wait for the parsing."""
    require(who, Role.OPERATOR)
    data = await request.body()
    if not data:
        raise Problem(422, "empty-list", "Empty list", "the request body holds no list")
    parsed = await run_in_threadpool(parse_list, data, format, f"{name}.{format}")
    where = origin(request)
    stored = await svc.writer.run(
        lambda p: p.compliance.load_list(name, data, format, who.name, where, parsed=parsed)
    )
    return stored.as_dict()


@router.post("/compliance/lists/{name}/remove", tags=["compliance"])
async def remove_list(
    name: ListNamePath, body: ListRemoveIn, request: Request, who: Who, svc: Svc
) -> dict[str, Any]:
    """Stop screening against a list."""
    require(who, Role.OPERATOR)
    where = origin(request)
    removed = await svc.writer.run(
        lambda p: p.compliance.remove_list(name, who.name, body.reason, where)
    )
    return removed.as_dict()


@router.post("/compliance/screen", tags=["compliance"])
def screen(body: ScreenIn, who: Who, svc: Svc) -> dict[str, Any]:
    """Screen one name (and identifiers) against every active list, across scripts and
    spellings; `hit` is true at the configured threshold."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    screener = svc.platform.compliance.screener
    results: list[dict[str, Any]] = []
    for active in screener.active():
        for m in screen_name(
            active.screening,
            body.name,
            threshold=screener.threshold,
            identifiers=body.identifiers,
        ):
            results.append(
                {
                    "list": active.stored.name,
                    "list_version": active.stored.version,
                    "entity_id": m.entity_id,
                    "name": m.name,
                    "score": m.score,
                    "hit": m.hit,
                    "reason": m.reason,
                }
            )
    results.sort(key=lambda r: -float(r["score"]))
    return {"name": body.name, "threshold": screener.threshold, "matches": results}


@router.get("/compliance/holds", tags=["compliance"])
def holds(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_TIME_AND_UETR.query()] = None,
) -> paging.Page[dict[str, Any]]:
    """Payments held by a screening hit, the soonest deadline first, with what matched; a page
    at a time."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    start = paging.BY_TIME_AND_UETR.decode(cursor)
    found = svc.platform.holds.holds(
        limit + 1, None if start is None else (int(start[0]), str(start[1]))
    )
    kept, after = paging.page(request, response, found, limit, lambda h: (h.deadline_at, h.uetr))
    return paging.Page(items=[h.as_dict() for h in kept], next_cursor=after)


async def _decide(
    uetr: str, body: DecisionIn, request: Request, who: Principal, svc: Service, release: bool
) -> PaymentOut:
    require(who, Role.OPERATOR)
    where = origin(request)

    def decide(p: Any) -> Any:
        if release:
            return p.holds.release(uetr, who.name, body.reason, body.remember, where)
        return p.holds.reject(uetr, who.name, body.reason, where)

    decided = await svc.writer.run(decide)
    stored = await run_in_threadpool(svc.platform.payments.get, decided.uetr)
    return payment_out(stored or decided)


@router.post("/compliance/holds/{uetr}/release", tags=["compliance"])
async def release(
    uetr: UetrPath, body: DecisionIn, request: Request, who: Who, svc: Svc
) -> PaymentOut:
    """Release a held payment (a false positive): it settles, or goes on its way. With
    `remember`, the same party against the same listed entity and list version passes next
    time."""
    return await _decide(uetr, body, request, who, svc, release=True)


@router.post("/compliance/holds/{uetr}/reject", tags=["compliance"])
async def reject(
    uetr: UetrPath, body: DecisionIn, request: Request, who: Who, svc: Svc
) -> PaymentOut:
    """Reject a held payment (RR04): its reservation is voided; its pacs.002 RJCT is at
    `/v1/payments/{uetr}/status`."""
    return await _decide(uetr, body, request, who, svc, release=False)


@router.get("/compliance/limits", tags=["compliance"])
def limits(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_LIMIT.query()] = None,
) -> paging.Page[dict[str, Any]]:
    """Per-payment and per-day limits by payer, flow and currency, a page at a time."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    start = paging.BY_LIMIT.decode(cursor)

    def key(x: Any) -> paging.Key:
        return (x.participant, x.flow, x.currency)

    rows = paging.after(svc.platform.compliance.limits(), start, key, limit)
    kept, after = paging.page(request, response, rows, limit, key)
    return paging.Page(items=[x.as_dict() for x in kept], next_cursor=after)


@router.put("/compliance/limits/{participant}/{flow}/{code}", tags=["compliance"])
async def set_limit(
    participant: PayerPath,
    flow: Flow,
    code: CurrencyPath,
    body: LimitIn,
    request: Request,
    who: Who,
    svc: Svc,
) -> dict[str, Any]:
    """Set a limit for a payer (a BIC, or `*` for all) and flow (`trade`, `remittance`, ...,
    or `*`) in a currency; payments over it are refused (AM02 per payment, AM14 per day)."""
    require(who, Role.OPERATOR)
    where = origin(request)
    limit = await svc.writer.run(
        lambda p: p.compliance.set_limit(
            participant,
            flow,
            code,
            per_payment_max_minor=body.per_payment_max_minor,
            per_day_max_minor=body.per_day_max_minor,
            actor=who.name,
            origin=where,
        )
    )
    return limit.as_dict()


@router.delete("/compliance/limits/{participant}/{flow}/{code}", tags=["compliance"])
async def remove_limit(
    participant: PayerPath, flow: Flow, code: CurrencyPath, request: Request, who: Who, svc: Svc
) -> dict[str, Any]:
    """Remove the limit set for a payer (or `*`) and flow (or `*`) in a currency; the limit
    removed is the answer."""
    require(who, Role.OPERATOR)
    where = origin(request)
    removed = await svc.writer.run(
        lambda p: p.compliance.remove_limit(participant, flow, code, actor=who.name, origin=where)
    )
    return removed.as_dict()


@router.get("/payments/{uetr}/screenings", tags=["compliance"])
def payment_screenings(uetr: UetrPath, who: Who, svc: Svc) -> list[dict[str, Any]]:
    """How the payment was screened: lists and versions, scores, which name matched which."""
    own_payment(svc, who, uetr)
    require(who, Role.OPERATOR, Role.AUDITOR)
    return svc.platform.holds.screenings(uetr)

"""Settlement (`/v1/settlement`): LSM runs and their reports, DNS windows, each participant's
settlement mode, net debit cap and bilateral limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from vostro.platform import Platform
from vostro.service import problems
from vostro.service.auth import Role
from vostro.service.web import paging
from vostro.service.web.actions import act
from vostro.service.web.deps import Svc, Who, require
from vostro.service.web.lookups import (
    checked_currency,
    visible,
)
from vostro.service.web.outputs import (
    report_out,
)
from vostro.service.web.params import BicPath, CurrencyPath
from vostro.service.web.schemas import (
    BilateralLimitIn,
    Done,
    LsmIn,
    ModeIn,
    NetDebitCapIn,
    ReportOut,
    WindowOut,
)

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)


@router.post("/settlement/lsm-runs", status_code=201, tags=["settlement"])
async def run_lsm(body: LsmIn, who: Who, svc: Svc, request: Request) -> ReportOut:
    """Run the liquidity-saving mechanism on the currency's queue now: the payments that can
    settle together on net settle simultaneously (`optimal` uses the exact MIP)."""
    require(who, Role.OPERATOR)
    code = checked_currency(body.currency)
    report = await act(
        request,
        who,
        "settlement.lsm",
        code,
        lambda p: p.settlement.run_lsm(code, optimal=body.optimal),
        optimal=body.optimal,
    )
    return report_out(report)


@router.get("/settlement/runs", tags=["settlement"])
def settlement_runs(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 50,
    cursor: Annotated[str | None, paging.BY_ID.query()] = None,
) -> paging.Page[ReportOut]:
    """Reports of LSM runs and settled windows, newest first: gross, net, liquidity saved; a
    page at a time."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    start = paging.BY_ID.decode(cursor)
    before = None if start is None else int(start[0])
    reports = svc.platform.settlement.reports(limit + 1, before)
    kept, after = paging.page(request, response, reports, limit, lambda r: (r.run_id or 0,))
    return paging.Page(items=[report_out(r) for r in kept], next_cursor=after)


@router.get("/settlement/windows", tags=["settlement"])
def windows(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_ID.query()] = None,
) -> paging.Page[WindowOut]:
    """Deferred net settlement windows, newest first, a page at a time."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    start = paging.BY_ID.decode(cursor)
    before = None if start is None else int(start[0])
    found = svc.platform.settlement_views.windows(limit + 1, before)
    kept, after = paging.page(request, response, found, limit, lambda w: (w.id,))
    items = [
        WindowOut(
            id=w.id,
            currency=w.currency,
            state=str(w.state),
            opened_at=w.opened_at,
            closed_at=w.closed_at,
            settled_at=w.settled_at,
        )
        for w in kept
    ]
    return paging.Page(items=items, next_cursor=after)


@router.post("/settlement/windows/{code}/close", tags=["settlement"])
async def close_window(code: CurrencyPath, who: Who, svc: Svc, request: Request) -> ReportOut:
    """Close the currency's open window, net it and settle the net positions (unwinding a
    participant that cannot cover its net debit)."""
    require(who, Role.OPERATOR)
    checked = checked_currency(code)
    report = await act(
        request,
        who,
        "settlement.window.close",
        checked,
        lambda p: p.settlement.close_window(checked),
    )
    return report_out(report)


@router.put("/settlement/modes/{bic}/{code}", tags=["settlement"])
async def set_mode(
    bic: BicPath, code: CurrencyPath, body: ModeIn, who: Who, svc: Svc, request: Request
) -> Done:
    """Settle the participant's payments in the currency gross (rtgs) or in net windows (dns,
    within a net debit cap)."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    checked = checked_currency(code)

    def run(p: Platform) -> None:
        p.rules.set_mode(found.bic, checked, body.mode, actor=who.name)
        if body.net_debit_cap_minor is not None:
            p.rules.set_net_debit_cap(found.bic, checked, body.net_debit_cap_minor, actor=who.name)

    await act(request, who, "settlement.mode", found.bic, run, currency=checked, mode=body.mode)
    return Done(detail=f"{found.bic} settles {checked} by {body.mode}")


@router.put("/settlement/net-debit-caps/{bic}/{code}", tags=["settlement"])
async def set_net_debit_cap(
    bic: BicPath, code: CurrencyPath, body: NetDebitCapIn, who: Who, svc: Svc, request: Request
) -> Done:
    """The most the participant may owe net in the currency's deferred net settlement windows."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    checked = checked_currency(code)
    cap = body.net_debit_cap_minor
    await act(
        request,
        who,
        "settlement.net_debit_cap",
        found.bic,
        lambda p: p.rules.set_net_debit_cap(found.bic, checked, cap, actor=who.name),
        currency=checked,
        net_debit_cap_minor=cap,
    )
    return Done(detail=f"{found.bic}: net debit cap {cap} in {checked} minor units")


@router.put("/settlement/bilateral-limits/{bic}/{counterparty}/{code}", tags=["settlement"])
async def set_bilateral_limit(
    bic: BicPath,
    counterparty: BicPath,
    code: CurrencyPath,
    body: BilateralLimitIn,
    who: Who,
    svc: Svc,
    request: Request,
) -> Done:
    """The most the participant may owe one counterparty net in a window of the currency."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    other = visible(svc, who, counterparty)
    checked = checked_currency(code)
    limit = body.limit_minor
    await act(
        request,
        who,
        "settlement.bilateral_limit",
        found.bic,
        lambda p: p.rules.set_bilateral_limit(found.bic, other.bic, checked, limit, actor=who.name),
        counterparty=other.bic,
        currency=checked,
        limit_minor=limit,
    )
    return Done(
        detail=f"{found.bic} → {other.bic}: bilateral limit {limit} in {checked} minor units"
    )

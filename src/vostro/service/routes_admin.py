"""Settlement, the rupee vostro treasury, corridor totals, API keys and the audit log (`/v1`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from vostro.errors import VostroError
from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import RateBook, ReferenceRate
from vostro.money import currency
from vostro.payments.fees import FeeSchedule
from vostro.platform import Platform
from vostro.service import problems
from vostro.service.app import Service, principal, require, service_of
from vostro.service.auth import KeyInfo, KeyRefused, Principal, Role
from vostro.service.commands import act
from vostro.service.problems import Problem, not_found
from vostro.service.routes_core import visible
from vostro.service.schemas import (
    AuditOut,
    Done,
    FeeIn,
    KeyIn,
    KeyOut,
    LsmIn,
    ModeIn,
    NewKeyOut,
    RateOut,
    RatesIn,
    ReportOut,
    StandingRateIn,
    VostroDayOut,
    VostroSettingsIn,
    WindowOut,
)
from vostro.settlement.engine import SettlementReport
from vostro.store import readmodels as queries
from vostro.treasury.vostro import VostroDay

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)
Who = Annotated[Principal, Depends(principal)]
Svc = Annotated[Service, Depends(service_of)]
Code = Annotated[str, Query(alias="currency", pattern=r"^[A-Z]{3}$")]


def report_out(r: SettlementReport) -> ReportOut:
    return ReportOut(
        kind=r.kind,
        currency=r.currency,
        gross_minor=r.gross_minor,
        net_minor=r.net_minor,
        saved_minor=r.saved_minor,
        saved_pct=r.saved_pct,
        settled=r.settled,
        still_queued=r.still_queued,
        rejected=r.rejected,
        mean_queue_s=r.mean_queue_s,
        p95_queue_s=r.p95_queue_s,
        window_id=r.window_id,
        optimal=r.optimal,
        notes=list(r.notes),
    )


# ---------------------------------------------------------------- settlement
@router.post("/settlement/lsm-runs", status_code=201, tags=["settlement"])
async def run_lsm(body: LsmIn, who: Who, svc: Svc, request: Request) -> ReportOut:
    """Run the liquidity-saving mechanism on the currency's queue now: the payments that can
    settle together on net settle simultaneously (`optimal` uses the exact MIP)."""
    require(who, Role.OPERATOR)
    code = _currency(body.currency)
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
    who: Who, svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ReportOut]:
    """Reports of LSM runs and settled windows, newest first: gross, net, liquidity saved."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    return [report_out(r) for r in svc.platform.settlement.reports(limit)]


@router.get("/settlement/windows", tags=["settlement"])
def windows(
    who: Who, svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[WindowOut]:
    """Deferred net settlement windows, newest first."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    return [
        WindowOut(
            id=w.id,
            currency=w.currency,
            state=str(w.state),
            opened_at=w.opened_at,
            closed_at=w.closed_at,
            settled_at=w.settled_at,
        )
        for w in svc.platform.settlement_views.windows(limit)
    ]


@router.post("/settlement/windows/{code}/close", tags=["settlement"])
async def close_window(code: str, who: Who, svc: Svc, request: Request) -> ReportOut:
    """Close the currency's open window, net it and settle the net positions (unwinding a
    participant that cannot cover its net debit)."""
    require(who, Role.OPERATOR)
    checked = _currency(code)
    report = await act(
        request,
        who,
        "settlement.window.close",
        checked,
        lambda p: p.settlement.close_window(checked),
    )
    return report_out(report)


def _currency(code: str) -> str:
    try:
        return currency(code).code
    except Exception:
        raise Problem(
            422,
            "unknown-currency",
            "Unknown currency",
            f"{code!r} is not an ISO 4217 currency vostro settles",
            code="AM03",
        ) from None


# ---------------------------------------------------------------- treasury
@router.get("/vostro/report", tags=["treasury"])
def vostro_report(
    who: Who,
    svc: Svc,
    bic: Annotated[str | None, Query(max_length=11)] = None,
    day: date | None = None,
) -> list[VostroDayOut]:
    """The rupee vostro surplus of Russian banks per day: balance, invested in treasury bills,
    interest earned (a participant sees its own)."""
    if who.role is Role.PARTICIPANT:
        bic = visible(svc, who, bic or who.bic or "").bic
    elif bic is not None:
        bic = visible(svc, who, bic).bic
    return [day_out(d) for d in svc.platform.treasury.report(bic, day)]


def day_out(d: VostroDay) -> VostroDayOut:
    return VostroDayOut(
        bic=d.bic,
        day=d.day.isoformat(),
        vostro_minor=d.vostro_minor,
        invested_minor=d.invested_minor,
        interest_minor=d.interest_minor,
    )


@router.post("/vostro/close-day", tags=["treasury"])
async def vostro_close_day(
    who: Who, svc: Svc, request: Request, day: date | None = None
) -> list[VostroDayOut]:
    """Sweep each rupee vostro balance above its threshold into treasury bills (or redeem
    below it) and accrue the day's interest; once per day."""
    require(who, Role.OPERATOR)
    from datetime import UTC, datetime

    when = day or datetime.now(UTC).date()
    closed = await act(
        request, who, "vostro.close_day", when.isoformat(), lambda p: p.treasury.close_day(when)
    )
    return [day_out(d) for d in closed]


# ---------------------------------------------------------------- corridor
@router.get("/corridor/totals", tags=["reports"])
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

    def usd(minor: int, code: str) -> int | None:
        return queries.usd_value(book, minor, code, currency(code).exponent)

    segments: Figures = [
        {
            "segment": t.key,
            "currency": t.currency,
            "payments": t.count,
            "value_minor": t.value_minor,
            "value_usd": usd(t.value_minor, t.currency),
        }
        for t in queries.totals_by_segment(svc.engine, bic)
    ]
    days: Figures = [
        {"day": d, "currency": code, "payments": n, "value_minor": v, "value_usd": usd(v, code)}
        for d, code, n, v in queries.daily_values(svc.engine, bic)
    ]
    return segments, days


def _book(svc: Service) -> RateBook | None:
    try:
        return svc.platform.desk.rate_book()
    except VostroError:
        return None


# ---------------------------------------------------------------------- keys
def key_out(info: KeyInfo) -> KeyOut:
    return KeyOut(
        key_id=info.key_id,
        role=str(info.role),
        bic=info.bic,
        label=info.label,
        created_at=info.created_at,
        created_by=info.created_by,
        revoked_at=info.revoked_at,
    )


@router.post("/keys", status_code=201, tags=["keys"])
async def create_key(body: KeyIn, who: Who, svc: Svc, request: Request) -> NewKeyOut:
    """A new API key. The key is in this response only: vostro keeps just its hash."""
    require(who, Role.OPERATOR)
    role = Role(body.role)
    if body.bic is not None:
        visible(svc, who, body.bic)
    key, info = await svc.writer.run(
        lambda p: svc.keys.create(
            role,
            body.bic,
            body.label,
            actor=who.name,
            origin=request.client.host if request.client else None,
        )
    )
    return NewKeyOut(key=key, **key_out(info).model_dump())


@router.get("/keys", tags=["keys"])
def list_keys(who: Who, svc: Svc) -> list[KeyOut]:
    """API keys (never the keys themselves); a participant sees its own."""
    return [
        key_out(k) for k in svc.keys.all() if who.role is not Role.PARTICIPANT or k.bic == who.bic
    ]


def _own_key(svc: Service, who: Principal, key_id: str) -> KeyInfo:
    info = svc.keys.get(key_id) if len(key_id) <= 16 else None
    if info is None or (who.role is Role.PARTICIPANT and info.bic != who.bic):
        raise not_found(f"API key {key_id}")
    require(who, Role.OPERATOR, Role.PARTICIPANT)
    return info


@router.post("/keys/{key_id}/revoke", tags=["keys"])
async def revoke_key(key_id: str, who: Who, svc: Svc, request: Request) -> KeyOut:
    """Revoke a key at once (a participant may revoke its own)."""
    _own_key(svc, who, key_id)
    where = request.client.host if request.client else None
    info = await svc.writer.run(lambda p: svc.keys.revoke(key_id, actor=who.name, origin=where))
    return key_out(info)


@router.post("/keys/{key_id}/rotate", status_code=201, tags=["keys"])
async def rotate_key(key_id: str, who: Who, svc: Svc, request: Request) -> NewKeyOut:
    """A successor key with the same role; the old key stops working at once."""
    _own_key(svc, who, key_id)
    where = request.client.host if request.client else None
    try:
        key, info = await svc.writer.run(
            lambda p: svc.keys.rotate(key_id, actor=who.name, origin=where)
        )
    except KeyRefused as refused:
        raise Problem(409, "key-revoked", "Key already revoked", str(refused)) from None
    return NewKeyOut(key=key, **key_out(info).model_dump())


# ---------------------------------------------------------------------- audit
@router.get("/audit", tags=["audit"])
def audit_log(
    who: Who,
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=0, description="id of the last entry seen")] = None,
) -> list[AuditOut]:
    """Every write: who, what, to what, when and from where, newest first."""
    require(who, Role.OPERATOR, Role.AUDITOR)
    return [AuditOut(**e) for e in queries.audit_entries(svc.engine, limit=limit, before=before)]


# --------------------------------------------------------------- configuration
@router.post("/fx/rates", status_code=201, tags=["fx"])
async def add_rates(body: RatesIn, who: Who, svc: Svc, request: Request) -> Done:
    """Reference rates (e.g. the day's CBR or FBIL fixings); quotes are priced from them."""
    require(who, Role.OPERATOR)
    rates = [ReferenceRate(r.base, r.quote, Decimal(r.rate), r.as_of, r.source) for r in body.rates]
    added = await act(
        request,
        who,
        "fx.rates",
        "reference",
        lambda p: p.desk.add_reference_rates(rates, actor=who.name),
        count=len(rates),
    )
    return Done(detail=f"{added} reference rates stored")


@router.get("/fx/rates/{base}/{quote}", tags=["fx"])
def reference_rate(base: str, quote: str, who: Who, svc: Svc) -> RateOut:
    """Today's reference rate for the pair (direct, inverted or crossed; the source says)."""
    del who
    try:
        r = svc.platform.desk.rate_book().rate(_currency(base), _currency(quote))
    except VostroError as missing:
        raise not_found(f"rate {base}/{quote} ({missing})") from None
    return RateOut(
        base=r.base, quote=r.quote, rate=str(r.rate), as_of=r.as_of.isoformat(), source=r.source
    )


@router.put("/fx/standing-rates/{provider}/{source}/{target}", tags=["fx"])
async def set_standing_rate(
    provider: str,
    source: str,
    target: str,
    body: StandingRateIn,
    who: Who,
    svc: Svc,
    request: Request,
) -> Done:
    """An FX provider's spreads over the reference rate, by amount tier (the operator, or the
    provider itself)."""
    found = visible(svc, who, provider)
    require(who, Role.OPERATOR, Role.PARTICIPANT)
    standing = StandingRate(
        found.bic,
        _currency(source),
        _currency(target),
        tuple(Tier(t.min_source_minor, t.spread_bps) for t in body.tiers),
    )
    await act(
        request,
        who,
        "fx.standing_rate",
        found.bic,
        lambda p: p.desk.set_standing_rate(standing, actor=who.name),
        source=source,
        target=target,
    )
    return Done(detail=f"{found.bic} quotes {source}→{target} on {len(body.tiers)} tiers")


@router.put("/participants/{bic}/fees/{code}", tags=["participants"])
async def set_fees(bic: str, code: str, body: FeeIn, who: Who, svc: Svc, request: Request) -> Done:
    """What the operator charges the participant per payment sent in the currency."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    schedule = FeeSchedule(_currency(code), body.fixed_minor, body.rate_bps, body.cap_minor)
    await act(
        request,
        who,
        "participant.fees",
        found.bic,
        lambda p: p.fees.set(found.bic, schedule, actor=who.name),
        currency=code,
    )
    return Done(detail=f"fees for {found.bic} in {code} set")


@router.put("/settlement/modes/{bic}/{code}", tags=["settlement"])
async def set_mode(bic: str, code: str, body: ModeIn, who: Who, svc: Svc, request: Request) -> Done:
    """Settle the participant's payments in the currency gross (rtgs) or in net windows (dns,
    within a net debit cap)."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    checked = _currency(code)

    def run(p: Platform) -> None:
        p.rules.set_mode(found.bic, checked, body.mode, actor=who.name)
        if body.net_debit_cap_minor is not None:
            p.rules.set_net_debit_cap(found.bic, checked, body.net_debit_cap_minor, actor=who.name)

    await act(request, who, "settlement.mode", found.bic, run, currency=checked, mode=body.mode)
    return Done(detail=f"{found.bic} settles {checked} by {body.mode}")


@router.put("/vostro/settings/{bic}", tags=["treasury"])
async def vostro_settings(
    bic: str, body: VostroSettingsIn, who: Who, svc: Svc, request: Request
) -> Done:
    """A Russian bank's rupee vostro: the operating balance kept, and the yield of the treasury
    bills the surplus above it is swept into at each day's close."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    await act(
        request,
        who,
        "vostro.configure",
        found.bic,
        lambda p: p.treasury.configure(
            found.bic, body.threshold_minor, Decimal(body.annual_yield), actor=who.name
        ),
        threshold_minor=body.threshold_minor,
        annual_yield=body.annual_yield,
    )
    return Done(detail=f"{found.bic} keeps {body.threshold_minor} paise; the rest is invested")

"""The rupee vostro treasury (`/v1/vostro`): daily reports, the day's close and each bank's
settings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request

from vostro.service import problems
from vostro.service.auth import Role
from vostro.service.web.actions import act
from vostro.service.web.deps import Svc, Who, require
from vostro.service.web.lookups import (
    visible,
)
from vostro.service.web.outputs import (
    day_out,
)
from vostro.service.web.params import BIC_PATTERN, BicPath, IsoDate
from vostro.service.web.schemas import (
    Done,
    VostroDayOut,
    VostroSettingsIn,
)

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)


@router.get("/vostro/report", tags=["treasury"])
def vostro_report(
    who: Who,
    svc: Svc,
    bic: Annotated[str | None, Query(pattern=BIC_PATTERN)] = None,
    day: IsoDate | None = None,
) -> list[VostroDayOut]:
    """The rupee vostro surplus of Russian banks per day: balance, invested in treasury bills,
    interest earned (a participant sees its own)."""
    if who.role is Role.PARTICIPANT:
        bic = visible(svc, who, bic or who.bic or "").bic
    elif bic is not None:
        bic = visible(svc, who, bic).bic
    return [day_out(d) for d in svc.platform.treasury.report(bic, day)]


@router.post("/vostro/close-day", tags=["treasury"])
async def vostro_close_day(
    who: Who, svc: Svc, request: Request, day: IsoDate | None = None
) -> list[VostroDayOut]:
    """Sweep each rupee vostro balance above its threshold into treasury bills (or redeem
    below it) and accrue the day's interest; once per day."""
    require(who, Role.OPERATOR)
    when = day or datetime.now(UTC).date()
    closed = await act(
        request, who, "vostro.close_day", when.isoformat(), lambda p: p.treasury.close_day(when)
    )
    return [day_out(d) for d in closed]


@router.put("/vostro/settings/{bic}", tags=["treasury"])
async def vostro_settings(
    bic: BicPath, body: VostroSettingsIn, who: Who, svc: Svc, request: Request
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

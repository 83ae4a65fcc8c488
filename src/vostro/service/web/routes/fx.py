"""FX (`/v1/fx`): firm quotes, reference rates and the providers' standing rates."""

from __future__ import annotations

import time
from decimal import Decimal

from fastapi import APIRouter, Request

from vostro.errors import VostroError
from vostro.fx.quotes import StandingRate, Tier
from vostro.fx.rates import ReferenceRate
from vostro.participants.model import Role as ParticipantRole
from vostro.service import problems
from vostro.service.auth import Role
from vostro.service.problems import Problem, forbidden, not_found
from vostro.service.web.actions import act
from vostro.service.web.deps import Svc, Who, require
from vostro.service.web.lookups import (
    checked_currency,
    visible,
)
from vostro.service.web.outputs import (
    quote_out,
)
from vostro.service.web.params import BicPath, CurrencyPath, QuoteIdPath
from vostro.service.web.schemas import (
    Done,
    QuoteIn,
    QuoteOut,
    RateOut,
    RatesIn,
    StandingRateIn,
)

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)


@router.post("/fx/quotes", status_code=201, tags=["fx"])
async def request_quote(body: QuoteIn, who: Who, svc: Svc, request: Request) -> QuoteOut:
    """A firm quote from an FX provider's standing rate, valid for ten minutes; name its id in
    the cross-currency payment."""
    require(who, Role.OPERATOR, Role.PARTICIPANT)
    payer = body.payer or who.bic
    if payer is None:  # the operator pays nothing itself: it quotes on a payer's behalf
        raise forbidden("the operator asks for a quote only on behalf of a payer: name `payer`")
    visible(svc, who, payer)
    provider = svc.platform.registry.find(body.provider)
    if provider is None or ParticipantRole.FX_PROVIDER not in provider.roles:
        raise Problem(
            409,
            "no-fx-provider",
            "Not an FX provider",
            f"{body.provider} is not an FX provider on vostro",
            code="AC01",
        )
    q = await act(
        request,
        who,
        "fx.quote",
        body.provider,
        lambda p: p.desk.quote(
            provider.bic,
            payer,
            body.source_currency,
            body.target_currency,
            body.source_amount_minor,
            time.time_ns(),
        ),
        payer=payer,
        source=body.source_currency,
        target=body.target_currency,
        amount_minor=body.source_amount_minor,
    )
    return quote_out(q, payer, None)


@router.get("/fx/quotes/{quote_id}", tags=["fx"])
def get_quote(quote_id: QuoteIdPath, who: Who, svc: Svc) -> QuoteOut:
    found = svc.platform.desk.get_quote(quote_id) if len(quote_id) <= 64 else None
    if found is None or not (who.sees(found[1]) or who.sees(found[0].provider_id)):
        raise not_found(f"quote {quote_id}")
    q, requested_by, used_by = found
    return quote_out(q, requested_by, used_by)


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
def reference_rate(base: CurrencyPath, quote: CurrencyPath, who: Who, svc: Svc) -> RateOut:
    """Today's reference rate for the pair (direct, inverted or crossed; the source says)."""
    del who
    try:
        r = svc.platform.desk.rate_book().rate(checked_currency(base), checked_currency(quote))
    except VostroError as missing:
        raise not_found(f"rate {base}/{quote} ({missing})") from None
    return RateOut(
        base=r.base, quote=r.quote, rate=str(r.rate), as_of=r.as_of.isoformat(), source=r.source
    )


@router.put("/fx/standing-rates/{provider}/{source}/{target}", tags=["fx"])
async def set_standing_rate(
    provider: BicPath,
    source: CurrencyPath,
    target: CurrencyPath,
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
        checked_currency(source),
        checked_currency(target),
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

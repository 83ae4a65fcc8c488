"""Pricing a payment: its fee, and for a cross-currency payment the FX quote it names, claimed
once; then its all-in cost to the sender (fee plus FX margin against the reference rate), kept
with the payment because remittance cost is a public policy target."""

from __future__ import annotations

from vostro.errors import invariant
from vostro.fx.desk import FxDesk
from vostro.fx.errors import FxError, QuoteExpired
from vostro.fx.quotes import utc_from_ns
from vostro.participants.registry import Registry
from vostro.payments.checks import Memo
from vostro.payments.fees import all_in_cost
from vostro.payments.model import Payment, PaymentRejected, Reason
from vostro.payments.ports import UnitOfWork


def price(
    uow: UnitOfWork, registry: Registry, desk: FxDesk, memo: Memo, p: Payment, now_ns: int
) -> str | None:
    """Set the payment's fee and cost (and FX terms); returns the sentence for its `quoted`
    state when it claimed a quote, None for a same-currency payment."""
    payer = registry.get(uow, p.debtor_agent)
    fee = memo.fees(uow, payer.bic, p.source_currency).fee(p.source_amount_minor)
    p.fee_minor = fee
    if not p.cross_currency:
        cost = all_in_cost(p.source_amount_minor, fee)
        p.cost_minor, p.cost_bps = cost.total_minor, str(cost.total_bps)
        return None
    invariant(p.quote_id is not None, f"payment {p.uetr} was validated without its FX quote")
    assert p.quote_id is not None
    try:
        q = desk.claim(
            uow,
            p.quote_id,
            payer=payer.bic,
            source=p.source_currency,
            target=p.target_currency,
            source_amount_minor=p.source_amount_minor,
            uetr=p.uetr,
            now_ns=now_ns,
        )
    except QuoteExpired as expired:
        raise PaymentRejected(Reason.TIMEOUT, str(expired)) from expired
    except FxError as mismatch:
        raise PaymentRejected(Reason.NOT_SPECIFIED, str(mismatch)) from mismatch
    provider = registry.find(uow, q.provider_id)
    if provider is None or not provider.active:
        raise PaymentRejected(
            Reason.BLOCKED_ACCOUNT, f"FX provider {q.provider_id} is not an active participant"
        )
    p.fx_provider, p.rate, p.reference_rate = q.provider_id, str(q.rate), str(q.reference_rate)
    p.target_amount_minor, p.fx_margin_minor = q.target_amount_minor, q.margin_minor
    cost = all_in_cost(
        p.source_amount_minor,
        fee,
        q.margin_minor,
        q.reference_rate,
        p.source_currency,
        p.target_currency,
    )
    p.cost_minor, p.cost_bps = cost.total_minor, str(cost.total_bps)
    return (
        f"quote {q.id} from {q.provider_id}: rate {q.rate} (reference "
        f"{q.reference_rate}, spread {q.spread_bps} bp)"
    )


def requote(uow: UnitOfWork, desk: FxDesk, p: Payment, now_ns: int) -> None:
    """A warehoused conversion whose quote expired while it waited for its value date is priced
    again, by the same provider at its standing rate on the day's reference rate."""
    if not p.cross_currency or p.quote_id is None:
        return
    found = desk.get_quote(uow, p.quote_id)
    if found is None or found[0].expires_at > utc_from_ns(now_ns):
        return
    try:
        fresh = desk.quote(
            uow,
            found[0].provider_id,
            p.debtor_agent,
            p.source_currency,
            p.target_currency,
            p.source_amount_minor,
            now_ns,
        )
    except FxError as unpriced:
        raise PaymentRejected(
            Reason.NOT_SPECIFIED, f"not priced on its value date: {unpriced}"
        ) from unpriced
    p.quote_id = fresh.id

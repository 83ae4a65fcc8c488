"""The domain's values as the API shows them (the response bodies of `schemas`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from vostro.participants.model import Participant
from vostro.payments.model import Payment
from vostro.service.auth import KeyInfo
from vostro.service.web.schemas import (
    EventOut,
    KeyOut,
    ParticipantOut,
    PaymentOut,
    QuoteOut,
    ReportOut,
    VostroDayOut,
)
from vostro.settlement.engine import SettlementReport
from vostro.treasury.vostro import VostroDay

XML = "application/xml"


def participant_out(p: Participant) -> ParticipantOut:
    return ParticipantOut(
        bic=p.bic,
        name=p.name,
        number=p.number,
        country=p.country,
        roles=sorted(str(r) for r in p.roles),
        currencies=list(p.currencies),
        correspondent_bic=p.correspondent_bic,
        status=str(p.status),
    )


def quote_out(q: Any, requested_by: str, used_by: str | None) -> QuoteOut:
    return QuoteOut(
        id=q.id,
        provider=q.provider_id,
        requested_by=requested_by,
        source_currency=q.source_currency,
        target_currency=q.target_currency,
        source_amount_minor=q.source_amount_minor,
        target_amount_minor=q.target_amount_minor,
        rate=str(q.rate),
        reference_rate=str(q.reference_rate),
        spread_bps=q.spread_bps,
        margin_minor=q.margin_minor,
        expires_at=q.expires_at.isoformat(),
        used_by=used_by,
    )


PAYMENT_FIELDS = [f for f in PaymentOut.model_fields if f != "events"]


def payment_out(p: Payment | dict[str, Any], *, events: bool = True) -> PaymentOut:
    """A payment (or its stored row) as the API shows it; with its history if it has one."""
    values = {f: p[f] if isinstance(p, dict) else getattr(p, f) for f in PAYMENT_FIELDS}
    values["state"] = str(values["state"])
    if isinstance(values["settlement_date"], date):
        values["settlement_date"] = values["settlement_date"].isoformat()
    history = (
        [
            EventOut(at=e.at, state=str(e.state), reason_code=e.reason_code, reason=e.reason)
            for e in p.events
        ]
        if events and isinstance(p, Payment)
        else None
    )
    return PaymentOut(**values, events=history)


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
        run_id=r.run_id,
    )


def day_out(d: VostroDay) -> VostroDayOut:
    return VostroDayOut(
        bic=d.bic,
        day=d.day.isoformat(),
        vostro_minor=d.vostro_minor,
        invested_minor=d.invested_minor,
        interest_minor=d.interest_minor,
    )


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

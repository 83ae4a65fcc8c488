"""Participants, accounts, statements, FX quotes, payments and the queue (`/v1`)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from vostro.iso20022.gateway import import_message
from vostro.iso20022.inbound import MessageRejected, read_message
from vostro.iso20022.statements import statement
from vostro.ledger.types import Account
from vostro.money import currency, format_amount
from vostro.participants.model import AccountKind, Participant, Status
from vostro.participants.model import Role as ParticipantRole
from vostro.payments.model import Payment, PaymentRequest, State
from vostro.platform import Platform
from vostro.service import problems
from vostro.service.app import Service, principal, require, service_of
from vostro.service.auth import Principal, Role
from vostro.service.commands import act
from vostro.service.groups import Submission
from vostro.service.problems import Problem, forbidden, invalid, not_found
from vostro.service.schemas import (
    AccountOut,
    EventOut,
    FundsIn,
    FundsOut,
    ParticipantIn,
    ParticipantOut,
    PaymentIn,
    PaymentOut,
    PriorityIn,
    QueueEntryOut,
    QuoteIn,
    QuoteOut,
    ReturnIn,
    StatementLine,
    StatementOut,
    StatusChange,
)
from vostro.settlement.queue import Priority
from vostro.store import readmodels as queries

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)
Who = Annotated[Principal, Depends(principal)]
Svc = Annotated[Service, Depends(service_of)]
BicPath = Annotated[str, Query(max_length=11)]
XML = "application/xml"


# ------------------------------------------------------------------ participants
def visible(svc: Service, who: Principal, bic: str) -> Participant:
    """The participant, if the caller may see it; otherwise 404 whether or not it exists."""
    found = svc.platform.registry.find(bic.upper()) if len(bic) in (8, 11) else None
    if found is None or not who.sees(found.bic):
        raise not_found(f"participant {bic}")
    return found


def participant_out(p: Participant) -> ParticipantOut:
    return ParticipantOut(
        bic=p.bic,
        name=p.name,
        country=p.country,
        roles=sorted(str(r) for r in p.roles),
        currencies=list(p.currencies),
        correspondent_bic=p.correspondent_bic,
        status=str(p.status),
    )


@router.get("/participants", tags=["participants"])
def list_participants(who: Who, svc: Svc) -> list[ParticipantOut]:
    """Every participant (a participant key sees only itself)."""
    return [participant_out(p) for p in svc.platform.registry.all() if who.sees(p.bic)]


@router.post("/participants", status_code=201, tags=["participants"])
async def register_participant(
    body: ParticipantIn, who: Who, svc: Svc, request: Request
) -> ParticipantOut:
    """Register a bank, money transfer operator or FX provider and open its accounts."""
    require(who, Role.OPERATOR)
    registered = await act(
        request,
        who,
        "participant.register",
        body.bic,
        lambda p: p.registry.register(
            body.bic,
            body.name,
            [ParticipantRole(r) for r in body.roles],
            body.currencies,
            correspondent_bic=body.correspondent_bic,
            actor=who.name,
        ),
        name=body.name,
        roles=body.roles,
        currencies=body.currencies,
    )
    return participant_out(registered)


@router.get("/participants/{bic}", tags=["participants"])
def get_participant(bic: str, who: Who, svc: Svc) -> ParticipantOut:
    return participant_out(visible(svc, who, bic))


async def _set_status(
    bic: str, body: StatusChange, who: Who, svc: Svc, request: Request, status: Status
) -> ParticipantOut:
    target = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    changed = await act(
        request,
        who,
        f"participant.{'suspend' if status is Status.SUSPENDED else 'reinstate'}",
        target.bic,
        lambda p: p.registry.set_status(target.bic, status, actor=who.name, reason=body.reason),
        reason=body.reason,
    )
    return participant_out(changed)


@router.post("/participants/{bic}/suspend", tags=["participants"])
async def suspend(
    bic: str, body: StatusChange, who: Who, svc: Svc, request: Request
) -> ParticipantOut:
    """No new payments to or from the participant until it is reinstated."""
    return await _set_status(bic, body, who, svc, request, Status.SUSPENDED)


@router.post("/participants/{bic}/reinstate", tags=["participants"])
async def reinstate(
    bic: str, body: StatusChange, who: Who, svc: Svc, request: Request
) -> ParticipantOut:
    return await _set_status(bic, body, who, svc, request, Status.ACTIVE)


async def _funds(
    bic: str, body: FundsIn, who: Who, svc: Svc, request: Request, *, defund: bool
) -> FundsOut:
    target = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    transfer_id = body.transfer_id or uuid.uuid4().int
    code = currency(body.currency).code

    def run(platform: Platform) -> tuple[str, int]:
        if defund:
            result = str(
                platform.registry.defund(
                    target.bic, body.amount_minor, code, transfer_id=transfer_id, actor=who.name
                )
            )
        else:
            result = platform.fund(
                target.bic, body.amount_minor, code, transfer_id=transfer_id, actor=who.name
            )
        return result, platform.registry.balance(target.bic, code)

    result, balance = await act(
        request,
        who,
        "participant.defund" if defund else "participant.fund",
        target.bic,
        run,
        amount_minor=body.amount_minor,
        currency=code,
    )
    if result not in ("ok", "exists"):
        raise Problem(
            422,
            f"funding-{result}",
            "Funding refused",
            f"the ledger refused the transfer: {result}",
            code="AM04" if "exceeds" in result else None,
        )
    return FundsOut(
        bic=target.bic,
        currency=code,
        amount_minor=body.amount_minor,
        result=result,
        transfer_id=str(transfer_id),
        balance_minor=balance,
    )


@router.post("/participants/{bic}/funds", tags=["participants"])
async def fund(bic: str, body: FundsIn, who: Who, svc: Svc, request: Request) -> FundsOut:
    """Credit the participant's settlement account from the central funding account (a
    transfer in from its reserves); queued payments are retried with the new liquidity."""
    return await _funds(bic, body, who, svc, request, defund=False)


@router.post("/participants/{bic}/defunds", tags=["participants"])
async def defund(bic: str, body: FundsIn, who: Who, svc: Svc, request: Request) -> FundsOut:
    """Return liquidity from the participant's settlement account to its reserves."""
    return await _funds(bic, body, who, svc, request, defund=True)


# ---------------------------------------------------------------- accounts
SHOWN_KINDS = (AccountKind.SETTLEMENT, AccountKind.VOSTRO, AccountKind.INVESTMENT, AccountKind.FEE)


def accounts_of(
    svc: Service, people: list[Participant]
) -> list[tuple[Participant, AccountKind, str, Account]]:
    """The participants' accounts that exist, in one read: (participant, kind, currency, it)."""
    ids = [
        (p, kind, code, p.account(kind, code))
        for p in people
        for code in p.currencies
        for kind in SHOWN_KINDS
    ]
    found = {a.id: a for a in svc.platform.store.get_accounts([i for *_, i in ids])}
    return [(p, kind, code, found[i]) for p, kind, code, i in ids if i in found]


@router.get("/participants/{bic}/accounts", tags=["accounts"])
def accounts(bic: str, who: Who, svc: Svc) -> list[AccountOut]:
    """The participant's accounts with their four balances (minor units)."""
    p = visible(svc, who, bic)
    out = []
    for _, kind, code, a in accounts_of(svc, [p]):
        balance = a.credits_posted - a.debits_posted
        out.append(
            AccountOut(
                account_id=str(a.id),
                kind=kind.name.lower(),
                currency=code,
                debits_posted_minor=a.debits_posted,
                credits_posted_minor=a.credits_posted,
                debits_pending_minor=a.debits_pending,
                credits_pending_minor=a.credits_pending,
                balance_minor=balance,
                available_minor=balance - a.debits_pending,
                balance=format_amount(balance, code),
            )
        )
    return out


def _account_for(
    svc: Service, who: Principal, bic: str, code: str, kind: str
) -> tuple[Participant, int, str]:
    p = visible(svc, who, bic)
    try:
        code = currency(code).code
    except Exception:
        raise not_found(f"{code} account of {bic}") from None
    chosen = AccountKind[kind.upper()]
    account_id = (
        p.paying_account(code) if chosen is AccountKind.SETTLEMENT else p.account(chosen, code)
    )
    if not svc.platform.store.get_accounts([account_id]):
        raise not_found(f"{code} {kind} account of {bic}")
    return p, account_id, code


@router.get(
    "/participants/{bic}/statement",
    tags=["accounts"],
    responses={200: {"content": {XML: {"schema": {"type": "string"}}}}},
)
def account_statement(
    bic: str,
    who: Who,
    svc: Svc,
    currency_code: Annotated[str, Query(alias="currency", pattern=r"^[A-Z]{3}$")],
    kind: Literal["settlement", "vostro", "investment", "fee"] = "settlement",
    day: date | None = None,
    format: Literal["json", "camt.053"] = "json",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """The account's entries with the balance after each (JSON, newest first), or its
    camt.053 end-of-day statement for `day` (which reconciles with the ledger). `settlement`
    means where the participant's money in that currency sits (a Russian bank's rupees: its
    vostro account)."""
    p, account_id, code = _account_for(svc, who, bic, currency_code, kind)
    if format == "camt.053":
        made = statement(
            svc.platform.store, account_id, day or datetime.now(UTC).date(), svc.xsd_dir
        )
        return Response(made.xml, media_type=XML)
    history = svc.platform.store.account_history(account_id, limit=limit, reverse=True)
    transfers = {
        t.id: t for t in svc.platform.store.get_transfers([h.transfer_id for h in history])
    }
    refs = svc.platform.store.payment_refs({t.user_data_128 for t in transfers.values()} - {0})
    lines = []
    for h in history:
        t = transfers[h.transfer_id]
        debit = t.debit_account_id == account_id
        lines.append(
            StatementLine(
                transfer_id=str(t.id),
                timestamp=h.timestamp,
                debit_minor=t.amount if debit else 0,
                credit_minor=0 if debit else t.amount,
                balance_minor=h.credits_posted - h.debits_posted,
                code=t.code,
                counterparty_account=str(t.credit_account_id if debit else t.debit_account_id),
                payment_uetr=refs[t.user_data_128][1] if t.user_data_128 in refs else None,
            )
        )
    return StatementOut(bic=p.bic, account_id=str(account_id), currency=code, lines=lines)


# ------------------------------------------------------------------------ FX
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


@router.post("/fx/quotes", status_code=201, tags=["fx"])
async def request_quote(body: QuoteIn, who: Who, svc: Svc, request: Request) -> QuoteOut:
    """A firm quote from an FX provider's standing rate, valid for ten minutes; name its id in
    the cross-currency payment."""
    require(who, Role.OPERATOR, Role.PARTICIPANT)
    payer = body.payer or who.bic
    if payer is None:
        raise invalid([{"loc": ("body", "payer"), "msg": "the operator names the payer"}])
    visible(svc, who, payer)
    provider = svc.platform.registry.find(body.provider)
    if provider is None or ParticipantRole.FX_PROVIDER not in provider.roles:
        raise Problem(
            422,
            "no-fx-provider",
            "Not an FX provider",
            f"{body.provider} is not an FX provider on vostro",
            code="AC01",
        )
    import time

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
def get_quote(quote_id: str, who: Who, svc: Svc) -> QuoteOut:
    found = svc.platform.desk.get_quote(quote_id) if len(quote_id) <= 64 else None
    if found is None or not (who.sees(found[1]) or who.sees(found[0].provider_id)):
        raise not_found(f"quote {quote_id}")
    q, requested_by, used_by = found
    return quote_out(q, requested_by, used_by)


# ------------------------------------------------------------------ payments
PAYMENT_FIELDS = [f for f in PaymentOut.model_fields if f != "events"]


def payment_out(p: Payment | dict[str, Any], *, events: bool = True) -> PaymentOut:
    """A payment (or its stored row) as the API shows it; with its history if it has one."""
    values = {f: p[f] if isinstance(p, dict) else getattr(p, f) for f in PAYMENT_FIELDS}
    values["state"] = str(values["state"])
    history = (
        [
            EventOut(at=e.at, state=str(e.state), reason_code=e.reason_code, reason=e.reason)
            for e in p.events
        ]
        if events and isinstance(p, Payment)
        else None
    )
    return PaymentOut(**values, events=history)


def _own_payment(svc: Service, who: Principal, uetr: str) -> Payment:
    p = svc.platform.payments.get(uetr) if len(uetr) == 36 else None
    if p is None or not (who.sees(p.debtor_agent) or who.sees(p.creditor_agent)):
        raise not_found(f"payment {uetr}")
    return p


PAYMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": PaymentIn.model_json_schema()},
            XML: {
                "schema": {
                    "type": "string",
                    "description": "An ISO 20022 pacs.008 or pacs.009 message (optionally "
                    "in a business application header envelope)",
                }
            },
        },
    }
}


@router.post(
    "/payments",
    status_code=201,
    tags=["payments"],
    openapi_extra=PAYMENT_BODY,
    responses={
        200: {
            "description": "ISO 20022 in: the pacs.002 status report",
            "content": {XML: {"schema": {"type": "string"}}},
        },
        201: {
            "model": PaymentOut,
            "description": "The payment, settled, queued, clearing, "
            "held or rejected (with its ISO reason code)",
        },
    },
    response_model=None,
)
async def submit_payment(request: Request, who: Who, svc: Svc) -> Response | PaymentOut:
    """Submit a payment. JSON gives the payment back with its state; an ISO 20022 message gives
    a pacs.002. The same UETR sent again returns the stored payment (it settles once)."""
    require(who, Role.OPERATOR, Role.PARTICIPANT)
    body = await request.body()
    if "xml" in request.headers.get("content-type", ""):
        return await _submit_xml(request, who, svc, body)
    try:
        data = PaymentIn.model_validate_json(body)
    except ValidationError as error:
        raise invalid(error.errors()) from None
    debtor = data.debtor_agent or who.bic
    if debtor is None:
        raise invalid([{"loc": ("body", "debtor_agent"), "msg": "the operator names the payer"}])
    visible(svc, who, debtor)
    submission = Submission(
        PaymentRequest(
            uetr=data.uetr or str(uuid.uuid4()),
            end_to_end_id=data.end_to_end_id,
            debtor_agent=debtor,
            creditor_agent=data.creditor_agent,
            amount_minor=data.amount_minor,
            currency=data.currency,
            target_currency=data.target_currency,
            quote_id=data.quote_id,
            flow=data.flow,
            debtor_name=data.debtor_name,
            creditor_name=data.creditor_name,
            purpose=data.purpose,
            remittance_info=data.remittance_info,
        ),
        data.urgent,
        who.name,
        request.client.host if request.client else None,
        data.segment,
    )
    submitted = await svc.writer.run_grouped("submit", submission)
    outcome = submitted.outcome
    if isinstance(outcome, Exception):
        raise outcome
    payment: Payment = outcome
    fresh = payment  # as the writer left it, with its whole history
    return Response(
        payment_out(fresh).model_dump_json(),
        status_code=200 if submitted.replayed else 201,
        media_type="application/json",
        headers={"Location": f"/v1/payments/{fresh.uetr}"},
    )


async def _submit_xml(request: Request, who: Principal, svc: Service, body: bytes) -> Response:
    if who.role is Role.PARTICIPANT:  # parsed in a worker thread: the event loop goes on
        await run_in_threadpool(_sender_check, svc, who, body)
    result = await act(
        request,
        who,
        "payment.import",
        "iso20022",
        lambda p: import_message(p, body, svc.xsd_dir),
        bytes=len(body),
    )
    return Response(result.report, media_type=XML)


def _sender_check(svc: Service, who: Principal, body: bytes) -> None:
    """A participant sends messages only as the debtor agent: anything else is not found."""
    try:
        message = read_message(body, svc.xsd_dir)
    except MessageRejected:
        return  # the gateway answers it with a group RJCT
    for inbound in message.payments:
        agent = inbound.debtor_agent
        found = svc.platform.registry.resolve(agent.bic or agent.clearing_member or "")
        if found is None or found.bic != who.bic:
            raise not_found(f"participant {agent.bic or agent.clearing_member}")


@router.get("/payments", tags=["payments"])
def list_payments(
    who: Who,
    svc: Svc,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[
        int | None, Query(ge=0, description="created_at of the last one seen")
    ] = None,
) -> list[PaymentOut]:
    """Payments the caller sent or received, newest first (without their history)."""
    bic = who.bic if who.role is Role.PARTICIPANT else None
    uetrs = queries.payment_uetrs(svc.engine, bic, state=state, limit=limit, before=before)
    rows = queries.payment_rows(svc.engine, [u for u, _ in uetrs])
    return [payment_out(row, events=False) for row in rows]


@router.get("/payments/{uetr}", tags=["payments"])
def get_payment(uetr: str, who: Who, svc: Svc) -> PaymentOut:
    """One payment and every state it went through, with times and reasons."""
    return payment_out(_own_payment(svc, who, uetr))


async def _queued_action(
    uetr: str, who: Principal, svc: Service, request: Request, action: str, fn: Any, **detail: Any
) -> PaymentOut:
    p = await run_in_threadpool(_own_payment, svc, who, uetr)
    if who.role is Role.AUDITOR or (who.role is Role.PARTICIPANT and who.bic != p.debtor_agent):
        raise forbidden("only the sender may do this")
    done = await act(request, who, action, uetr, lambda pl: fn(pl, p), **detail)
    return payment_out(done)


@router.post("/payments/{uetr}/cancel", tags=["payments"])
async def cancel(uetr: str, who: Who, svc: Svc, request: Request) -> PaymentOut:
    """Withdraw a payment still queued for liquidity (DS02)."""
    return await _queued_action(
        uetr,
        who,
        svc,
        request,
        "payment.cancel",
        lambda pl, p: pl.payments.cancel(uetr, p.debtor_agent),
    )


@router.post("/payments/{uetr}/priority", tags=["payments"])
async def reprioritise(
    uetr: str, body: PriorityIn, who: Who, svc: Svc, request: Request
) -> PaymentOut:
    """Move a queued payment to urgent or back to normal."""
    level = Priority.URGENT if body.priority == "urgent" else Priority.NORMAL
    return await _queued_action(
        uetr,
        who,
        svc,
        request,
        "payment.priority",
        lambda pl, p: pl.payments.reprioritise(uetr, p.debtor_agent, level),
        priority=body.priority,
    )


@router.post("/payments/{uetr}/return", status_code=201, tags=["payments"])
async def return_payment(
    uetr: str, body: ReturnIn, who: Who, svc: Svc, request: Request
) -> PaymentOut:
    """The payee sends a settled payment back (pacs.004); the return is a payment of its own."""
    p = await run_in_threadpool(_own_payment, svc, who, uetr)
    if who.role is Role.AUDITOR or (who.role is Role.PARTICIPANT and who.bic != p.creditor_agent):
        raise forbidden("only the payee may return a payment")
    back = await act(
        request,
        who,
        "payment.return",
        uetr,
        lambda pl: pl.payments.return_payment(
            uetr, body.return_uetr or str(uuid.uuid4()), body.reason
        ),
        reason=body.reason,
    )
    return payment_out(back)  # as the writer left it, with its history


@router.get("/queue", tags=["payments"])
def queue(
    who: Who,
    svc: Svc,
    currency_code: Annotated[str | None, Query(alias="currency", pattern=r"^[A-Z]{3}$")] = None,
) -> list[QueueEntryOut]:
    """Payments waiting for liquidity, in settlement order (a participant: its own)."""
    payer = who.bic if who.role is Role.PARTICIPANT else None
    return [
        QueueEntryOut(
            uetr=e.uetr,
            payer=e.payer,
            currency=e.currency,
            priority=e.priority.name.lower(),
            queued_at=e.arrival,
            deadline=e.deadline_at,
        )
        for e in svc.platform.settlement_views.queue(currency_code, payer)
    ]

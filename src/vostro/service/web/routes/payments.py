"""Payments (`/v1/payments`, `/v1/queue`): submission (JSON or ISO 20022), lists, one payment with
its history and pacs.002 status, cancel, priority and return."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from vostro.iso20022.gateway import import_message
from vostro.iso20022.inbound import MessageRejected, read_message
from vostro.iso20022.outbound import payment_status_report
from vostro.payments.model import Payment, PaymentRequest, State
from vostro.service import problems
from vostro.service.auth import Principal, Role
from vostro.service.problems import forbidden, invalid, not_found
from vostro.service.web import paging
from vostro.service.web.actions import act
from vostro.service.web.context import Service
from vostro.service.web.deps import Svc, Who, origin, require
from vostro.service.web.lookups import (
    own_payment,
    visible,
)
from vostro.service.web.outputs import (
    XML,
    payment_out,
)
from vostro.service.web.params import Settled, UetrPath
from vostro.service.web.schemas import (
    PaymentIn,
    PaymentOut,
    PriorityIn,
    QueueEntryOut,
    ReturnIn,
)
from vostro.service.writer.groups import Submission
from vostro.settlement.queue import Priority

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)


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
            "model": PaymentOut,
            "description": "ISO 20022 in: the pacs.002 status report. JSON in: the same payment "
            "sent again (its UETR), as it is stored",
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
        raise forbidden("the operator pays nothing itself: name the paying bank in `debtor_agent`")
    if debtor != who.bic:  # a participant paying from itself needs no look-up
        visible(svc, who, debtor)
    submission = Submission(
        _request(data, debtor), data.urgent, who.name, origin(request), data.segment
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


def _request(data: PaymentIn, debtor: str) -> PaymentRequest:
    return PaymentRequest(
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
        settlement_date=data.settlement_date,
        next_day_if_late=data.next_day_if_late,
    )


async def _submit_xml(request: Request, who: Principal, svc: Service, body: bytes) -> Response:
    if who.role is Role.PARTICIPANT:  # parsed in a worker thread: the event loop goes on
        await run_in_threadpool(_sender_check, svc, who, body)
    sender = who.bic if who.role is Role.PARTICIPANT else None  # a header must name it
    xsd_dir = svc.xsd_dir  # the command runs on the writer, which may be another process
    result = await act(
        request,
        who,
        "payment.import",
        "iso20022",
        lambda p: import_message(p, body, xsd_dir, sender=sender),
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
    request: Request,
    response: Response,
    state: State | None = None,
    limit: Annotated[int, paging.LimitQuery] = 50,
    cursor: Annotated[str | None, paging.BY_TIME_AND_UETR.query()] = None,
) -> paging.Page[PaymentOut]:
    """Payments the caller sent or received, newest first (without their history), a page at a
    time: pass `next_cursor` as `cursor` for the next."""
    bic = who.bic if who.role is Role.PARTICIPANT else None
    start = paging.BY_TIME_AND_UETR.decode(cursor)
    rows = svc.platform.read(
        lambda uow: uow.read_models.recent_payments(
            bic,
            state=state,
            limit=limit + 1,
            after=None if start is None else (int(start[0]), str(start[1])),
        )
    )
    kept, after = paging.page(
        request, response, rows, limit, lambda r: (r["created_at"], r["uetr"])
    )
    return paging.Page(items=[payment_out(row, events=False) for row in kept], next_cursor=after)


@router.get("/payments/{uetr}", tags=["payments"])
def get_payment(uetr: UetrPath, who: Who, svc: Svc) -> PaymentOut:
    """One payment and every state it went through, with times and reasons."""
    return payment_out(own_payment(svc, who, uetr))


async def _queued_action(
    uetr: str, who: Principal, svc: Service, request: Request, action: str, fn: Any, **detail: Any
) -> PaymentOut:
    p = await run_in_threadpool(own_payment, svc, who, uetr)
    if who.role is Role.AUDITOR or (who.role is Role.PARTICIPANT and who.bic != p.debtor_agent):
        raise forbidden("only the sender may do this")
    done = await act(request, who, action, uetr, lambda pl: fn(pl, p), **detail)
    return payment_out(done)


@router.post("/payments/{uetr}/cancel", tags=["payments"])
async def cancel(uetr: UetrPath, who: Who, svc: Svc, request: Request) -> PaymentOut:
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
    uetr: UetrPath, body: PriorityIn, who: Who, svc: Svc, request: Request
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
    uetr: UetrPath, body: ReturnIn, who: Who, svc: Svc, request: Request
) -> PaymentOut:
    """The payee sends a settled payment back (pacs.004); the return is a payment of its own."""
    p = await run_in_threadpool(own_payment, svc, who, uetr)
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
    request: Request,
    response: Response,
    currency_code: Annotated[Settled | None, Query(alias="currency")] = None,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_QUEUE_ORDER.query()] = None,
) -> paging.Page[QueueEntryOut]:
    """Payments waiting for liquidity, in settlement order (a participant: its own), a page at
    a time."""
    payer = who.bic if who.role is Role.PARTICIPANT else None
    start = paging.BY_QUEUE_ORDER.decode(cursor)
    entries = svc.platform.settlement_views.queue(
        currency_code,
        payer,
        limit=limit + 1,
        after=None if start is None else (int(start[0]), int(start[1]), str(start[2])),
    )
    kept, after = paging.page(
        request, response, entries, limit, lambda e: (int(e.priority), e.arrival, e.uetr)
    )
    items = [
        QueueEntryOut(
            uetr=e.uetr,
            payer=e.payer,
            currency=e.currency,
            priority=e.priority.name.lower(),
            queued_at=e.arrival,
            deadline=e.deadline_at,
        )
        for e in kept
    ]
    return paging.Page(items=items, next_cursor=after)


@router.get(
    "/payments/{uetr}/status",
    tags=["payments"],
    responses={200: {"content": {XML: {"schema": {"type": "string"}}}}},
    response_class=Response,
)
def payment_status(uetr: UetrPath, who: Who, svc: Svc) -> Response:
    """The payment's ISO 20022 pacs.002 status report as it stands now (ACSC, PDNG, ACCP, or
    RJCT with its reason code), to its sender from the operator, with a business application
    header (head.001.001.02)."""
    p = own_payment(svc, who, uetr)
    operator = svc.platform.registry.operator().bic
    return Response(payment_status_report(p, svc.xsd_dir, operator_bic=operator), media_type=XML)

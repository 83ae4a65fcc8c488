"""Participants and their accounts (`/v1/participants`): registration, aliases, suspension,
funding, balances, statements and fee schedules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from vostro.iso20022.statements import statement
from vostro.ledger.types import CreateTransferResult
from vostro.money import currency, format_amount
from vostro.participants.model import AccountKind, Participant, Status
from vostro.participants.model import Role as ParticipantRole
from vostro.payments.fees import FeeSchedule
from vostro.platform import Platform
from vostro.service import problems
from vostro.service.auth import Principal, Role
from vostro.service.problems import not_found
from vostro.service.web import paging
from vostro.service.web.actions import act
from vostro.service.web.context import Service
from vostro.service.web.deps import Svc, Who, require
from vostro.service.web.lookups import (
    accounts_of,
    checked_currency,
    visible,
)
from vostro.service.web.outputs import (
    XML,
    participant_out,
)
from vostro.service.web.params import BicPath, CurrencyPath, IsoDate, Settled
from vostro.service.web.schemas import (
    AccountOut,
    AliasIn,
    Done,
    FeeIn,
    FundsIn,
    FundsOut,
    ParticipantIn,
    ParticipantOut,
    StatementLine,
    StatementOut,
    StatusChange,
)

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)


@router.get("/participants", tags=["participants"])
def list_participants(
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_BIC.query()] = None,
) -> paging.Page[ParticipantOut]:
    """Every participant by BIC, a page at a time (a participant key sees only itself)."""
    start = paging.BY_BIC.decode(cursor)
    seen = [p for p in svc.platform.registry.all() if who.sees(p.bic)]
    rows = paging.after(seen, start, lambda p: (p.bic,), limit)
    kept, after = paging.page(request, response, rows, limit, lambda p: (p.bic,))
    return paging.Page(items=[participant_out(p) for p in kept], next_cursor=after)


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
def get_participant(bic: BicPath, who: Who, svc: Svc) -> ParticipantOut:
    return participant_out(visible(svc, who, bic))


@router.post("/participants/{bic}/aliases", tags=["participants"])
async def add_alias(bic: BicPath, body: AliasIn, who: Who, svc: Svc, request: Request) -> Done:
    """Let ISO 20022 messages name the participant by another identifier, such as a clearing
    system member id ("USABA:011104238")."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    await act(
        request,
        who,
        "participant.alias",
        found.bic,
        lambda p: p.registry.add_alias(found.bic, body.alias, actor=who.name),
        alias=body.alias,
    )
    return Done(detail=f"{body.alias} now names {found.bic}")


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
    bic: BicPath, body: StatusChange, who: Who, svc: Svc, request: Request
) -> ParticipantOut:
    """No new payments to or from the participant until it is reinstated."""
    return await _set_status(bic, body, who, svc, request, Status.SUSPENDED)


@router.post("/participants/{bic}/reinstate", tags=["participants"])
async def reinstate(
    bic: BicPath, body: StatusChange, who: Who, svc: Svc, request: Request
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
            result = platform.registry.defund(
                target.bic, body.amount_minor, code, transfer_id=transfer_id, actor=who.name
            )
        else:
            result = platform.fund(
                target.bic, body.amount_minor, code, transfer_id=transfer_id, actor=who.name
            )
        return str(result), platform.registry.balance(target.bic, code)

    result, balance = await act(
        request,
        who,
        "participant.defund" if defund else "participant.fund",
        target.bic,
        run,
        amount_minor=body.amount_minor,
        currency=code,
    )
    outcome = CreateTransferResult(result)
    if outcome not in problems.FUNDED:
        raise problems.funding_refused(outcome)
    return FundsOut(
        bic=target.bic,
        currency=code,
        amount_minor=body.amount_minor,
        result=result,
        transfer_id=str(transfer_id),
        balance_minor=balance,
    )


@router.post("/participants/{bic}/funds", tags=["participants"])
async def fund(bic: BicPath, body: FundsIn, who: Who, svc: Svc, request: Request) -> FundsOut:
    """Credit the participant's settlement account from the central funding account (a
    transfer in from its reserves); queued payments are retried with the new liquidity."""
    return await _funds(bic, body, who, svc, request, defund=False)


@router.post("/participants/{bic}/defunds", tags=["participants"])
async def defund(bic: BicPath, body: FundsIn, who: Who, svc: Svc, request: Request) -> FundsOut:
    """Return liquidity from the participant's settlement account to its reserves."""
    return await _funds(bic, body, who, svc, request, defund=True)


@router.get("/participants/{bic}/accounts", tags=["accounts"])
def accounts(bic: BicPath, who: Who, svc: Svc) -> list[AccountOut]:
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
    bic: BicPath,
    who: Who,
    svc: Svc,
    request: Request,
    response: Response,
    currency_code: Annotated[Settled, Query(alias="currency")],
    kind: Literal["settlement", "vostro", "investment", "fee"] = "settlement",
    day: IsoDate | None = None,
    format: Literal["json", "camt.053"] = "json",
    limit: Annotated[int, paging.LimitQuery] = 100,
    cursor: Annotated[str | None, paging.BY_ID.query()] = None,
) -> Any:
    """The account's entries with the balance after each (JSON, newest first, a page at a
    time: `next_cursor` and the `Link` header lead to the older ones), or its camt.053
    end-of-day statement for `day` (which reconciles with the ledger). `settlement` means where
    the participant's money in that currency sits (a Russian bank's rupees: its vostro
    account)."""
    p, account_id, code = _account_for(svc, who, bic, currency_code, kind)
    if format == "camt.053":
        made = statement(
            svc.platform.store, account_id, day or datetime.now(UTC).date(), svc.xsd_dir
        )
        return Response(made.xml, media_type=XML)
    start = paging.BY_ID.decode(cursor)
    history = svc.platform.store.account_history(
        account_id,
        limit=limit + 1,
        after_timestamp=0 if start is None else int(start[0]),
        reverse=True,
    )
    history, after = paging.page(request, response, history, limit, lambda h: (h.timestamp,))
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
    return StatementOut(
        bic=p.bic, account_id=str(account_id), currency=code, lines=lines, next_cursor=after
    )


@router.put("/participants/{bic}/fees/{code}", tags=["participants"])
async def set_fees(
    bic: BicPath, code: CurrencyPath, body: FeeIn, who: Who, svc: Svc, request: Request
) -> Done:
    """What the operator charges the participant per payment sent in the currency."""
    found = visible(svc, who, bic)
    require(who, Role.OPERATOR)
    schedule = FeeSchedule(checked_currency(code), body.fixed_minor, body.rate_bps, body.cap_minor)
    await act(
        request,
        who,
        "participant.fees",
        found.bic,
        lambda p: p.fees.set(found.bic, schedule, actor=who.name),
        currency=code,
    )
    return Done(detail=f"fees for {found.bic} in {code} set")

"""The ISO 20022 gateway: a message in, payments through the one payment service, a pacs.002 out.

A message refused as a whole (size, syntax, DTD, schema, header) gets a group-level RJCT and
changes nothing. Otherwise every transaction becomes a `PaymentRequest` and goes through the same
lifecycle as a JSON payment; its outcome becomes its status: ACSC settled, PDNG queued for
liquidity, ACCP accepted into a net settlement window, RJCT with the payment's reason code.

A message with a business application header must come from the participant the header names:
its `Fr` is a participant (RC01 if not), the one sending it when the caller knows who that is (an
API key's participant), and the debtor agent of every transaction in it (a participant sends its
own payments only). Its BizMsgIdr is unique per sender: a repeat is refused whole, AM05
(`headers.BusinessMessages`). The status report goes back to the sender (the header's `Fr`, the
caller, or the one debtor agent of every transaction) with a header of its own, from the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from vostro.iso20022.inbound import InboundMessage, InboundPayment, MessageRejected, read_message
from vostro.iso20022.outbound import TransactionStatus, status_report
from vostro.iso20022.xml import Route
from vostro.participants.registry import ParticipantError
from vostro.payments.model import PaymentRejected, PaymentRequest, Reason, State

STATUS_OF = {
    State.SETTLED: "ACSC",
    State.QUEUED: "PDNG",
    State.CLEARING: "ACCP",
    State.REJECTED: "RJCT",
    State.RETURNED: "ACSC",
}
UNREAD_TYPE = "pacs.008.001.08"  # what a group RJCT names when the message could not be read


class Platform(Protocol):
    """The platform's parts a message goes through (each call one command)."""

    registry: Any  # resolve(identifier) -> Participant | None; operator() -> Participant
    desk: Any  # get_quote(quote_id) -> (Quote, requested_by, used_by) | None
    payments: Any  # submit(request) -> Payment
    messages: Any  # receive(sender, business_message_id, definition) -> bool (headers.py)


@dataclass(frozen=True, slots=True)
class ImportResult:
    report: bytes  # the pacs.002
    statuses: list[TransactionStatus]
    group_reason: tuple[str, str] | None


def import_message(
    platform: Platform, data: bytes, xsd_dir: Path, *, sender: str | None = None
) -> ImportResult:
    """Read a message and submit its payments; `sender` is the participant (BIC) sending it,
    when the caller knows (an API key's participant)."""
    try:
        message = read_message(data, xsd_dir)
    except MessageRejected as rejected:
        return _refused(platform, rejected, None, sender, xsd_dir)
    try:
        header_sender = _check_header(platform, message, sender)
    except MessageRejected as rejected:
        named = platform.registry.resolve(message.header_from or "")
        return _refused(platform, rejected, message, sender or getattr(named, "bic", None), xsd_dir)
    payers: set[str] = set()
    statuses = [_submit(platform, p, payers) for p in message.payments]
    to = header_sender or sender or (payers.pop() if len(payers) == 1 else None)
    report = status_report(
        message.message_id,
        message.message_type,
        statuses,
        xsd_dir,
        route=_route(platform, to),
    )
    return ImportResult(report, statuses, None)


def _refused(
    platform: Platform,
    rejected: MessageRejected,
    message: InboundMessage | None,
    to: str | None,
    xsd_dir: Path,
) -> ImportResult:
    """The group RJCT of a message refused whole (to `to`, when known)."""
    reason = (rejected.code, rejected.reason)
    report = status_report(
        message.message_id if message else "",
        message.message_type if message else UNREAD_TYPE,
        [],
        xsd_dir,
        group_status="RJCT",
        group_reason=reason,
        route=_route(platform, to),
    )
    return ImportResult(report, [], reason)


def _check_header(platform: Platform, message: InboundMessage, sender: str | None) -> str | None:
    """The participant the header says sent the message, once the header's rules hold (and
    its identifier is recorded); None for a message without a header."""
    if message.header_from is None:
        return None
    found = platform.registry.resolve(message.header_from)
    if found is None:
        raise MessageRejected(
            "RC01", f"the header's sender (Fr) {message.header_from} is not a participant"
        )
    if sender is not None and found.bic != sender:
        raise MessageRejected(
            "RC01",
            f"the header names {found.bic} as its sender (Fr), but {sender} is sending it",
        )
    for index, p in enumerate(message.payments):
        agent = p.debtor_agent.bic or p.debtor_agent.clearing_member or ""
        payer = platform.registry.resolve(agent)
        if payer is not None and payer.bic != found.bic:
            raise MessageRejected(
                "RC01",
                f"the debtor agent {payer.bic} is not the header's sender {found.bic}: a "
                "participant sends only its own payments",
                index=index,
            )
    business_id = message.business_message_id or ""
    if not platform.messages.receive(found.bic, business_id, message.message_type):
        raise MessageRejected(
            "AM05", f"{found.bic} already sent a business message identified {business_id}"
        )
    return str(found.bic)


def _route(platform: Platform, to: str | None) -> Route | None:
    """From the operator to `to`; None (no header) if either is unknown."""
    if to is None:
        return None
    try:
        operator = platform.registry.operator()
    except ParticipantError:
        return None
    return Route(operator.bic, to)


def _submit(platform: Platform, p: InboundPayment, payers: set[str]) -> TransactionStatus:
    def status(
        code: str, reason_code: str | None = None, reason: str | None = None
    ) -> TransactionStatus:
        return TransactionStatus(
            p.uetr, p.end_to_end_id, p.instruction_id, code, reason_code, reason
        )

    bics = []
    for role, agent in (("debtor agent", p.debtor_agent), ("creditor agent", p.creditor_agent)):
        who = agent.bic or agent.clearing_member or ""
        participant = platform.registry.resolve(who)
        if participant is None:
            return status("RJCT", "RC01", f"the {role} {who} is not a participant")
        bics.append(participant.bic)
    payers.add(bics[0])
    try:
        request = _request(platform, p, *bics)
        payment = platform.payments.submit(request)
    except PaymentRejected as rejected:
        return status("RJCT", str(rejected.code), rejected.reason)
    if payment.state is State.REJECTED:
        return status("RJCT", payment.reason_code, payment.reason)
    return status(STATUS_OF.get(payment.state, "PDNG"))


def _request(
    platform: Platform, p: InboundPayment, debtor_agent: str, creditor_agent: str
) -> PaymentRequest:
    cross = p.instructed_currency is not None and p.instructed_currency != p.settlement_currency
    if cross and p.quote_id:
        found = platform.desk.get_quote(p.quote_id)
        if found is not None and found[0].target_amount_minor != p.settlement_amount_minor:
            raise PaymentRejected(
                Reason.WRONG_AMOUNT,
                f"the settlement amount differs from quote {p.quote_id}'s "
                f"{found[0].target_amount_minor} minor units",
            )
    return PaymentRequest(
        uetr=p.uetr,
        end_to_end_id=p.end_to_end_id,
        debtor_agent=debtor_agent,
        creditor_agent=creditor_agent,
        amount_minor=p.instructed_amount_minor
        if cross and p.instructed_amount_minor is not None
        else p.settlement_amount_minor,
        currency=p.instructed_currency
        if cross and p.instructed_currency
        else p.settlement_currency,
        target_currency=p.settlement_currency if cross else None,
        quote_id=p.quote_id,
        flow="remittance" if p.purpose == "SALA" else "trade",
        debtor_name=p.debtor.name or "",
        creditor_name=p.creditor.name or "",
        purpose=p.purpose,
        remittance_info=" ".join(p.remittance_info)[:140] or None,
        settlement_date=_value_date(p.settlement_date),
    )


def _value_date(text: str | None) -> date | None:
    """IntrBkSttlmDt, an xs:date: the date itself, whatever time zone suffix it carries."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise PaymentRejected(
            Reason.INVALID_DATE, f"IntrBkSttlmDt {text!r} is not a date YYYY-MM-DD"
        ) from None

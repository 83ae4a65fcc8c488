"""The ISO 20022 gateway: a message in, payments through the one payment service, a pacs.002 out.

A message refused as a whole (size, syntax, DTD, schema) gets a group-level RJCT and changes
nothing. Otherwise every transaction becomes a `PaymentRequest` and goes through the same
lifecycle as a JSON payment; its outcome becomes its status: ACSC settled, PDNG queued for
liquidity, ACCP accepted into a net settlement window, RJCT with the payment's reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vostro.iso20022.inbound import InboundPayment, MessageRejected, read_message
from vostro.iso20022.outbound import TransactionStatus, status_report
from vostro.payments.model import PaymentRejected, PaymentRequest, Reason, State

STATUS_OF = {
    State.SETTLED: "ACSC",
    State.QUEUED: "PDNG",
    State.CLEARING: "ACCP",
    State.REJECTED: "RJCT",
    State.RETURNED: "ACSC",
}


class Platform(Protocol):
    """The platform's parts a message goes through (each call one command)."""

    registry: Any  # resolve(identifier) -> Participant | None
    desk: Any  # get_quote(quote_id) -> (Quote, requested_by, used_by) | None
    payments: Any  # submit(request) -> Payment


@dataclass(frozen=True, slots=True)
class ImportResult:
    report: bytes  # the pacs.002
    statuses: list[TransactionStatus]
    group_reason: tuple[str, str] | None


def import_message(platform: Platform, data: bytes, xsd_dir: Path) -> ImportResult:
    try:
        message = read_message(data, xsd_dir)
    except MessageRejected as rejected:
        reason = (rejected.code, rejected.reason)
        report = status_report(
            "", "pacs.008.001.08", [], xsd_dir, group_status="RJCT", group_reason=reason
        )
        return ImportResult(report, [], reason)
    statuses = [_submit(platform, p) for p in message.payments]
    report = status_report(message.message_id, message.message_type, statuses, xsd_dir)
    return ImportResult(report, statuses, None)


def _submit(platform: Platform, p: InboundPayment) -> TransactionStatus:
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
    )

"""Messages vostro sends: pacs.002.001.10 status reports (built from the `pyiso20022` dataclasses,
serialised with xsdata, and validated against the official XSD before they leave).

Statuses (ExternalPaymentTransactionStatus1Code): ACSC settled, ACCP accepted and waiting (queued
or in a net settlement window), PDNG pending, RJCT rejected with an ExternalStatusReason1Code and
a sentence in `AddtlInf` (at most 105 characters each, as the schema allows).

A report to a participant (a `Route` from the operator) goes with its business application
header. Whatever text it carries back (an end-to-end id, a reason quoting the request) goes
through `vostro.text.for_xml`: a report never fails on the text of what it reports.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyiso20022.pacs.pacs_002_001_10 import pacs_002_001_10 as p002
from xsdata.models.datatype import XmlDateTime

from vostro.iso20022.xml import Route, render
from vostro.payments.model import Payment
from vostro.text import for_xml

PACS002_NS = "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"
ADDITIONAL_INFO_CHARS_MAX = 105  # Max105Text
ID_CHARS_MAX = 35  # Max35Text: message, instruction and end-to-end ids


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    """One transaction's status in a report (reason only with RJCT)."""

    uetr: str | None
    end_to_end_id: str | None
    instruction_id: str | None
    status: str  # ACSC | ACCP | PDNG | RJCT
    reason_code: str | None = None
    reason: str | None = None


def status_report(
    original_message_id: str,
    original_type: str,
    statuses: list[TransactionStatus],
    xsd_dir: Path,
    *,
    group_status: str | None = None,
    group_reason: tuple[str, str] | None = None,
    now: datetime | None = None,
    route: Route | None = None,
) -> bytes:
    """A pacs.002.001.10 for a received message: per transaction, or for the whole group (when
    the message was refused before any transaction could be read)."""
    moment = now or datetime.now(UTC)
    message_id = f"VSTR{uuid.uuid4().hex[:28].upper()}"
    group = p002.OriginalGroupHeader17(
        orgnl_msg_id=for_xml(original_message_id, ID_CHARS_MAX) or "UNKNOWN",
        orgnl_msg_nm_id=original_type,
        grp_sts=group_status,
        sts_rsn_inf=[_reason(*group_reason)] if group_reason else [],
    )
    document = p002.Document(
        fito_fipmt_sts_rpt=p002.FitoFipaymentStatusReportV10(
            grp_hdr=p002.GroupHeader91(
                msg_id=message_id, cre_dt_tm=XmlDateTime.from_datetime(moment)
            ),
            orgnl_grp_inf_and_sts=[group],
            tx_inf_and_sts=[
                p002.PaymentTransaction110(
                    orgnl_instr_id=for_xml(s.instruction_id, ID_CHARS_MAX),
                    orgnl_end_to_end_id=for_xml(s.end_to_end_id, ID_CHARS_MAX),
                    orgnl_uetr=s.uetr,
                    tx_sts=s.status,
                    sts_rsn_inf=[_reason(s.reason_code, s.reason or "")] if s.reason_code else [],
                )
                for s in statuses
            ],
        )
    )
    return render(
        document,
        PACS002_NS,
        xsd_dir / "pacs.002.001.10.xsd",
        route=route,
        message_id=message_id,
        now=moment,
    )


def _reason(code: str, text: str) -> p002.StatusReasonInformation12:
    safe = for_xml(text, 2 * ADDITIONAL_INFO_CHARS_MAX) or ""
    return p002.StatusReasonInformation12(
        rsn=p002.StatusReason6Choice(cd=for_xml(code, 4)),
        addtl_inf=[
            safe[i : i + ADDITIONAL_INFO_CHARS_MAX]
            for i in range(0, len(safe), ADDITIONAL_INFO_CHARS_MAX)
        ],
    )


# A payment's state as a pacs.002 transaction status: settled (or later returned) ACSC; accepted
# into a net settlement window ACCP; rejected RJCT; every state still in progress (queued for
# liquidity, held for a sanctions review, reserved) PDNG.
STATUS_OF_STATE = {
    "settled": "ACSC",
    "returned": "ACSC",
    "clearing": "ACCP",
    "rejected": "RJCT",
}
ORIGINAL_MESSAGE_UNKNOWN = "NOTPROVIDED"  # the original message id is not kept per payment


def payment_status_report(
    payment: Payment,
    xsd_dir: Path,
    *,
    original_type: str = "pacs.008.001.08",
    now: datetime | None = None,
    operator_bic: str | None = None,
) -> bytes:
    """The pacs.002.001.10 for one payment as it stands now, e.g. the RJCT (with its reason code
    and sentence) of a payment rejected after its sanctions screening hit. With the operator's
    BIC it goes to the payment's sender with a business application header."""
    status = STATUS_OF_STATE.get(str(payment.state), "PDNG")
    rejected = status == "RJCT"
    return status_report(
        ORIGINAL_MESSAGE_UNKNOWN,
        original_type,
        [
            TransactionStatus(
                payment.uetr,
                payment.end_to_end_id,
                None,
                status,
                payment.reason_code if rejected else None,
                payment.reason if rejected else None,
            )
        ],
        xsd_dir,
        now=now,
        route=Route(operator_bic, payment.debtor_agent) if operator_bic else None,
    )

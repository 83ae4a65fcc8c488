"""camt.056.001.08 cancellation requests for queued payments.

When the sender of a payment still waiting in the RTGS queue withdraws it, vostro records the
withdrawal as the FI-to-FI cancellation request it amounts to: assigned by the sender (the
debtor agent) to the settlement operator, naming the payment by UETR, end-to-end id and amount,
with the reason (ExternalCancellationReason1Code: CUST requested by the customer, DUPL duplicate,
...). The request validates against the official schema before it is kept or sent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pyiso20022.camt.camt_056_001_08 import camt_056_001_08 as c056
from xsdata.models.datatype import XmlDateTime

from vostro.iso20022.xml import render
from vostro.money import currency
from vostro.payments.model import Payment
from vostro.text import for_xml

CAMT056_NS = "urn:iso:std:iso:20022:tech:xsd:camt.056.001.08"
ADDITIONAL_INFO_CHARS_MAX = 105


def cancellation_request(
    payment: Payment, operator_bic: str, reason_code: str, reason: str, xsd_dir: Path
) -> bytes:
    """The camt.056 by which `payment`'s sender asks the operator to cancel it."""
    now = XmlDateTime.from_datetime(datetime.now(UTC))
    case_id = f"VSTR{uuid.uuid4().hex[:28].upper()}"
    sender, operator = _agent(payment.debtor_agent), _agent(operator_bic)
    amount = Decimal(payment.source_amount_minor).scaleb(
        -currency(payment.source_currency).exponent
    )
    document = c056.Document(
        fito_fipmt_cxl_req=c056.FitoFipaymentCancellationRequestV08(
            assgnmt=c056.CaseAssignment5(
                id=case_id,
                assgnr=c056.Party40Choice(agt=sender),
                assgne=c056.Party40Choice(agt=operator),
                cre_dt_tm=now,
            ),
            undrlyg=[
                c056.UnderlyingTransaction23(
                    tx_inf=[
                        c056.PaymentTransaction106(
                            cxl_id=case_id,
                            orgnl_end_to_end_id=for_xml(payment.end_to_end_id, 35),
                            orgnl_uetr=payment.uetr,
                            orgnl_intr_bk_sttlm_amt=c056.ActiveOrHistoricCurrencyAndAmount(
                                value=amount, ccy=payment.source_currency
                            ),
                            cxl_rsn_inf=[
                                c056.PaymentCancellationReason5(
                                    rsn=c056.CancellationReason33Choice(cd=reason_code),
                                    addtl_inf=[
                                        t for t in [for_xml(reason, ADDITIONAL_INFO_CHARS_MAX)] if t
                                    ],
                                )
                            ],
                        )
                    ]
                )
            ],
        )
    )
    return render(document, CAMT056_NS, xsd_dir / "camt.056.001.08.xsd")


def _agent(bic: str) -> c056.BranchAndFinancialInstitutionIdentification6:
    return c056.BranchAndFinancialInstitutionIdentification6(
        fin_instn_id=c056.FinancialInstitutionIdentification18(bicfi=bic)
    )

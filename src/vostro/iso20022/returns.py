"""pacs.004.001.09 payment returns, built from a return payment and the payment it returns.

The return names the original by its message-independent references (UETR, end-to-end and
instruction ids) and amount, states the returned interbank settlement amount (what went back along
the original legs) and the return reason (ExternalReturnReason1Code, e.g. AC04 closed account).
Sent to a participant (a `Route` from the operator: the original payer's bank gets its money
back), it goes with its business application header; its text goes through
`vostro.text.for_xml`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pyiso20022.pacs.pacs_004_001_09 import pacs_004_001_09 as p004
from xsdata.models.datatype import XmlDateTime

from vostro.iso20022.xml import Route, render
from vostro.money import currency
from vostro.payments.model import Payment
from vostro.text import for_xml

PACS004_NS = "urn:iso:std:iso:20022:tech:xsd:pacs.004.001.09"
ADDITIONAL_INFO_CHARS_MAX = 105
ID_CHARS_MAX = 35


def return_message(
    original: Payment,
    back: Payment,
    reason_code: str,
    reason: str,
    xsd_dir: Path,
    *,
    route: Route | None = None,
) -> bytes:
    """The pacs.004 for `back`, the settled return of `original`."""
    now = XmlDateTime.from_datetime(datetime.now(UTC))
    message_id = f"VSTR{uuid.uuid4().hex[:28].upper()}"
    document = p004.Document(
        pmt_rtr=p004.PaymentReturnV09(
            grp_hdr=p004.GroupHeader90(
                msg_id=message_id,
                cre_dt_tm=now,
                nb_of_txs="1",
                sttlm_inf=p004.SettlementInstruction7(sttlm_mtd=p004.SettlementMethod1Code.CLRG),
            ),
            tx_inf=[
                p004.PaymentTransaction112(
                    rtr_id=for_xml(back.end_to_end_id, ID_CHARS_MAX),
                    orgnl_end_to_end_id=for_xml(original.end_to_end_id, ID_CHARS_MAX),
                    orgnl_uetr=original.uetr,
                    orgnl_intr_bk_sttlm_amt=p004.ActiveOrHistoricCurrencyAndAmount(
                        value=_decimal(original.target_amount_minor, original.target_currency),
                        ccy=original.target_currency,
                    ),
                    rtrd_intr_bk_sttlm_amt=p004.ActiveCurrencyAndAmount(
                        value=_decimal(back.source_amount_minor, back.source_currency),
                        ccy=back.source_currency,
                    ),
                    instg_agt=_agent(back.debtor_agent),
                    instd_agt=_agent(back.creditor_agent),
                    rtr_rsn_inf=[
                        p004.PaymentReturnReason6(
                            rsn=p004.ReturnReason5Choice(cd=reason_code),
                            addtl_inf=[
                                t for t in [for_xml(reason, ADDITIONAL_INFO_CHARS_MAX)] if t
                            ],
                        )
                    ],
                )
            ],
        )
    )
    return render(
        document, PACS004_NS, xsd_dir / "pacs.004.001.09.xsd", route=route, message_id=message_id
    )


def _decimal(minor: int, code: str) -> Decimal:
    return Decimal(minor).scaleb(-currency(code).exponent)


def _agent(bic: str) -> p004.BranchAndFinancialInstitutionIdentification6:
    return p004.BranchAndFinancialInstitutionIdentification6(
        fin_instn_id=p004.FinancialInstitutionIdentification18(bicfi=bic)
    )

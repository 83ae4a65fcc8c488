"""ISO 20022 business rules: each rule broken by a message, refused with its reason code and
nothing posted; the published samples still accepted; every message vostro sends a participant
carries a business application header that validates against head.001.001.02."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree

from tests.corridor import OPERATOR, SBI, UCO, VTB
from tests.e2e.test_cli import vostro
from tests.integration.test_iso_gateway import FIXTURE, XSD, resent, statuses, with_quotes
from vostro.iso20022.gateway import import_message
from vostro.iso20022.inbound import MessageRejected, read_message
from vostro.iso20022.outbound import payment_status_report
from vostro.iso20022.reports import read_report
from vostro.iso20022.returns import return_message
from vostro.iso20022.statements import notification, statement
from vostro.payments.model import Payment, PaymentRequest, State
from vostro.platform import Platform
from vostro.store import open_store
from vostro.store.verify import verify

HEAD = {"h": "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"}
P002 = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"}
SAMPLES = XSD.parent / "samples"
pytestmark = pytest.mark.skipif(not XSD.exists(), reason=f"the ISO 20022 schemas are not at {XSD}")


def group_refusal(report: bytes) -> tuple[str | None, str | None]:
    root = etree.fromstring(report)
    return (
        root.findtext(".//p:OrgnlGrpInfAndSts/p:GrpSts", namespaces=P002),
        root.findtext(".//p:OrgnlGrpInfAndSts/p:StsRsnInf/p:Rsn/p:Cd", namespaces=P002),
    )


def refused_whole(platform: Platform, data: bytes, code: str, **kwargs: object) -> str:
    """Import `data`: it must be refused as a whole with `code`, moving no money."""
    before = platform.store.counts()["transfers"]
    result = import_message(platform, data, XSD, **kwargs)  # type: ignore[arg-type]
    assert result.group_reason is not None and result.group_reason[0] == code, result.group_reason
    assert group_refusal(result.report) == ("RJCT", code)
    assert result.statuses == []
    assert platform.store.counts()["transfers"] == before
    return result.group_reason[1]


def header(xml: bytes) -> etree._Element:
    """The business application header of an outbound message, validated by its XSD."""
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "Envelope"
    head, document = list(root)
    assert etree.QName(document).localname == "Document"
    schema = etree.XMLSchema(etree.parse(str(XSD / "head.001.001.02.xsd")))
    assert schema.validate(etree.ElementTree(etree.fromstring(etree.tostring(head)))), (
        schema.error_log
    )
    return head


def routed(head: etree._Element) -> tuple[str | None, str | None, str | None]:
    return (
        head.findtext("h:Fr/h:FIId/h:FinInstnId/h:BICFI", namespaces=HEAD),
        head.findtext("h:To/h:FIId/h:FinInstnId/h:BICFI", namespaces=HEAD),
        head.findtext("h:MsgDefIdr", namespaces=HEAD),
    )


# ------------------------------------------------------------------------ inbound headers
def test_a_header_naming_another_message_is_refused_ff01(platform: Platform) -> None:
    data = with_quotes(platform).replace(
        b"<MsgDefIdr>pacs.008.001.08<", b"<MsgDefIdr>pacs.009.001.08<"
    )
    reason = refused_whole(platform, data, "FF01")
    assert "MsgDefIdr 'pacs.009.001.08' does not name the Document's message" in reason


def test_a_header_from_a_bank_that_is_no_participant_is_refused_rc01(platform: Platform) -> None:
    data = with_quotes(platform).replace(
        b"<Fr><FIId><FinInstnId><BICFI>VTBRRUMM", b"<Fr><FIId><FinInstnId><BICFI>HDFCINBB"
    )
    assert "HDFCINBB is not a participant" in refused_whole(platform, data, "RC01")


def test_a_header_from_another_participant_than_the_payer_is_refused_rc01(
    platform: Platform,
) -> None:
    data = with_quotes(platform).replace(
        b"<Fr><FIId><FinInstnId><BICFI>VTBRRUMM", b"<Fr><FIId><FinInstnId><BICFI>SBININBB"
    )
    reason = refused_whole(platform, data, "RC01")
    assert "debtor agent VTBRRUMM is not the header's sender SBININBB" in reason


def test_a_header_naming_another_sender_than_the_caller_is_refused_rc01(
    platform: Platform,
) -> None:
    reason = refused_whole(platform, with_quotes(platform), "RC01", sender=SBI)
    assert "names VTBRRUMM as its sender (Fr), but SBININBB is sending it" in reason


def test_a_business_message_identifier_is_unique_per_sender_am05_and_kept(
    platform: Platform, database_url: str
) -> None:
    first = import_message(platform, with_quotes(platform), XSD)
    assert first.group_reason is None
    # Other payments (new UETRs and end-to-end ids) under the same BizMsgIdr: refused whole.
    again = (
        with_quotes(platform)
        .replace(b"9a01</UETR>", b"9a11</UETR>")
        .replace(b"9a02</UETR>", b"9a12</UETR>")
        .replace(b"REMIT-2026-000", b"REMIT-2026-010")
    )
    reason = refused_whole(platform, again, "AM05")
    assert "VTBRRUMM already sent a business message identified VTB-20261127-0001" in reason
    assert platform.payments.get("3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a11") is None
    # Under a new identifier the same payments go through.
    assert import_message(platform, resent(again, "VTB-20261127-0002"), XSD).group_reason is None
    # Kept in the database: another process sees both identifiers.
    reader = open_store(database_url, migrate=False)
    try:
        with reader.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT sender, business_message_id, definition FROM business_messages")
            ).all()
    finally:
        reader.dispose()
    assert sorted(tuple(r) for r in rows) == [
        ("VTBRRUMM", "VTB-20261127-0001", "pacs.008.001.08"),
        ("VTBRRUMM", "VTB-20261127-0002", "pacs.008.001.08"),
    ]
    assert verify(platform.store).ok


def test_the_same_identifier_from_another_sender_is_another_message(platform: Platform) -> None:
    assert import_message(platform, with_quotes(platform), XSD).group_reason is None
    platform.fund(SBI, 1_000_00, "INR", transfer_id=4_242, actor="test")
    data = f"""<Envelope xmlns="urn:vostro:envelope">
<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">
<Fr><FIId><FinInstnId><BICFI>{SBI}</BICFI></FinInstnId></FIId></Fr>
<To><FIId><FinInstnId><BICFI>{OPERATOR}</BICFI></FinInstnId></FIId></To>
<BizMsgIdr>VTB-20261127-0001</BizMsgIdr><MsgDefIdr>pacs.008.001.08</MsgDefIdr>
<CreDt>2026-11-18T10:00:00Z</CreDt></AppHdr>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>
<GrpHdr><MsgId>SBI-7</MsgId><CreDtTm>2026-11-18T10:00:00+05:30</CreDtTm><NbOfTxs>1</NbOfTxs>
<SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf></GrpHdr>
<CdtTrfTxInf><PmtId><EndToEndId>SBI-UCO-7</EndToEndId>
<UETR>6b1e2d3c-4f5a-4b6c-8d7e-9f0a1b2c3d4e</UETR></PmtId>
<IntrBkSttlmAmt Ccy="INR">1000.00</IntrBkSttlmAmt><ChrgBr>SHAR</ChrgBr>
<Dbtr><Nm>राम कुमार</Nm></Dbtr><DbtrAgt><FinInstnId><BICFI>{SBI}</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>{UCO}</BICFI></FinInstnId></CdtrAgt><Cdtr><Nm>UCO client</Nm></Cdtr>
</CdtTrfTxInf></FIToFICstmrCdtTrf></Document></Envelope>""".encode()
    result = import_message(platform, data, XSD, sender=SBI)
    assert statuses(result.report) == [("6b1e2d3c-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "ACSC", None)]
    assert routed(header(result.report)) == (OPERATOR, SBI, "pacs.002.001.10")


# ----------------------------------------------------------------- currencies that settle
@pytest.mark.parametrize("code", ["XAU", "XTS", "XDR", "USN", "CLF"])
def test_a_payment_in_gold_a_unit_of_account_or_a_funds_code_is_refused_am03(
    platform: Platform, code: str
) -> None:
    data = with_quotes(platform).replace(b'Ccy="INR"', f'Ccy="{code}"'.encode())
    assert code in refused_whole(platform, data, "AM03")


def test_a_return_in_gold_is_refused_am03_and_a_published_one_still_read(tmp_path: Path) -> None:
    sample = (SAMPLES / "PaymentReturn_Scenario1_Step4_pacs.004.xml").read_bytes()
    assert read_report(sample, XSD).transactions[0].returned_currency == "USD"
    in_gold = sample.replace(b'Ccy="USD"', b'Ccy="XAU"')
    with pytest.raises(MessageRejected) as caught:
        read_report(in_gold, XSD)
    assert caught.value.code == "AM03" and "XAU" in caught.value.reason
    (tmp_path / "gold.xml").write_bytes(in_gold)
    checked = vostro("iso", "check", str(tmp_path / "gold.xml"), "--json")
    assert checked.returncode == 1
    assert json.loads(checked.stdout)["reason_code"] == "AM03"


# ------------------------------------------------------------------ identifiers and text in
@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"<EndToEndId>REMIT-2026-0001<", b"<EndToEndId>REMIT//2026<", "EndToEndId contains '//'"),
        (b"<EndToEndId>REMIT-2026-0001<", b"<EndToEndId>/REMIT<", "starts or ends with '/'"),
        (b"<InstrId>VTB-I-0001<", b"<InstrId>VTB_I_0001<", "InstrId holds U+005F"),
        (b"<MsgId>VTB-20261127-0001<", b"<MsgId>VTB\xc2\xa720261127<", "MsgId holds U+00A7"),
        (b"<BizMsgIdr>VTB-20261127-0001<", b"<BizMsgIdr>VTB/<", "BizMsgIdr starts or ends"),
        (b"<Nm>Ravi Kumar<", b"<Nm>Ravi&#x85;Kumar<", "Cdtr/Nm holds U+0085, a control"),
        (b"<Nm>Ravi Kumar<", b"<Nm>Ravi&#x202E;Kumar<", "a bidirectional embedding"),
        (b"<Ustrd>Family", b"<Ustrd>&#xFDD0;Family", "RmtInf/Ustrd holds U+FDD0"),
    ],
)
def test_identifiers_and_text_in_a_message_are_checked_ff01(
    platform: Platform, old: bytes, new: bytes, words: str
) -> None:
    data = with_quotes(platform)
    assert old in data
    assert words in refused_whole(platform, data.replace(old, new, 1), "FF01")


def test_a_line_break_inside_a_name_reads_as_one_space() -> None:
    data = FIXTURE.read_bytes().replace(b"<Nm>Ravi Kumar<", b"<Nm>Ravi\n          Kumar\t<")
    assert read_message(data, XSD).payments[0].creditor.name == "Ravi Kumar"


@pytest.mark.parametrize(
    "name",
    [
        "CustomerCreditTransfer_Scenario1_Step1_pacs.008.xml",
        "CustomerCreditTransfer_Variation1_pacs.008.xml",
    ],
)
def test_the_published_samples_keep_every_new_rule(name: str) -> None:
    (payment,) = read_message((SAMPLES / name).read_bytes(), XSD).payments
    assert payment.end_to_end_id.endswith("EtoEId001")


# ------------------------------------------------------------------ headers going out
def test_a_status_report_goes_back_to_the_sender_with_a_valid_header(platform: Platform) -> None:
    result = import_message(platform, with_quotes(platform), XSD)
    head = header(result.report)
    assert routed(head) == (OPERATOR, VTB, "pacs.002.001.10")
    document_id = etree.fromstring(result.report).findtext(".//p:GrpHdr/p:MsgId", namespaces=P002)
    assert head.findtext("h:BizMsgIdr", namespaces=HEAD) == document_id
    assert head.findtext("h:CreDt", namespaces=HEAD)
    read_back = read_report(result.report, XSD)  # vostro reads its own business message
    assert [t.status for t in read_back.transactions] == ["ACSC", "ACSC"]
    refused = import_message(platform, b"<Document><broken>", XSD, sender=VTB)
    assert routed(header(refused.report)) == (OPERATOR, VTB, "pacs.002.001.10")


def test_every_message_to_a_participant_carries_a_valid_header(platform: Platform) -> None:
    assert import_message(platform, with_quotes(platform), XSD).group_reason is None
    original = platform.payments.get("3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a01")
    status = payment_status_report(original, XSD, operator_bic=OPERATOR)
    assert routed(header(status)) == (OPERATOR, VTB, "pacs.002.001.10")
    back = platform.payments.return_payment(
        original.uetr, "7c9e6679-7425-40de-944b-e07fc1f90ae7", "creditor account closed"
    )
    from vostro.iso20022.xml import Route

    returned = return_message(original, back, "AC04", "closed", XSD, route=Route(OPERATOR, VTB))
    assert routed(header(returned)) == (OPERATOR, VTB, "pacs.004.001.09")
    day = datetime.fromtimestamp(platform.clock() // 10**9, tz=UTC).date()  # type: ignore[attr-defined]
    account = platform.registry.get(SBI).paying_account("INR")
    made = statement(platform.store, account, day, XSD)
    assert routed(header(made.xml)) == (OPERATOR, SBI, "camt.053.001.08")
    told = notification(platform.store, account, [original.payment_id | 0x12], XSD)
    assert routed(header(told)) == (OPERATOR, SBI, "camt.054.001.08")


def odd_payment(make: Callable[..., Payment] = Payment) -> Payment:
    """A payment as an older store might hold it: text no wire carries in every field."""
    return make(
        uetr="3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a77",
        payment_id=1 << 64,
        end_to_end_id="E\x00X\x1b[31m" + "Z" * 40,
        debtor_agent=SBI,
        creditor_agent=UCO,
        flow="trade",
        source_currency="INR",
        source_amount_minor=100,
        target_currency="INR",
        target_amount_minor=100,
        debtor_name="Ivan\x00ov",
        creditor_name="\x1b[2J",
        state=State.REJECTED,
        reason_code="FF01",
        reason="debtor name 'Ivan\x00ov' \ud800\ufffe" * 10,
    )


def test_outbound_messages_never_fail_on_odd_stored_text() -> None:
    from vostro.iso20022.cancellations import cancellation_request

    p = odd_payment()
    report = payment_status_report(p, XSD, operator_bic=OPERATOR)
    root = etree.fromstring(report)
    assert (
        root.findtext(".//p:OrgnlEndToEndId", namespaces=P002) == "E\ufffdX\ufffd[31m" + "Z" * 27
    )  # cut to 35
    assert all(len(info.text) <= 105 for info in root.iterfind(".//p:AddtlInf", namespaces=P002))
    back = odd_payment()
    assert etree.fromstring(return_message(p, back, "AC04", "bad\x00reason", XSD)) is not None
    assert etree.fromstring(cancellation_request(p, OPERATOR, "CUST", "\x1b\x00", XSD)) is not None


def test_the_lifecycle_refuses_a_request_with_odd_text_whatever_brought_it(
    platform: Platform,
) -> None:
    from vostro.payments.model import PaymentRejected

    request = PaymentRequest(
        uetr="3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a55",
        end_to_end_id="LIB-1",
        debtor_agent=SBI,
        creditor_agent=UCO,
        amount_minor=100,
        currency="INR",
        debtor_name="Ivan\x00ov",
    )
    with pytest.raises(PaymentRejected) as caught:
        platform.payments.submit(request)
    assert caught.value.code == "FF01" and "debtor_name holds U+0000 NULL" in caught.value.reason
    assert platform.payments.get(request.uetr) is None
    (outcome,) = platform.payments.submit_many([(request, False)])
    assert isinstance(outcome, PaymentRejected) and outcome.code == "FF01"
    assert platform.payments.get(request.uetr) is None

"""Messages in, payments through the one lifecycle, pacs.002 out; the books verify."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.corridor import FXP, SBI, UCO, VTB
from vostro.config import Settings
from vostro.fx.quotes import StandingRate, Tier
from vostro.iso20022.gateway import import_message
from vostro.participants.model import Role
from vostro.payments.model import State
from vostro.platform import Platform
from vostro.store.verify import verify

XSD = Settings().iso20022_xsd_dir
FIXTURE = Path(__file__).parents[1] / "fixtures" / "iso20022" / "remittance_rub_inr_pacs008.xml"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"}
pytestmark = pytest.mark.skipif(not XSD.exists(), reason=f"the ISO 20022 schemas are not at {XSD}")


def statuses(report: bytes) -> list[tuple[str, str, str | None]]:
    root = etree.fromstring(report)
    return [
        (
            tx.findtext("p:OrgnlUETR", namespaces=NS),
            tx.findtext("p:TxSts", namespaces=NS),
            tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=NS),
        )
        for tx in root.iterfind(".//p:TxInfAndSts", NS)
    ]


def with_quotes(platform: Platform) -> bytes:
    """The fixture, with firm quotes named in it and the quoted rupee amounts settled."""
    text = FIXTURE.read_text()
    for rub, inr in (("45000.00", "47712.89"), ("20000.00", "21206.44")):
        q = platform.desk.quote(FXP, VTB, "RUB", "INR", int(rub.replace(".", "")), platform.clock())  # type: ignore[attr-defined]
        quoted = f"{q.target_amount_minor // 100}.{q.target_amount_minor % 100:02d}"
        text = text.replace(f'Ccy="INR">{inr}', f'Ccy="INR">{quoted}')
        marker = f'<InstdAmt Ccy="RUB">{rub}</InstdAmt>'
        at = text.index(marker)
        close = text.index("</Cdtr>", at) + len("</Cdtr>")  # InstrForNxtAgt follows Cdtr
        text = (
            text[:close] + f"<InstrForNxtAgt><InstrInf>/QUOTE/{q.id}</InstrInf>"
            "</InstrForNxtAgt>" + text[close:]
        )
    return text.encode()


def resent(message: bytes, business_message_id: str) -> bytes:
    """The message under another business message identifier (the header's BizMsgIdr)."""
    return message.replace(
        b"<BizMsgIdr>VTB-20261127-0001<", f"<BizMsgIdr>{business_message_id}<".encode()
    )


def test_rouble_to_rupee_remittances_go_in_as_xml_and_come_out_settled(platform):
    result = import_message(platform, with_quotes(platform), XSD)
    assert result.group_reason is None
    assert [(u[-2:], s) for u, s, _ in statuses(result.report)] == [("01", "ACSC"), ("02", "ACSC")]
    transfers = platform.store.counts()["transfers"]
    again = import_message(platform, resent(with_quotes(platform), "VTB-2"), XSD)
    assert {s for _, s, _ in statuses(again.report)} <= {"ACSC", "RJCT"}  # same UETRs: once
    assert platform.store.counts()["transfers"] == transfers
    assert verify(platform.store).ok


def test_a_message_refused_whole_gets_a_group_rjct_and_changes_nothing(platform):
    before = platform.store.counts()["transfers"]
    result = import_message(platform, b"<Document><broken>", XSD)
    root = etree.fromstring(result.report)
    assert root.findtext(".//p:OrgnlGrpInfAndSts/p:GrpSts", namespaces=NS) == "RJCT"
    assert root.findtext(".//p:OrgnlGrpInfAndSts/p:StsRsnInf/p:Rsn/p:Cd", namespaces=NS) == "FF01"
    assert platform.store.counts()["transfers"] == before


def test_unknown_agent_and_missing_quote_are_refused_per_transaction(platform):
    text = FIXTURE.read_text().replace(
        "<BICFI>UCBAINBB</BICFI></FinInstnId></CdtrAgt>",
        "<BICFI>HDFCINBB</BICFI></FinInstnId></CdtrAgt>",
    )
    result = import_message(platform, text.encode(), XSD)
    (first, second) = statuses(result.report)
    assert first[1] == "RJCT"  # cross-currency without a quote: never priced silently
    assert second[1:] == ("RJCT", "RC01")
    assert verify(platform.store).ok


def test_camt053_statements_reconcile_with_the_ledger(platform):
    from datetime import UTC, datetime

    from vostro.iso20022.statements import statement

    assert import_message(platform, with_quotes(platform), XSD).group_reason is None
    day = datetime.fromtimestamp(platform.clock() // 10**9, tz=UTC).date()  # type: ignore[attr-defined]
    for bic, code in ((SBI, "INR"), (FXP, "INR"), (FXP, "RUB"), (VTB, "RUB")):
        account_id = platform.registry.get(bic).paying_account(code)
        s = statement(platform.store, account_id, day, XSD)
        (account,) = platform.store.get_accounts([account_id])
        assert s.closing_minor == account.balance_posted  # the ledger's own balance
        assert s.opening_minor + s.credits_minor - s.debits_minor == s.closing_minor
        root = etree.fromstring(s.xml)
        ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"}
        amounts = {
            b.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=ns): b.findtext("c:Amt", namespaces=ns)
            for b in root.iterfind(".//c:Bal", ns)
        }
        assert amounts["CLBD"] is not None and len(root.findall(".//c:Ntry", ns)) == s.entries
    sbi = statement(platform.store, platform.registry.get(SBI).paying_account("INR"), day, XSD)
    assert b"3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a01" in sbi.xml  # the UETR on its entry
    assert verify(platform.store).ok


def test_a_duplicate_uetr_with_other_details_is_refused_am05(platform):
    assert import_message(platform, with_quotes(platform), XSD).group_reason is None
    changed = resent(with_quotes(platform), "VTB-2").replace(b"REMIT-2026-0001", b"REMIT-2026-0099")
    (first, _second) = statuses(import_message(platform, changed, XSD).report)
    assert first[1:] == ("RJCT", "AM05")
    assert verify(platform.store).ok


def test_rupee_to_rouble_payment_goes_in_as_xml_and_settles(platform):
    platform.fund(SBI, 5_000_000_00, "INR", transfer_id=990, actor="test")
    platform.fund(FXP, 5_000_000_00, "RUB", transfer_id=991, actor="test")
    platform.desk.set_standing_rate(StandingRate(FXP, "INR", "RUB", (Tier(0, 100),)), actor="test")
    q = platform.desk.quote(FXP, SBI, "INR", "RUB", 1_000_000_00, platform.clock())
    rub = f"{q.target_amount_minor // 100}.{q.target_amount_minor % 100:02d}"
    xml = f"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">
<FIToFICstmrCdtTrf><GrpHdr><MsgId>SBI-0001</MsgId><CreDtTm>2026-11-18T10:00:00+05:30</CreDtTm>
<NbOfTxs>1</NbOfTxs><SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf></GrpHdr>
<CdtTrfTxInf><PmtId><EndToEndId>PHARMA-INV-77</EndToEndId>
<UETR>5b1e2d3c-4f5a-4b6c-8d7e-9f0a1b2c3d4e</UETR></PmtId>
<IntrBkSttlmAmt Ccy="RUB">{rub}</IntrBkSttlmAmt><InstdAmt Ccy="INR">1000000.00</InstdAmt>
<XchgRate>{q.rate}</XchgRate><ChrgBr>SHAR</ChrgBr>
<Dbtr><Nm>Sun Pharmaceutical Industries</Nm></Dbtr>
<DbtrAgt><FinInstnId><BICFI>SBININBB</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>VTBRRUMM</BICFI></FinInstnId></CdtrAgt>
<Cdtr><Nm>OOO Pharmimpex</Nm></Cdtr>
<InstrForNxtAgt><InstrInf>/QUOTE/{q.id}</InstrInf></InstrForNxtAgt>
<Purp><Cd>GDDS</Cd></Purp></CdtTrfTxInf></FIToFICstmrCdtTrf></Document>"""
    result = import_message(platform, xml.encode(), XSD)
    assert statuses(result.report) == [("5b1e2d3c-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "ACSC", None)]
    assert platform.registry.balance(VTB, "RUB") == 10_000_000_00 + q.target_amount_minor
    assert verify(platform.store).ok


def test_a_return_goes_out_as_a_valid_pacs004_linked_to_the_original(platform):
    from vostro.iso20022.returns import return_message

    assert import_message(platform, with_quotes(platform), XSD).group_reason is None
    original = platform.payments.get("3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a01")
    back = platform.payments.return_payment(
        original.uetr, "7c9e6679-7425-40de-944b-e07fc1f90ae7", "creditor account closed"
    )
    xml = return_message(original, back, "AC04", "creditor account closed", XSD)
    root = etree.fromstring(xml)
    ns = {"r": "urn:iso:std:iso:20022:tech:xsd:pacs.004.001.09"}
    assert root.findtext(".//r:OrgnlUETR", namespaces=ns) == original.uetr
    assert root.findtext(".//r:RtrRsnInf/r:Rsn/r:Cd", namespaces=ns) == "AC04"
    returned = root.find(".//r:RtrdIntrBkSttlmAmt", ns)
    assert returned.get("Ccy") == "INR"
    assert returned.text == str(Decimal(back.source_amount_minor).scaleb(-2))
    assert verify(platform.store).ok


def test_camt054_notifies_the_payee_of_its_credit_and_the_payer_of_its_debit(platform):
    from vostro.iso20022.statements import notification

    assert import_message(platform, with_quotes(platform), XSD).group_reason is None
    p = platform.payments.get("3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a01")
    legs = [p.payment_id | 0x11, p.payment_id | 0x12, p.payment_id | 0x13]  # posts of the legs
    ns = {"n": "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"}
    payee = etree.fromstring(
        notification(platform.store, platform.registry.get(SBI).paying_account("INR"), legs, XSD)
    )
    assert [e.findtext("n:CdtDbtInd", namespaces=ns) for e in payee.iterfind(".//n:Ntry", ns)] == [
        "CRDT"
    ]
    assert payee.findtext(".//n:Refs/n:UETR", namespaces=ns) == p.uetr
    payer = etree.fromstring(
        notification(platform.store, platform.registry.get(VTB).paying_account("RUB"), legs, XSD)
    )
    debits = [e.findtext("n:Amt", namespaces=ns) for e in payer.iterfind(".//n:Ntry", ns)]
    assert debits == ["45000.00"]  # the RUB leg (no fee schedule is set in this corridor)


@pytest.mark.parametrize(
    "name",
    [
        "CustomerCreditTransfer_Scenario1_Step1_pacs.008.xml",
        "CustomerCreditTransfer_Variation1_pacs.008.xml",
    ],
)
def test_published_samples_settle_once_their_banks_are_registered(platform, name):
    # The Fedwire samples name their agents by ABA routing number: registered as aliases.
    platform.registry.register("BOFAUS3N", "Bank A", [Role.BANK], ["USD"])
    platform.registry.register("CHASUS33", "Bank B", [Role.BANK], ["USD"])
    platform.registry.add_alias("BOFAUS3N", "USABA:011104238", actor="test")
    platform.registry.add_alias("CHASUS33", "USABA:021040078", actor="test")
    platform.fund("BOFAUS3N", 1_000_000_00, "USD", transfer_id=777, actor="test")
    sample = (XSD.parent / "samples" / name).read_bytes()
    # As published its value date (2025-03-10) is long past (DT01): sent for today instead.
    today = sample.replace(b"<IntrBkSttlmDt>2025-03-10<", b"<IntrBkSttlmDt>2026-11-27<")
    result = import_message(platform, today, XSD)
    assert statuses(result.report) == [("8a562c67-ca16-48ba-b074-65581be6f011", "ACSC", None)]
    assert platform.registry.balance("CHASUS33", "USD") == 51_000_074
    payment = platform.payments.get("8a562c67-ca16-48ba-b074-65581be6f011")
    assert (payment.debtor_name, payment.creditor_name) == ("Corporation A", "Corporation B")
    assert verify(platform.store).ok


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cuts=st.lists(
        st.tuples(st.integers(0, 6000), st.integers(0, 40), st.binary(max_size=8)),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_messages_through_the_gateway_never_crash_or_post_when_refused(platform, cuts):
    data = bytearray(FIXTURE.read_bytes())
    for offset, length, insert in cuts:
        at = offset % (len(data) + 1)
        data[at : at + length] = insert
    before = platform.store.counts()["transfers"]
    result = import_message(platform, bytes(data), XSD)
    etree.fromstring(result.report)  # always a well-formed (and schema-checked) pacs.002
    if result.group_reason is not None:
        assert platform.store.counts()["transfers"] == before
    assert verify(platform.store).ok


def test_a_bank_to_bank_pacs009_settles_between_the_two_banks(platform):
    platform.fund(SBI, 3_000_000_000_00, "INR", transfer_id=555, actor="test")
    data = (FIXTURE.parent / "cover_inr_pacs009.xml").read_bytes()
    result = import_message(platform, data, XSD)
    assert statuses(result.report) == [("9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a", "ACSC", None)]
    assert platform.registry.balance(UCO, "INR") == 250_000_000_00
    assert verify(platform.store).ok


def test_a_pacs009_for_a_later_day_waits_and_one_for_a_past_day_is_dt01(platform):
    platform.fund(SBI, 3_000_000_000_00, "INR", transfer_id=556, actor="test")
    cover = (FIXTURE.parent / "cover_inr_pacs009.xml").read_bytes()
    later = cover.replace(b"<IntrBkSttlmDt>2026-11-27<", b"<IntrBkSttlmDt>2026-11-30<")
    assert statuses(import_message(platform, later, XSD).report) == [
        ("9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a", "PDNG", None)
    ]
    waiting = platform.payments.get("9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a")
    assert waiting.state is State.SCHEDULED and str(waiting.settlement_date) == "2026-11-30"
    assert platform.registry.balance(UCO, "INR") == 0
    past = (
        cover.replace(b"<IntrBkSttlmDt>2026-11-27<", b"<IntrBkSttlmDt>2026-11-26<")
        .replace(b"9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a", b"9d8c7b6a-5f4e-4d3c-a2b1-000000000001")
        .replace(b"TREASURY-2026-11-27", b"TREASURY-2026-11-26")
    )
    assert statuses(import_message(platform, past, XSD).report) == [
        ("9d8c7b6a-5f4e-4d3c-a2b1-000000000001", "RJCT", "DT01")
    ]
    assert verify(platform.store).ok

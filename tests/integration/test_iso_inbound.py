"""Inbound ISO 20022: real samples, our INR/RUB fixtures, and hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.test_cli import vostro
from vostro.config import Settings
from vostro.iso20022.inbound import MessageRejected, read_message

XSD = Settings().iso20022_xsd_dir
SAMPLES = XSD.parent / "samples"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "iso20022" / "remittance_rub_inr_pacs008.xml"
pytestmark = pytest.mark.skipif(not XSD.exists(), reason=f"the ISO 20022 schemas are not at {XSD}")


def refused(data: bytes, **kwargs: object) -> MessageRejected:
    with pytest.raises(MessageRejected) as caught:
        read_message(data, XSD, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    "name",
    [
        "CustomerCreditTransfer_Scenario1_Step1_pacs.008.xml",
        "CustomerCreditTransfer_Variation1_pacs.008.xml",
    ],
)
def test_every_published_pacs008_sample_parses_and_maps(name: str) -> None:
    message = read_message((SAMPLES / name).read_bytes(), XSD)
    (p,) = message.payments
    assert message.message_type == "pacs.008.001.08"
    assert (p.settlement_amount_minor, p.settlement_currency) == (51_000_074, "USD")
    assert (p.instructed_amount_minor, p.charge_bearer) == (51_000_074, "SLEV")
    assert p.uetr == "8a562c67-ca16-48ba-b074-65581be6f011"
    assert (p.debtor.name, p.creditor.name) == ("Corporation A", "Corporation B")
    assert p.debtor_agent.clearing_member == "USABA:011104238"
    assert p.creditor_agent.clearing_member == "USABA:021040078"


@pytest.mark.parametrize(
    "name",
    [
        "CustomerCreditTransfer_Scenario1_Step2_pacs.002.xml",
        "PaymentReturn_Scenario1_Step4_pacs.004.xml",
    ],
)
def test_other_published_samples_are_not_taken_as_payments(name: str) -> None:
    rejection = refused((SAMPLES / name).read_bytes())
    assert rejection.code == "FF01" and "namespace" in rejection.reason


def test_rouble_to_rupee_remittances_in_an_envelope_with_a_header_map_fully() -> None:
    message = read_message(FIXTURE.read_bytes(), XSD)
    assert (message.header_from, message.header_to) == ("VTBRRUMM", "VSTRINBB")
    first, second = message.payments
    assert (first.settlement_amount_minor, first.settlement_currency) == (4_771_289, "INR")
    assert (first.instructed_amount_minor, first.instructed_currency) == (4_500_000, "RUB")
    assert first.exchange_rate == "1.0602866242" and first.charges == [(27_500, "RUB")]
    assert first.debtor.name == "Сергей Иванов" and first.creditor.country == "IN"
    assert (first.debtor_agent.bic, first.creditor_agent.bic) == ("VTBRRUMM", "SBININBB")
    assert first.intermediary_agents == ["ICICINBB"] and first.purpose == "SALA"
    assert "Family maintenance remittance" in first.regulatory_reporting
    assert first.remittance_info == ["Family support November"]
    assert second.creditor_agent.bic == "UCBAINBB" and second.charge_bearer == "SHAR"


def _fixture(old: str, new: str) -> bytes:
    text = FIXTURE.read_text()
    assert old in text
    return text.replace(old, new, 1).encode()


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&xxe;</Document>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&lol3;</Document>"""


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (XXE, "FF01", "DOCTYPE"),
        (LAUGHS, "FF01", "DOCTYPE"),
        (FIXTURE.read_bytes()[:1500], "FF01", "well-formed"),
        (b"<" + b"a" * (51 * 1024 * 1024), "FF01", "bytes"),
        (_fixture('pacs.008.001.08">', 'pacs.008.001.07">'), "FF01", "namespace"),
        (_fixture('Ccy="INR">47712.89', 'Ccy="inr">47712.89'), "FF01", "schema"),
        (_fixture("47712.89", "47712.8912345"), "FF01", "schema"),
        (_fixture("47712.89", "47712.891"), "AM12", "decimal places"),
        (
            _fixture(
                "3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a01", "3f2b8c1e-7d4a-1b9e-9c21-5a6d7e8f9a01"
            ),
            "FF01",
            "UETR",
        ),
    ],
    ids=[
        "xxe",
        "billion-laughs",
        "truncated",
        "50-MB",
        "wrong-namespace",
        "lowercase-currency",
        "7-decimals",
        "3-decimals-for-INR",
        "uetr-not-v4",
    ],
)
def test_hostile_or_broken_input_is_refused_with_the_right_code(data, code, words) -> None:
    rejection = refused(data)
    assert rejection.code == code and words in rejection.reason


def test_an_agent_that_is_not_a_participant_is_refused() -> None:
    known = {"VTBRRUMM", "SBININBB"}
    rejection = refused(FIXTURE.read_bytes(), known_bic=known.__contains__)
    assert rejection.code == "RC01" and "UCBAINBB is not a participant" in rejection.reason
    assert rejection.index == 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(
        st.tuples(st.integers(0, 6000), st.integers(0, 40), st.binary(max_size=12)),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_messages_are_accepted_or_refused_never_crash(cuts) -> None:
    data = bytearray(FIXTURE.read_bytes())
    for offset, length, insert in cuts:
        at = offset % (len(data) + 1)
        data[at : at + length] = insert
    try:
        read_message(bytes(data), XSD)
    except MessageRejected as rejection:
        assert rejection.code in {"FF01", "AM12", "RC01"}


def test_iso_check_on_the_command_line(tmp_path: Path) -> None:
    good = vostro("iso", "check", str(FIXTURE), "--json")
    assert good.returncode == 0, good.stderr
    assert [p["uetr"][-2:] for p in json.loads(good.stdout)["payments"]] == ["01", "02"]
    (tmp_path / "xxe.xml").write_bytes(XXE)
    bad = vostro("iso", "check", str(tmp_path / "xxe.xml"), "--json")
    assert bad.returncode == 1 and json.loads(bad.stdout)["reason_code"] == "FF01"


@pytest.mark.parametrize(
    ("name", "uetr", "status"),
    [
        (
            "CustomerCreditTransfer_Scenario1_Step2_pacs.002.xml",
            "8a562c67-ca16-48ba-b074-65581be6f011",
            "ACSC",
        ),
        (
            "FICreditTransfer_Scenario1_Step2_pacs.002.xml",
            "8a562c67-ca16-48ba-b074-65581be6f055",
            "ACSC",
        ),
    ],
)
def test_published_status_reports_parse_and_validate(name, uetr, status) -> None:
    from vostro.iso20022.reports import read_report

    report = read_report((SAMPLES / name).read_bytes(), XSD)
    assert report.message_type == "pacs.002.001.10" and report.schema_validated
    assert [(t.original_uetr, t.status) for t in report.transactions] == [(uetr, status)]


def test_published_return_parses_with_its_amount_and_original() -> None:
    from vostro.iso20022.reports import read_report

    report = read_report((SAMPLES / "PaymentReturn_Scenario1_Step4_pacs.004.xml").read_bytes(), XSD)
    assert report.message_type == "pacs.004.001.10"
    assert not report.schema_validated  # no pacs.004.001.10 schema in the directory
    (tx,) = report.transactions
    assert tx.original_uetr == "8a562c67-ca16-48ba-b074-65581be6f011"
    assert (tx.returned_amount, tx.returned_currency) == ("151000.74", "USD")

"""The payment flows end to end through HTTP, JSON and ISO 20022 XML, on both stores."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi.testclient import TestClient
from lxml import etree

from tests.service.conftest import FXP, SBI, UCO, VTB, Api, bearer
from vostro.config import Settings
from vostro.service.app import create_app
from vostro.service.bootstrap import prepare
from vostro.store.schema import fx_quotes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "iso20022"
P002 = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"}
PROBLEM = "application/problem+json"


def statuses(report: bytes) -> list[tuple[str | None, str | None, str | None]]:
    root = etree.fromstring(report)
    return [
        (
            tx.findtext("p:OrgnlUETR", namespaces=P002),
            tx.findtext("p:TxSts", namespaces=P002),
            tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=P002),
        )
        for tx in root.iterfind(".//p:TxInfAndSts", P002)
    ]


def quote(api: Api, payer: str, source: str, target: str, amount_minor: int) -> dict:
    return api.ok(
        "POST",
        "/v1/fx/quotes",
        201,
        headers=api.keys[payer],
        json={
            "provider": FXP,
            "source_currency": source,
            "target_currency": target,
            "source_amount_minor": amount_minor,
        },
    )


def test_a_rupee_payment_settles_with_its_history_balances_and_statements(api: Api) -> None:
    paid = api.pay(SBI, UCO, 1_234_56, segment="pharmaceuticals")
    assert paid["state"] == "settled"
    shown = api.ok("GET", f"/v1/payments/{paid['uetr']}", headers=api.keys[UCO])
    assert [e["state"] for e in shown["events"]] == [
        "received",
        "validated",
        "screened",
        "reserved",
        "settled",
    ]
    assert api.balance(UCO, "INR") == 1_234_56
    assert api.balance(SBI, "INR") == 10**12 - 1_234_56
    statement = api.ok(
        "GET", f"/v1/participants/{UCO}/statement?currency=INR", headers=api.keys[UCO]
    )
    assert statement["lines"][0]["credit_minor"] == 1_234_56
    assert statement["lines"][0]["payment_uetr"] == paid["uetr"]
    camt = api.client.get(
        f"/v1/participants/{UCO}/statement?currency=INR&format=camt.053", headers=api.keys[UCO]
    )
    assert camt.status_code == 200 and camt.headers["content-type"].startswith("application/xml")
    business_message = etree.fromstring(camt.content)  # to UCO Bank, from the operator
    assert [etree.QName(part).localname for part in business_message] == ["AppHdr", "Document"]
    head = {"h": "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"}
    assert business_message.findtext(".//h:To//h:BICFI", namespaces=head) == UCO
    assert business_message.findtext(".//h:MsgDefIdr", namespaces=head) == "camt.053.001.08"
    totals = api.ok("GET", "/v1/corridor/totals")
    assert {
        "segment": "pharmaceuticals",
        "currency": "INR",
        "payments": 1,
        "value_minor": 1_234_56,
    } in [
        {k: s[k] for k in ("segment", "currency", "payments", "value_minor")}
        for s in totals["segments"]
    ]


def test_a_rouble_to_rupee_remittance_settles_payment_versus_payment(api: Api) -> None:
    q = quote(api, VTB, "RUB", "INR", 10_000_00)
    assert q["expires_at"] and int(q["target_amount_minor"]) > 0
    paid = api.pay(
        VTB,
        SBI,
        10_000_00,
        "RUB",
        target_currency="INR",
        quote_id=q["id"],
        flow="remittance",
        debtor_name="Ivan Petrov",
        creditor_name="Asha Rao",
    )
    assert paid["state"] == "settled", paid
    assert paid["target_amount_minor"] == q["target_amount_minor"]
    assert paid["fee_minor"] == 5000 + 10_000_00 * 50 // 10_000
    assert api.balance(VTB, "RUB") == 10**11 - 10_000_00 - paid["fee_minor"]
    assert api.balance(SBI, "INR") == 10**12 + q["target_amount_minor"]
    assert int(paid["cost_minor"]) > paid["fee_minor"]  # the FX margin is part of the cost


def test_an_expired_quote_is_refused_ab05_and_never_repriced(api: Api) -> None:
    q = quote(api, VTB, "RUB", "INR", 10_000_00)
    with api.app.state.service.platform.store.engine.begin() as conn:
        conn.execute(  # it lapses a microsecond after it was made
            sa.update(fx_quotes)
            .where(fx_quotes.c.id == q["id"])
            .values(expires_at=fx_quotes.c.created_at + 1_000)
        )
    paid = api.pay(VTB, SBI, 10_000_00, "RUB", target_currency="INR", quote_id=q["id"])
    assert (paid["state"], paid["reason_code"]) == ("rejected", "AB05"), paid["reason"]
    assert api.balance(VTB, "RUB") == 10**11


def test_an_fx_provider_short_of_rupees_moves_nothing(api: Api) -> None:
    api.ok(
        "POST",
        f"/v1/participants/{FXP}/defunds",
        json={"currency": "INR", "amount_minor": 10**12 - 1},
    )
    q = quote(api, VTB, "RUB", "INR", 10_000_00)
    paid = api.pay(VTB, SBI, 10_000_00, "RUB", target_currency="INR", quote_id=q["id"])
    assert (paid["state"], paid["reason_code"]) == ("rejected", "AM04")
    assert api.balance(VTB, "RUB") == 10**11
    assert api.balance(SBI, "INR") == 10**12


def test_the_same_payment_twice_settles_once_and_a_changed_one_is_am05(api: Api) -> None:
    body = {
        "uetr": str(uuid.uuid4()),
        "end_to_end_id": "INV-1",
        "creditor_agent": UCO,
        "amount_minor": 500_00,
        "currency": "INR",
    }
    first = api.client.post("/v1/payments", json=body, headers=api.keys[SBI])
    again = api.client.post("/v1/payments", json=body, headers=api.keys[SBI])
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["uetr"] == again.json()["uetr"]
    assert api.balance(UCO, "INR") == 500_00
    changed = api.client.post(
        "/v1/payments", json=body | {"amount_minor": 600_00}, headers=api.keys[SBI]
    )
    assert changed.status_code == 409
    assert changed.headers["content-type"] == PROBLEM
    assert changed.json()["code"] == "AM05"
    assert api.balance(UCO, "INR") == 500_00
    entries = [
        e for e in api.ok("GET", "/v1/audit?limit=500")["items"] if e["subject"] == body["uetr"]
    ]
    outcomes = sorted(e["detail"]["outcome"] for e in entries)
    assert outcomes[:3] == ["refused: AM05: " + changed.json()["detail"]] + ["submitted"] * 2


def test_a_suspended_bank_receives_nothing_until_reinstated(api: Api) -> None:
    api.ok("POST", f"/v1/participants/{UCO}/suspend", json={"reason": "licence review"})
    refused = api.pay(SBI, UCO, 100_00)
    assert (refused["state"], refused["reason_code"]) == ("rejected", "AC06")
    api.ok("POST", f"/v1/participants/{UCO}/reinstate", json={"reason": "cleared"})
    assert api.pay(SBI, UCO, 100_00)["state"] == "settled"


def test_the_payee_returns_a_settled_payment(api: Api) -> None:
    paid = api.pay(SBI, UCO, 700_00)
    back = api.ok(
        "POST",
        f"/v1/payments/{paid['uetr']}/return",
        201,
        headers=api.keys[UCO],
        json={"reason": "account closed at the beneficiary"},
    )
    assert back["state"] == "settled" and back["original_uetr"] == paid["uetr"]
    assert api.ok("GET", f"/v1/payments/{paid['uetr']}")["state"] == "returned"
    assert api.balance(UCO, "INR") == 0
    refused = api.client.post(
        f"/v1/payments/{paid['uetr']}/return",
        headers=api.keys[SBI],
        json={"reason": "the payer cannot return"},
    )
    assert refused.status_code == 403


def test_a_payment_without_liquidity_queues_then_settles_or_is_cancelled(api: Api) -> None:
    first = api.pay(UCO, SBI, 300_00)
    second = api.pay(UCO, SBI, 200_00, urgent=True)
    assert (first["state"], second["state"]) == ("queued", "queued")
    queued = api.ok("GET", "/v1/queue?currency=INR", headers=api.keys[UCO])["items"]
    assert [e["uetr"] for e in queued] == [second["uetr"], first["uetr"]]  # urgent first
    assert api.ok("GET", "/v1/queue", headers=api.keys[SBI])["items"] == []
    assert (
        api.client.post(f"/v1/payments/{first['uetr']}/cancel", headers=api.keys[SBI]).status_code
        == 403
    )
    cancelled = api.ok("POST", f"/v1/payments/{first['uetr']}/cancel", headers=api.keys[UCO])
    assert (cancelled["state"], cancelled["reason_code"]) == ("rejected", "DS02")
    api.ok(
        "POST", f"/v1/participants/{UCO}/funds", json={"currency": "INR", "amount_minor": 250_00}
    )
    assert api.ok("GET", f"/v1/payments/{second['uetr']}")["state"] == "settled"
    report = api.ok("POST", "/v1/settlement/lsm-runs", 201, json={"currency": "INR"})
    assert report["kind"] == "lsm"


def test_deferred_net_settlement_through_a_window(api: Api) -> None:
    api.ok(
        "PUT",
        f"/v1/settlement/modes/{UCO}/INR",
        json={"mode": "dns", "net_debit_cap_minor": 1_000_00},
    )
    api.ok(
        "PUT", f"/v1/settlement/modes/{SBI}/INR", json={"mode": "dns", "net_debit_cap_minor": 10**9}
    )
    out = api.pay(UCO, SBI, 900_00)
    back = api.pay(SBI, UCO, 400_00)
    assert (out["state"], back["state"]) == ("clearing", "clearing")
    over = api.pay(UCO, SBI, 600_00)
    assert (over["state"], over["reason_code"]) == ("rejected", "AM02")
    api.ok(
        "POST", f"/v1/participants/{UCO}/funds", json={"currency": "INR", "amount_minor": 500_00}
    )
    report = api.ok("POST", "/v1/settlement/windows/INR/close")
    assert report["gross_minor"] == 1_300_00 and report["saved_minor"] == 800_00
    assert api.ok("GET", f"/v1/payments/{out['uetr']}")["state"] == "settled"
    assert api.balance(UCO, "INR") == 0


def test_iso20022_messages_in_give_pacs002_out(api: Api) -> None:
    cover = (FIXTURES / "cover_inr_pacs009.xml").read_bytes()  # dated for today in Mumbai:
    cover = cover.replace(
        b"2026-11-27<", f"{datetime.now(ZoneInfo('Asia/Kolkata')).date()}<".encode()
    )
    xml = {"content-type": "application/xml"}
    response = api.client.post("/v1/payments", content=cover, headers=api.keys[SBI] | xml)
    assert response.status_code == 200, response.text
    assert statuses(response.content) == [("9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a", "ACSC", None)]
    assert api.balance(UCO, "INR") == 250_000_000_00
    # UCO Bank cannot send a message in SBI's name: the whole request is "not found".
    other = api.client.post("/v1/payments", content=cover, headers=api.keys[UCO] | xml)
    assert other.status_code == 404
    q = quote(api, SBI, "INR", "RUB", 1_000_000_00)
    rub = f"{q['target_amount_minor'] // 100}.{q['target_amount_minor'] % 100:02d}"
    message = f"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">
<FIToFICstmrCdtTrf><GrpHdr><MsgId>SBI-0001</MsgId><CreDtTm>2026-11-18T10:00:00+05:30</CreDtTm>
<NbOfTxs>1</NbOfTxs><SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf></GrpHdr>
<CdtTrfTxInf><PmtId><EndToEndId>PHARMA-INV-77</EndToEndId>
<UETR>5b1e2d3c-4f5a-4b6c-8d7e-9f0a1b2c3d4e</UETR></PmtId>
<IntrBkSttlmAmt Ccy="RUB">{rub}</IntrBkSttlmAmt><InstdAmt Ccy="INR">1000000.00</InstdAmt>
<XchgRate>{q["rate"]}</XchgRate><ChrgBr>SHAR</ChrgBr>
<Dbtr><Nm>Sun Pharmaceutical Industries</Nm></Dbtr>
<DbtrAgt><FinInstnId><BICFI>SBININBB</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>VTBRRUMM</BICFI></FinInstnId></CdtrAgt>
<Cdtr><Nm>OOO Pharmimpex</Nm></Cdtr>
<InstrForNxtAgt><InstrInf>/QUOTE/{q["id"]}</InstrInf></InstrForNxtAgt>
<Purp><Cd>GDDS</Cd></Purp></CdtTrfTxInf></FIToFICstmrCdtTrf></Document>""".encode()
    response = api.client.post("/v1/payments", content=message, headers=api.keys[SBI] | xml)
    assert statuses(response.content) == [("5b1e2d3c-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "ACSC", None)]
    assert api.balance(VTB, "RUB") == 10**11 + q["target_amount_minor"]
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Document>&a;</Document>'
    refused = api.client.post("/v1/payments", content=hostile, headers=api.keys[SBI] | xml)
    assert refused.status_code == 200
    root = etree.fromstring(refused.content)
    assert root.findtext(".//p:GrpSts", namespaces=P002) == "RJCT"


def test_idempotency_key_replays_a_post_and_refuses_a_changed_one(api: Api) -> None:
    funding = {"currency": "INR", "amount_minor": 1_000_00}
    headers = api.operator | {"Idempotency-Key": "fund-uco-1"}
    first = api.client.post(f"/v1/participants/{UCO}/funds", json=funding, headers=headers)
    again = api.client.post(f"/v1/participants/{UCO}/funds", json=funding, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert api.balance(UCO, "INR") == 1_000_00
    changed = api.client.post(
        f"/v1/participants/{UCO}/funds", json=funding | {"amount_minor": 2}, headers=headers
    )
    assert changed.status_code == 422 and changed.json()["type"].endswith("idempotency-key-reused")
    assert api.balance(UCO, "INR") == 1_000_00


def test_bad_requests_get_specific_problems_and_change_nothing(api: Api) -> None:
    post = api.client.post
    cases = [
        (post("/v1/payments", content=b"{not json", headers=api.keys[SBI]), 422),
        (
            post(
                "/v1/payments",
                json={
                    "end_to_end_id": "X",
                    "creditor_agent": UCO,
                    "amount_minor": 10.5,
                    "currency": "INR",
                },
                headers=api.keys[SBI],
            ),
            422,
        ),
        (
            post(
                "/v1/payments",
                json={
                    "end_to_end_id": "X",
                    "creditor_agent": UCO,
                    "amount_minor": 1000,
                    "currency": "INR",
                    "colour": "red",
                },
                headers=api.keys[SBI],
            ),
            422,
        ),
        (
            post(
                "/v1/payments",
                json={
                    "end_to_end_id": "X",
                    "creditor_agent": UCO,
                    "amount_minor": -5,
                    "currency": "INR",
                },
                headers=api.keys[SBI],
            ),
            422,
        ),
        (post("/v1/payments", content=b"{" + b" " * 70_000 + b"}", headers=api.keys[SBI]), 413),
        (
            post(
                "/v1/participants",
                json={"bic": "nope", "name": "x", "roles": ["bank"], "currencies": ["INR"]},
                headers=api.operator,
            ),
            422,
        ),
        (api.client.get("/v1/nothing-here", headers=api.operator), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["status"] == status and problem["detail"] and problem["type"]
    assert cases[1][0].json()["code"] == "FF01"
    assert "amount_minor" in cases[1][0].json()["detail"]
    assert api.balance(UCO, "INR") == 0
    assert api.ok("GET", "/v1/payments")["items"] == []


def test_writes_are_audited_with_who_and_where_and_metrics_count_them(api: Api) -> None:
    api.pay(SBI, UCO, 100_00)
    entries = api.ok("GET", "/v1/audit?limit=500", headers=api.auditor)["items"]
    submits = [e for e in entries if e["action"] == "payment.submit"]
    assert submits and submits[0]["actor"].startswith(f"participant:{SBI}/")
    assert submits[0]["origin"] == "testclient"
    assert any(e["action"] == "participant.fund" and e["origin"] for e in entries)
    metrics = api.client.get("/metrics").text
    assert 'vostro_payments{state="settled"} 1.0' in metrics
    assert "vostro_writer_batch_commands_count" in metrics
    assert 'vostro_http_requests_total{method="POST",route="/v1/payments",status="201"}' in metrics
    assert api.client.get("/readyz").json()["status"] == "ready"
    assert api.client.get("/healthz").status_code == 200


def test_each_key_has_a_rate_limit(database_url: str) -> None:
    key = prepare(database_url)
    app = create_app(
        database_url,
        settings=Settings(rate_limit_per_s=0.5, rate_limit_burst=3),
        housekeeping=False,
    )
    with TestClient(app) as client:
        statuses_seen = [
            client.get("/v1/participants", headers=bearer(key)).status_code for _ in range(5)
        ]
    assert statuses_seen[:3] == [200, 200, 200]
    assert statuses_seen[3] == 429


def test_a_revoked_or_rotated_key_stops_working_at_once(api: Api) -> None:
    key_id = api.key_ids[SBI]
    rotated = api.ok("POST", f"/v1/keys/{key_id}/rotate", 201, headers=api.keys[SBI])
    assert api.client.get("/v1/participants", headers=api.keys[SBI]).status_code == 401
    fresh = bearer(rotated["key"])
    assert api.client.get("/v1/participants", headers=fresh).status_code == 200
    api.ok("POST", f"/v1/keys/{rotated['key_id']}/revoke")
    assert api.client.get("/v1/participants", headers=fresh).status_code == 401
    listed = {k["key_id"]: k for k in api.ok("GET", "/v1/keys")["items"]}
    assert listed[key_id]["revoked_at"] and listed[rotated["key_id"]]["revoked_at"]
    assert "key" not in listed[key_id]


def test_a_return_refused_for_funds_can_be_retried_and_a_reused_uetr_is_a_duplicate(
    api: Api,
) -> None:
    paid = api.pay(SBI, UCO, 700_00)
    assert api.pay(UCO, SBI, 700_00)["state"] == "settled"  # the payee spent the money
    path = f"/v1/payments/{paid['uetr']}/return"
    first = api.ok("POST", path, 201, headers=api.keys[UCO], json={"reason": "closed"})
    assert (first["state"], first["reason_code"]) == ("rejected", "AM04")
    assert api.pay(SBI, UCO, 700_00)["state"] == "settled"
    reused = api.client.post(
        path, headers=api.keys[UCO], json={"reason": "closed", "return_uetr": paid["uetr"]}
    )
    assert reused.status_code == 409 and reused.json()["code"] == "AM05"
    again = api.ok("POST", path, 201, headers=api.keys[UCO], json={"reason": "closed"})
    assert again["state"] == "settled" and again["original_uetr"] == paid["uetr"]
    assert api.ok("GET", f"/v1/payments/{paid['uetr']}")["state"] == "returned"

"""Compliance through HTTP: a payment naming a listed entity in Cyrillic, while the list has it
in Latin, is held with its funds reserved; released, it settles; rejected, its reservation is
voided and its pacs.002 is an RJCT with RR04. Lists, ad-hoc screening, limits, audit."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.service.conftest import SBI, UCO, Api

LATIN = Path(__file__).parents[1] / "fixtures" / "sanctions" / "latin.ftm.json"
P002 = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"}
NDJSON = {"content-type": "application/x-ndjson"}


def load(api: Api) -> dict:
    return api.ok(
        "PUT",
        "/v1/compliance/lists/sanctions?format=ftm",
        content=LATIN.read_bytes(),
        headers=api.operator | NDJSON,
    )


def pending(api: Api, bic: str) -> int:
    accounts = api.ok("GET", f"/v1/participants/{bic}/accounts")
    return next(a["debits_pending_minor"] for a in accounts if a["kind"] == "settlement")


def test_a_cyrillic_name_on_a_latin_list_is_held_then_released_or_rejected(api: Api) -> None:
    stored = load(api)
    assert stored["entities"] >= 2 and stored["version"]
    assert [s["name"] for s in api.ok("GET", "/v1/compliance/lists")["items"]] == ["sanctions"]

    held = api.pay(SBI, UCO, 1_000_00, creditor_name="Газпромбанк")
    assert held["state"] == "held", held
    assert pending(api, SBI) == 1_000_00  # its funds stay reserved
    assert api.balance(UCO, "INR") == 0
    queue = api.ok("GET", "/v1/compliance/holds")["items"]
    assert [h["uetr"] for h in queue] == [held["uetr"]]
    assert queue[0]["score"] >= 88 and "Gazprombank" in queue[0]["reason"]
    screenings = api.ok("GET", f"/v1/payments/{held['uetr']}/screenings")
    assert screenings and screenings[0]["decision"] == "hold"
    assert stored["version"] in str(screenings[0])
    dashboard = api.ok("GET", "/v1/dashboard")
    assert [h["uetr"] for h in dashboard["holds"]] == [held["uetr"]]

    released = api.ok(
        "POST",
        f"/v1/compliance/holds/{held['uetr']}/release",
        json={"reason": "the beneficiary is Gazprombank's former branch, cleared"},
    )
    assert released["state"] == "settled"
    assert api.balance(UCO, "INR") == 1_000_00 and pending(api, SBI) == 0

    other = api.pay(SBI, UCO, 2_000_00, creditor_name="Сергей Иванов")
    assert other["state"] == "held"
    rejected = api.ok(
        "POST",
        f"/v1/compliance/holds/{other['uetr']}/reject",
        json={"reason": "confirmed match with the listed person"},
    )
    assert (rejected["state"], rejected["reason_code"]) == ("rejected", "RR04")
    assert pending(api, SBI) == 0 and api.balance(UCO, "INR") == 1_000_00
    status = api.client.get(f"/v1/payments/{other['uetr']}/status", headers=api.keys[SBI])
    assert status.status_code == 200
    root = etree.fromstring(status.content)
    assert root.findtext(".//p:TxSts", namespaces=P002) == "RJCT"
    assert root.findtext(".//p:StsRsnInf/p:Rsn/p:Cd", namespaces=P002) == "RR04"
    assert root.findtext(".//p:OrgnlUETR", namespaces=P002) == other["uetr"]

    again = api.client.post(
        f"/v1/compliance/holds/{other['uetr']}/reject",
        json={"reason": "twice"},
        headers=api.operator,
    )
    assert again.status_code == 409
    decisions = [
        e
        for e in api.ok("GET", "/v1/audit?limit=500")["items"]
        if e["action"].startswith(("hold.", "payment.held", "payment.released", "payment.rejected"))
    ]
    assert any(
        e["origin"] == "testclient" and e["actor"].startswith("operator") for e in decisions
    ), decisions


def test_clean_names_pass_and_ad_hoc_screening_explains_matches(api: Api) -> None:
    load(api)
    clean = api.pay(SBI, UCO, 10_00, creditor_name="Sun Pharmaceutical Industries")
    assert clean["state"] == "settled"
    found = api.ok("POST", "/v1/compliance/screen", json={"name": "Газпромбанк"})
    assert found["matches"][0]["hit"] and found["matches"][0]["name"] == "Gazprombank"
    nothing = api.ok("POST", "/v1/compliance/screen", json={"name": "Sergei Petrov"})
    assert not any(m["hit"] for m in nothing["matches"])


def test_limits_refuse_payments_over_them(api: Api) -> None:
    # a payment first: the writer now keeps SBI's settings; setting a limit must reach it
    assert api.pay(SBI, UCO, 1_000_00)["state"] == "settled"
    api.ok(
        "PUT",
        f"/v1/compliance/limits/{SBI}/trade/INR",
        json={"per_payment_max_minor": 5_000_00, "per_day_max_minor": 8_000_00},
    )
    assert api.pay(SBI, UCO, 6_000_00)["reason_code"] == "AM02"
    assert api.pay(SBI, UCO, 5_000_00)["state"] == "settled"
    assert api.pay(SBI, UCO, 4_000_00)["reason_code"] == "AM14"
    assert api.balance(UCO, "INR") == 6_000_00  # what was accepted today counts
    assert api.ok("GET", "/v1/compliance/limits")["items"][0]["per_day_max_minor"] == 8_000_00


def test_a_bad_list_is_refused_whole(api: Api) -> None:
    response = api.client.put(
        "/v1/compliance/lists/bad?format=ftm",
        content=b'{"id": 1}\nnot json',
        headers=api.operator | NDJSON,
    )
    assert response.status_code == 422 and response.json()["code"] == "FF01"
    assert api.ok("GET", "/v1/compliance/lists")["items"] == []

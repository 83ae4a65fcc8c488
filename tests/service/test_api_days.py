"""The operating day through HTTP, on both stores: the calendar and its schedules and closures,
value-dated payments, the operator's end of day, its statements and its report."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lxml import etree

from tests.service.conftest import SBI, UCO, VTB, Api

DAY_SCHEDULE = {
    "always_open": False,
    "opens": "00:00",
    "cutoffs": {"customer": "24:00", "interbank": "24:00", "urgent": "24:00"},
    "end_of_day": "24:00",
}


def inr_today() -> date:
    return datetime.now(ZoneInfo("Asia/Kolkata")).date()


def test_the_calendar_shows_each_currency_and_the_operator_changes_it(api: Api) -> None:
    shown = {c["currency"]: c for c in api.ok("GET", "/v1/calendar", headers=api.keys[SBI])}
    assert shown["INR"]["zone"] == "Asia/Kolkata" and shown["RUB"]["zone"] == "Europe/Moscow"
    assert shown["INR"]["schedule"]["always_open"] is True
    assert shown["INR"]["state"] == "open"
    # A participant may read it, never change it.
    refused = api.client.put("/v1/calendar/INR/schedule", json=DAY_SCHEDULE, headers=api.keys[SBI])
    assert refused.status_code == 403
    bad = {**DAY_SCHEDULE, "opens": "09:00", "end_of_day": "08:00"}
    wrong = api.client.put("/v1/calendar/INR/schedule", json=bad, headers=api.operator)
    assert wrong.status_code == 422 and wrong.json()["code"] == "FF01"
    assert "opening must come before the end of day" in wrong.json()["detail"]
    inr = api.ok("PUT", "/v1/calendar/INR/schedule", json=DAY_SCHEDULE)
    assert inr["schedule"]["always_open"] is False
    assert inr["schedule"]["cutoffs"]["customer"] == "24:00"
    assert any(d["why"] == "a weekend" for d in inr["closed_ahead"])
    # Close a day ahead, then open it again; each change is audited.
    later = (inr_today() + timedelta(days=9)).isoformat()
    closed = api.ok(
        "PUT", f"/v1/calendar/INR/closures/{later}", json={"closed": True, "reason": "a strike"}
    )
    assert {"day": later, "closed": True, "reason": "a strike"} in closed["closures"]
    assert {"day": later, "why": "a strike"} in closed["closed_ahead"]
    past = api.client.put(
        f"/v1/calendar/INR/closures/{inr_today()}",
        json={"closed": True, "reason": "too late"},
        headers=api.operator,
    )
    assert past.status_code == 422 and "not ahead of" in past.json()["detail"]
    reopened = api.ok("DELETE", f"/v1/calendar/INR/closures/{later}")
    assert reopened["closures"] == []
    missing = api.client.delete(f"/v1/calendar/INR/closures/{later}", headers=api.operator)
    assert missing.status_code == 404
    audit = api.ok("GET", "/v1/audit?limit=50")
    actions = [e["action"] for e in audit["items"]]
    assert {"calendar.schedule", "calendar.closure", "calendar.reset"} <= set(actions)


def test_a_value_dated_payment_waits_and_a_past_one_is_dt01(api: Api) -> None:
    tomorrow = (inr_today() + timedelta(days=1)).isoformat()
    waiting = api.pay(SBI, UCO, 5_000_00, settlement_date=tomorrow)
    assert waiting["state"] == "scheduled" and waiting["settlement_date"] == tomorrow
    assert api.balance(UCO, "INR") == 0  # nothing moved, nothing reserved
    cancelled = api.ok("POST", f"/v1/payments/{waiting['uetr']}/cancel", headers=api.keys[SBI])
    assert cancelled["state"] == "rejected"
    yesterday = (inr_today() - timedelta(days=1)).isoformat()
    past = api.pay(SBI, UCO, 5_000_00, settlement_date=yesterday)  # stored, and refused:
    assert (past["state"], past["reason_code"]) == ("rejected", "DT01")
    assert "past" in past["reason"]
    beyond = (inr_today() + timedelta(days=90)).isoformat()
    far = api.pay(SBI, UCO, 5_000_00, settlement_date=beyond)
    assert far["reason_code"] == "DT01" and "horizon" in far["reason"]
    now = api.pay(SBI, UCO, 5_000_00)
    assert now["state"] == "settled" and now["settlement_date"] == inr_today().isoformat()


def test_the_operator_closes_the_day_and_its_statements_are_downloadable(api: Api) -> None:
    api.pay(SBI, UCO, 7_000_00)
    day = inr_today().isoformat()
    closed = api.ok("POST", f"/v1/days/INR/{day}/close")
    assert closed["state"] == "closed" and closed["pending_steps"] == []
    assert list(closed["steps"]) == [
        "stop",
        "lsm",
        "window",
        "queue",
        "vostro",
        "statements",
        "report",
        "open",
    ]
    assert closed["report"]["turnover_minor"] >= 7_000_00
    again = api.ok("POST", f"/v1/days/INR/{day}/close")  # done once: nothing more happens
    assert again["steps"] == closed["steps"]
    other = api.client.post("/v1/days/INR/2020-01-06/close", headers=api.operator)
    assert other.status_code == 409
    listed = api.ok("GET", f"/v1/days/{day}/statements?currency=INR")
    names = [s["name"] for s in listed]
    assert any(n.startswith(f"{UCO}-settlement-INR") for n in names)
    own = api.ok("GET", f"/v1/days/{day}/statements", headers=api.keys[UCO])
    assert own and all(s["owner"] == UCO for s in own)
    mine = next(s for s in own if s["currency"] == "INR" and "settlement" in s["name"])
    xml = api.client.get(mine["href"], headers=api.keys[UCO])
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    credits = etree.fromstring(xml.content).xpath("//*[local-name()='Ntry']/*[local-name()='Amt']")
    assert "7000.00" in [c.text for c in credits]
    theirs = api.client.get(mine["href"], headers=api.keys[VTB])
    assert theirs.status_code == 404  # another bank's statement is not there for it
    calendar = {c["currency"]: c for c in api.ok("GET", "/v1/calendar")}
    assert calendar["INR"]["day"] > day  # the next business day is open


def test_a_participant_chooses_carry_for_what_is_still_queued(api: Api) -> None:
    done = api.ok("PUT", f"/v1/participants/{UCO}/end-of-day", json={"carry": True})
    assert "carried" in done["detail"]
    refused = api.client.put(
        f"/v1/participants/{UCO}/end-of-day", json={"carry": True}, headers=api.keys[UCO]
    )
    assert refused.status_code == 403

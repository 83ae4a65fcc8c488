"""The dashboard in a real browser: live payments, charts, and what each key may see."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Running
from vostro.platform import Platform

pytestmark = pytest.mark.browser

SBI = "SBININBB"  # State Bank of India
UCO = "UCBAINBB"  # UCO Bank
SBER = "SABRRUMM"  # Sberbank: rupee vostro at SBI
VTB = "VTBRRUMM"  # VTB Bank: rupee vostro at UCO Bank
WAIT_MS = 15_000  # the page polls every 2 s; a payment shows within one or two polls
VIEWPORT = {"width": 1280, "height": 900}
CRORE_MINOR = 10**7 * 100  # one crore rupees in paise
LAKH_MINOR = 10**5 * 100


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, f"{response.request.url}: {response.status_code} {response.text}"
    body: dict[str, Any] = response.json()
    return body


def register(api: httpx.Client, bic: str, name: str, currencies: list[str], **extra: Any) -> None:
    body = {"bic": bic, "name": name, "roles": ["bank"], "currencies": currencies, **extra}
    ok(api.post("/v1/participants", json=body))


def fund(api: httpx.Client, bic: str, currency: str, amount_minor: int) -> None:
    ok(
        api.post(
            f"/v1/participants/{bic}/funds",
            json={"currency": currency, "amount_minor": amount_minor},
        )
    )


def pay(
    api: httpx.Client,
    e2e: str,
    debtor: str,
    creditor: str,
    amount_minor: int,
    currency: str,
    segment: str,
) -> dict[str, Any]:
    body = {
        "end_to_end_id": e2e,
        "debtor_agent": debtor,
        "creditor_agent": creditor,
        "amount_minor": amount_minor,
        "currency": currency,
        "segment": segment,
    }
    return ok(api.post("/v1/payments", json=body))


def two_banks(api: httpx.Client) -> None:
    register(api, SBI, "State Bank of India", ["INR"])
    register(api, UCO, "UCO Bank", ["INR"])
    fund(api, SBI, "INR", 500 * CRORE_MINOR)


def corridor(service: Running, api: httpx.Client) -> None:
    """Two Russian banks with rupee vostro accounts, a handful of payments across segments, a
    gridlock the liquidity-saving mechanism resolves, one payment left queued, and a treasury
    day that invests the vostro surplus."""
    register(api, SBER, "Sberbank", ["INR", "RUB"], correspondent_bic=SBI)
    register(api, VTB, "VTB Bank", ["INR", "RUB"], correspondent_bic=UCO)
    fund(api, SBER, "RUB", 40 * CRORE_MINOR)
    fund(api, VTB, "RUB", 25 * CRORE_MINOR)
    fund(api, UCO, "INR", 10 * LAKH_MINOR)
    today = datetime.now(UTC).date().isoformat()
    rates = [
        {"base": "USD", "quote": code, "rate": rate, "as_of": today, "source": "test"}
        for code, rate in (("RUB", "78.5000"), ("INR", "84.5000"))
    ]
    ok(api.post("/v1/fx/rates", json={"rates": rates}))

    def treasury_settings(platform: Platform) -> None:  # no HTTP endpoint for these yet
        platform.treasury.configure(SBER, 25 * CRORE_MINOR, Decimal("0.0675"), actor="test")
        platform.treasury.configure(VTB, 2 * CRORE_MINOR, Decimal("0.0640"), actor="test")

    service.on_writer(treasury_settings)
    settled = [
        ("OIL-2611-001", SBI, SBER, 182 * CRORE_MINOR + 45_67_890_12, "INR", "crude_oil"),
        ("OIL-2611-002", SBI, VTB, 9 * CRORE_MINOR + 60 * LAKH_MINOR, "INR", "crude_oil"),
        ("COAL-2611-01", SBI, SBER, 31 * CRORE_MINOR + 5_00_000_00, "INR", "coal"),
        ("PHARMA-0042", SBER, SBI, 12 * CRORE_MINOR + 33_000_00, "INR", "pharmaceuticals"),
        ("TEA-0007", VTB, UCO, 2 * CRORE_MINOR, "INR", "tea_and_food"),
        ("FERT-RU-118", SBER, VTB, 8_75_00_000_00, "RUB", "fertilisers"),
        ("REM-000317", VTB, SBER, 1_25_000_00, "RUB", "remittances"),
    ]
    for e2e, debtor, creditor, amount, code, segment in settled:
        assert pay(api, e2e, debtor, creditor, amount, code, segment)["state"] == "settled", e2e
    # UCO and VTB each owe the other more than they hold: netting settles both at once.
    gridlock = [
        ("MACH-UCO-201", UCO, VTB, 6 * CRORE_MINOR, "INR", "machinery"),
        ("MACH-VTB-305", VTB, UCO, 9 * CRORE_MINOR + 12_50_000_00, "INR", "machinery"),
    ]
    for e2e, debtor, creditor, amount, code, segment in gridlock:
        assert pay(api, e2e, debtor, creditor, amount, code, segment)["state"] == "queued", e2e
    run = ok(api.post("/v1/settlement/lsm-runs", json={"currency": "INR"}))
    assert run["settled"] == 2, run
    big = pay(api, "ENG-UCO-0091", UCO, SBI, 75 * CRORE_MINOR, "INR", "engineering")
    assert big["state"] == "queued"
    ok(api.post("/v1/vostro/close-day"))


def test_a_payment_appears_settled_on_the_operators_dashboard_while_it_is_open(
    service: Running, browser: Any, tmp_path: Path
) -> None:
    # The picture for the docs is `make docs` (VOSTRO_DASHBOARD_SCREENSHOT=docs/dashboard.png);
    # a test run never writes into the tree.
    screenshot = Path(os.environ.get("VOSTRO_DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png")
    from playwright.sync_api import expect

    with service.client() as api:
        two_banks(api)
        corridor(service, api)
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        context.set_default_timeout(WAIT_MS)
        try:
            page = context.new_page()
            page.goto(f"{service.base_url}/#key={service.operator_key}")
            expect(page.locator("#who .role")).to_have_text("operator", timeout=WAIT_MS)
            assert "key=" not in page.url, "the key must leave the address bar"
            expect(page.locator('#payments-table tr[data-e2e="OIL-2611-001"]')).to_be_visible(
                timeout=WAIT_MS
            )

            payment = pay(api, "INV-2611-0001", SBI, UCO, 1_23_45_678_90, "INR", "pharmaceuticals")
            assert payment["state"] == "settled"
            row = page.locator('#payments-table tr[data-e2e="INV-2611-0001"]')
            expect(row.locator(".state")).to_have_text("settled", timeout=WAIT_MS)
            expect(row).to_have_attribute("data-uetr", payment["uetr"])
            expect(row).to_contain_text("1,23,45,678.90 INR")

            charts = page.locator("svg.chart")
            expect(charts.first).to_be_visible()
            assert page.locator("svg.chart rect[style]").count() > 5, "bars were drawn"
            expect(page.locator("svg.corridor-chart path.line-cum")).to_have_count(1)
            expect(page.locator("#queue .chip[data-currency='INR']")).to_contain_text("1 queued")
            expect(page.locator("#holds")).to_contain_text("No payments held")
            page.screenshot(path=str(screenshot), full_page=True)
            assert screenshot.stat().st_size > 10_000, "the dashboard was drawn"
        finally:
            context.close()


def test_the_day_panel_counts_down_to_the_next_moment_and_shows_the_last_day(
    service: Running, browser: Any
) -> None:
    from playwright.sync_api import expect

    with service.client() as api:
        two_banks(api)
        hours = {"customer": "24:00", "interbank": "24:00", "urgent": "24:00"}
        schedule = {"opens": "00:00", "cutoffs": hours, "end_of_day": "24:00"}
        ok(api.put("/v1/calendar/INR/schedule", json=schedule))
        pay(api, "DAY-0001", SBI, UCO, 5_000_00, "INR", "pharmaceuticals")
        today = next(c["day"] for c in ok_list(api.get("/v1/calendar")) if c["currency"] == "INR")
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(WAIT_MS)
        try:
            page = context.new_page()
            page.goto(f"{service.base_url}/#key={service.operator_key}")
            inr = page.locator('#days tr[data-currency="INR"]')
            expect(inr).to_contain_text("customer cut-off at")
            expect(inr.locator(".day-state")).to_have_text("open")
            closed = ok(api.post(f"/v1/days/INR/{today}/close"))
            assert closed["state"] == "closed"
            # Closed early, the rupee day waits for tomorrow's opening; today's report shows.
            expect(inr).to_contain_text("opening at")
            expect(inr).to_contain_text(f"{today}, 1 payments")
            clock = inr.locator("[data-countdown]")
            before = clock.inner_text()
            page.wait_for_timeout(2_100)
            assert clock.inner_text() != before, "the countdown moves between polls"
            rub = page.locator('#days tr[data-currency="RUB"]')
            expect(rub).to_contain_text("24×7")
            expect(rub).to_contain_text("end of day at")
        finally:
            context.close()


def ok_list(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.is_success, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def test_a_participant_sees_only_itself_and_a_bad_key_is_refused(
    service: Running, browser: Any
) -> None:
    from playwright.sync_api import expect

    with service.client() as api:
        two_banks(api)
        fund(api, UCO, "INR", 3 * CRORE_MINOR)
        pay(api, "SBI-UCO-1", SBI, UCO, 5 * LAKH_MINOR, "INR", "trade")
        key = ok(api.post("/v1/keys", json={"role": "participant", "bic": UCO, "label": "uco"}))[
            "key"
        ]
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{service.base_url}/#key={key}")
        expect(page.locator("#who .bic")).to_have_text(UCO, timeout=WAIT_MS)
        expect(page.locator("#who .role")).to_have_text("participant")
        expect(page.locator(f'#balances-table tr[data-bic="{UCO}"]')).to_have_count(1)
        expect(page.locator(f'#balances-table tr[data-bic="{SBI}"]')).to_have_count(0)
        expect(page.locator('#payments-table tr[data-e2e="SBI-UCO-1"]')).to_be_visible()
        expect(page.locator("#holds")).to_be_hidden()

        page.locator("#sign-out").click()
        page.locator("#key").fill("vk_00000000_not-a-real-key")
        page.locator("#login button[type=submit]").click()
        expect(page.locator("#login-error")).to_contain_text("refused", timeout=WAIT_MS)
        expect(page.locator("#dashboard")).to_be_hidden()
        expect(page.locator("#key")).to_be_visible()
    finally:
        context.close()


def test_the_operator_decides_a_held_payment_from_the_hold_queue(
    service: Running, browser: Any
) -> None:
    from playwright.sync_api import expect

    listed = b'{"id": "x1", "schema": "Company", "properties": {"name": ["Gazprombank"]}}\n'
    with service.client() as api:
        two_banks(api)
        ok(
            api.put(
                "/v1/compliance/lists/sanctions?format=ftm",
                content=listed,
                headers={"Content-Type": "application/x-ndjson"},
            )
        )
        body = {
            "end_to_end_id": "HELD-1",
            "debtor_agent": SBI,
            "creditor_agent": UCO,
            "amount_minor": 7 * LAKH_MINOR,
            "currency": "INR",
            "creditor_name": "Газпромбанк",
        }
        held = ok(api.post("/v1/payments", json=body))
        assert held["state"] == "held"
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept("cleared: a different bank"))
        page.goto(f"{service.base_url}/#key={service.operator_key}")
        row = page.locator(f'#holds-table tr[data-uetr="{held["uetr"]}"]')
        expect(row).to_contain_text("Газпромбанк")
        expect(row).to_contain_text("7,00,000.00 INR")
        row.locator('button[data-decision="release"]').click()
        settled = page.locator('#payments-table tr[data-e2e="HELD-1"]')
        expect(settled).to_contain_text("settled")
        expect(page.locator("#holds")).to_contain_text("No payments held")
    finally:
        context.close()
    with service.client() as api:
        entries = ok(api.get("/v1/audit", params={"limit": 100}))["items"]  # type: ignore[index]
    assert any("cleared: a different bank" in str(e["detail"]) for e in entries)  # type: ignore[union-attr]


def test_names_show_as_the_text_they_are_never_as_html(service: Running, browser: Any) -> None:
    from playwright.sync_api import expect

    hostile = '<img src=x onerror="window.pwned=1"><b>HDFC</b> [red]Bank[/red] &amp;'
    with service.client() as api:
        two_banks(api)
        register(api, "HDFCINBB", hostile, ["INR"])
        fund(api, "HDFCINBB", "INR", LAKH_MINOR)
        key = ok(
            api.post("/v1/keys", json={"role": "participant", "bic": "HDFCINBB", "label": "x"})
        )
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{service.base_url}/#key={service.operator_key}")
        cell = page.locator('#participants-table tr[data-bic="HDFCINBB"] td.name')
        expect(cell).to_have_text(hostile, timeout=WAIT_MS)
        row = page.locator('#balances-table tr[data-bic="HDFCINBB"]')
        expect(row).to_contain_text(hostile)
        assert page.locator("#dashboard img, #dashboard b").count() == 0
        mine = context.new_page()  # a tab of its own: the participant's session
        mine.goto(f"{service.base_url}/#key={key['key']}")
        expect(mine.locator("#who .name")).to_have_text(hostile, timeout=WAIT_MS)
        assert page.evaluate("window.pwned") is None and mine.evaluate("window.pwned") is None
    finally:
        context.close()

"""The simulator's report in a real browser with the network cut off: every chart draws, the
page asks for nothing outside its own file, and nothing goes wrong on the console."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.sim_fixtures import write_run, write_sweep
from vostro.config import Settings
from vostro.sim import scenario as scenarios
from vostro.sim.report import write_report, write_sweep_report
from vostro.sim.simulate import simulate

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 900}
WAIT_MS = 15_000  # plotly draws a few charts in well under a second; this is a hang guard
RUN_CHARTS = 6
SWEEP_RUNS = 6  # tests.sim_fixtures.write_sweep: two designs at three liquidity levels


@dataclass
class Offline:
    """A page opened with every request that is not for a local file refused and recorded."""

    page: Any
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@contextmanager
def opened_offline(browser: Any, path: Path) -> Iterator[Offline]:
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.set_default_timeout(WAIT_MS)
    try:
        offline = Offline(context.new_page())

        def guard(route: Any) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                offline.outside_requests.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        offline.page.on(
            "console",
            lambda message: (
                offline.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        offline.page.on("pageerror", lambda error: offline.console_errors.append(str(error)))
        offline.page.goto(path.as_uri())
        yield offline
    finally:
        context.close()


def assert_every_chart_drew(page: Any, charts: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("figure.chart")).to_have_count(charts)
    plots = page.locator("figure.chart .js-plotly-plot")
    expect(plots).to_have_count(charts)
    for n in range(charts):
        plot = plots.nth(n)
        expect(plot.locator("svg.main-svg").first).to_be_attached()
        assert plot.bounding_box()["height"] > 200, f"chart {n + 1} has no room"


def test_the_run_report_draws_every_chart_offline_and_fetches_nothing(
    browser: Any, tmp_path: Path
) -> None:
    screenshot = tmp_path / "report.png"
    report = write_report(write_run(tmp_path / "run", days=30))
    with opened_offline(browser, report) as offline:
        page = offline.page
        assert_every_chart_drew(page, RUN_CHARTS)
        assert page.locator("h1").inner_text() == "Corridor simulation: baseline"
        assert page.locator("#chart-surplus .subplot").count() >= 2, "one panel per bank"
        page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.stat().st_size > 50_000, "the report was drawn"
    assert offline.outside_requests == []
    assert offline.console_errors == []


def test_a_simulated_run_s_report_draws_in_the_browser(browser: Any, tmp_path: Path) -> None:
    """A report of the real engine's output: a short run, or the run folder VOSTRO_SIM_REPORT_RUN
    names. `make docs` stores its picture (VOSTRO_SIM_REPORT_SCREENSHOT=docs/simulator-report.png);
    a test run never writes into the tree."""
    folder = os.environ.get("VOSTRO_SIM_REPORT_RUN")
    if folder:
        run_dir = Path(folder)
    else:
        run_dir = tmp_path / "lsm"
        simulate(scenarios.load("lsm"), Settings().data_dir, run_dir, scale=0.01, days=20)
    report = write_report(run_dir)
    screenshot = Path(os.environ.get("VOSTRO_SIM_REPORT_SCREENSHOT") or tmp_path / "real.png")
    with opened_offline(browser, report) as offline:
        assert_every_chart_drew(offline.page, RUN_CHARTS)
        offline.page.screenshot(path=str(screenshot), full_page=True)
    assert offline.outside_requests == []
    assert offline.console_errors == []


def test_the_sweep_report_draws_the_trade_off_with_a_point_per_run_offline(
    browser: Any, tmp_path: Path
) -> None:
    report = write_sweep_report(write_sweep(tmp_path / "sweep"))
    with opened_offline(browser, report) as offline:
        page = offline.page
        assert_every_chart_drew(page, 5)
        points = page.locator("#chart-tradeoff .scatterlayer .point")
        assert points.count() == SWEEP_RUNS
        assert page.locator("table tbody tr").count() == SWEEP_RUNS
        page.screenshot(path=str(tmp_path / "sweep.png"), full_page=True)
    assert offline.outside_requests == []
    assert offline.console_errors == []


def test_names_from_the_data_are_drawn_as_text_and_never_run(browser: Any, tmp_path: Path) -> None:
    banks = {"SABRRUMM": "<b>Sber</b> & Co", "VTBRRUMM": "<img src=x onerror=alert(1)>"}
    hostile = "<script>alert('vostro')</script>"
    report = write_report(write_run(tmp_path / "run", banks=banks, scenario=hostile))
    with opened_offline(browser, report) as offline:
        page = offline.page
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        assert_every_chart_drew(page, RUN_CHARTS)
        assert page.locator("h1").inner_text() == f"Corridor simulation: {hostile}"
        panels = page.locator("#chart-surplus .annotation-text").all_text_contents()
        assert "<b>Sber</b> & Co (SABRRUMM)" in panels
        assert "<img src=x onerror=alert(1)> (VTBRRUMM)" in panels
        assert page.locator("img").count() == 0
        assert dialogs == []
    assert offline.outside_requests == []
    assert offline.console_errors == []


def test_the_network_guard_sees_a_page_that_asks_for_an_outside_resource(
    browser: Any, tmp_path: Path
) -> None:
    # Without this the two tests above could pass with a guard that never fires.
    page = tmp_path / "outside.html"
    page.write_text('<!DOCTYPE html><img src="http://192.0.2.1/logo.png" alt="">')
    with opened_offline(browser, page) as offline:
        offline.page.wait_for_load_state("load")
    assert offline.outside_requests == ["http://192.0.2.1/logo.png"]

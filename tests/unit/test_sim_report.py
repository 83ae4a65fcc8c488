"""The simulator's report from a synthetic run folder: one file with nothing from outside, the
figures of summary.json in its sentences, every chart titled and explained, data escaped."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.sim_fixtures import (
    CRORE,
    REMITTANCES_SCHEMA,
    RUB_MILLION,
    SURPLUS_SCHEMA,
    write_run,
    write_sweep,
)
from vostro.errors import InvariantViolation, VostroError
from vostro.sim.report import (
    build_report,
    money,
    read_run,
    run_charts,
    share,
    surplus_chart,
    usd,
    write_report,
    write_sweep_report,
)

RUN_TITLES = (
    "Liquidity needed per day",
    "Delay indicator ρ and queue time per day",
    "Rupee surplus of each Russian bank",
    "What a remittance cost",
    "Corridor value by segment, through vostro and outside",
    "FX providers' balances",
)
SWEEP_TITLES = (
    "The liquidity–delay trade-off",
    "Liquidity by run: lower bound, used and upper bound",
    "Rupee surplus at year end by run",
    "Remittance cost by run",
    "Trade through vostro by run",
)
HOSTILE = "<script>alert('vostro')</script>"


class Resources(HTMLParser):
    """Every address the page's elements name (src, href, and url() in inline styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "srcset") and value is not None:
                self.addresses.append(value)
            if name == "style" and value and "url(" in value:
                self.addresses.append(value)


def resources(page: str) -> Resources:
    parser = Resources()
    parser.feed(page)
    return parser


def without_plotly_js(page: str) -> str:
    """The page less the plotly.js bundle (its source quotes URLs it never loads here)."""
    start = page.index("<script>")
    return page[:start] + page[page.index("</script>", start) :]


def test_the_run_report_is_one_file_that_loads_nothing_from_outside(tmp_path: Path) -> None:
    path = write_report(write_run(tmp_path / "run"))
    assert path == tmp_path / "run" / "report.html"
    page = path.read_text(encoding="utf-8")
    found = resources(page)
    assert [a for a in found.addresses if "//" in a or ":" in a.split("/")[0]] == []
    assert "link" not in found.tags and "img" not in found.tags and "iframe" not in found.tags
    assert "http://" not in without_plotly_js(page) and "https://" not in without_plotly_js(page)
    assert "<script src" not in page and "@import" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert without_plotly_js(page).count("Plotly.newPlot(") == len(RUN_TITLES)
    assert page.count("<script>") == 1 + len(RUN_TITLES), "plotly.js once, then one per chart"


def test_every_chart_has_its_title_a_sentence_and_axes_with_units(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run")
    page = write_report(run_dir).read_text(encoding="utf-8")
    for title in RUN_TITLES:
        assert f"<h2>{html.escape(title)}</h2>" in page, title
    charts = run_charts(read_run(run_dir))
    assert [chart.title for chart in charts] == list(RUN_TITLES)
    for chart in charts:
        assert len(chart.sentence) > 60 and chart.sentence.endswith("."), chart.title
        assert f"<figcaption>{chart.sentence}</figcaption>" in page
        layout = chart.figure.layout
        axes = [layout[name] for name in layout if name.startswith(("xaxis", "yaxis"))]
        titled = [axis.title.text for axis in axes if axis.title.text]
        assert titled, f"{chart.title}: no axis title"
        if chart.slug != "segments":  # its y axis is the list of segments, named by its ticks
            assert all(
                "date" in t
                or any(
                    u in t
                    for u in ("INR", "RUB", "USD", "%", "ρ", "minutes", "seconds", "remittances")
                )
                for t in titled
            ), titled


def test_the_summary_sentences_carry_the_figures_of_summary_json(tmp_path: Path) -> None:
    run_dir = write_run(
        tmp_path / "run",
        days=365,
        remittance_cost_pct_mean=1.8734,
        remittance_cost_pct_p95=2.4162,
        remittances=12_345,
        delay_indicator=0.0412,
        rupee_surplus_usd=980_000_000_000,
        rupee_invested_usd=710_000_000_000,
        rupee_vostro_usd=270_000_000_000,
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    page = write_report(run_dir).read_text(encoding="utf-8")
    used = summary["liquidity"]["INR"]["used_minor"]
    lower = summary["liquidity"]["INR"]["lower_bound_minor"]
    assert used % CRORE == 0 and lower % CRORE == 0  # whole crores in the fixture: exact text
    assert "Over 365 days the corridor carried USD 68.7 bn of trade" in page
    assert "USD 14.2 bn of it (20.7 %) settled through vostro in rupees and roubles" in page
    assert f"needed at most INR {used // CRORE:,} crore of rupee liquidity on its peak day" in page
    rub_used = summary["liquidity"]["RUB"]["used_minor"] // RUB_MILLION
    assert f"RUB {rub_used:,} million of rouble liquidity" in page
    assert f"The lower bound was INR {lower // CRORE:,} crore" in page
    assert "The delay indicator ρ was 0.04" in page
    assert "ended the year at USD 9.8 bn, of which USD 7.1 bn invested (72.4 %)" in page
    assert "cost 1.87 % on average (p95 2.42 %) over 12,345 remittances" in page
    assert "against the global average 6.18 % and the SDG target of 3 %" in page
    assert "9 settled" not in page and "12 were refused (AM04 insufficient funds: 9" in page
    assert "68.7 % of the USD 100 bn target for 2030" in page
    assert "The ledger was verified" in page


def test_a_ledger_that_did_not_verify_is_said_plainly(tmp_path: Path) -> None:
    page = write_report(write_run(tmp_path / "run", ledger_verified=False)).read_text()
    assert "The ledger did not verify after the run" in page
    assert "ledger not verified" in page


def test_hostile_text_in_the_data_is_escaped_in_the_page_and_in_the_charts(
    tmp_path: Path,
) -> None:
    banks = {"SABRRUMM": "<b onmouseover=alert(1)>Sberbank</b>", "VTBRRUMM": "VTB & Co"}
    run_dir = write_run(
        tmp_path / "run",
        banks=banks,
        scenario=HOSTILE,
        description='<img src="x" onerror="alert(1)">',
        refused_by_reason={"<i>AM04</i>": 3},
    )
    page = write_report(run_dir).read_text(encoding="utf-8")
    assert HOSTILE not in page and "<script>alert" not in page
    assert f"<h1>Corridor simulation: {html.escape(HOSTILE)}</h1>" in page
    assert "<img" not in page and html.escape('<img src="x" onerror="alert(1)">') in page
    assert "<i>AM04</i>" not in page and "&lt;i&gt;AM04&lt;/i&gt;" in page
    assert "<b onmouseover" not in page
    # plotly draws a subset of HTML in its labels: names reach it escaped, shown as text
    chart = surplus_chart(read_run(run_dir))
    panel_titles = [annotation.text for annotation in chart.figure.layout.annotations]
    assert html.escape(banks["SABRRUMM"]) + " (SABRRUMM)" in panel_titles
    assert "VTB &amp; Co (VTBRRUMM)" in panel_titles


def test_money_is_formatted_exactly_from_integer_minor_units() -> None:
    assert money(5_240 * CRORE, "INR") == "INR 5,240 crore"
    assert money(1_23_456 * CRORE, "INR") == "INR 1,23,456 crore"  # Indian grouping
    assert money(75 * CRORE + CRORE // 2, "INR") == "INR 75.5 crore"
    assert money(2_345_000_000, "INR") == "INR 2.34 crore"  # half to even, not a float's guess
    assert money(2_355_000_000, "INR") == "INR 2.36 crore"
    assert money(-470 * CRORE, "INR") == "INR -470 crore"
    assert money(692 * RUB_MILLION, "RUB") == "RUB 692 million"
    assert money(-1, "INR") == "INR 0 crore"
    assert money(2**63 - 1, "INR") == "INR 9,22,33,72,037 crore"  # no overflow, no float
    assert usd(6_870_000_000_000) == "USD 68.7 bn"
    assert usd(10_000_000_000_000) == "USD 100 bn"
    assert usd(62_000_000_000) == "USD 620 m"
    assert usd(123_456) == "USD 1,235"
    assert share(1, 3) == "33.3 %" and share(5, 0) == "–"
    with pytest.raises(InvariantViolation):
        money(1.5, "INR")  # type: ignore[arg-type]


def test_a_run_without_remittances_or_surplus_says_so_instead_of_drawing(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run", remittances=0, rupee_surplus_usd=0)
    pq.write_table(
        pa.Table.from_pylist([], schema=REMITTANCES_SCHEMA), run_dir / "remittances.parquet"
    )
    pq.write_table(pa.Table.from_pylist([], schema=SURPLUS_SCHEMA), run_dir / "surplus.parquet")
    page = write_report(run_dir).read_text(encoding="utf-8")
    assert "No remittances were sent in this run." in page
    assert "No migrant remittances were sent in this run." in page
    assert "No Russian bank holds rupees in this run." in page
    assert "Russian banks ended the run with no rupee surplus." in page  # 5 days: "the run"
    assert without_plotly_js(page).count("Plotly.newPlot(") == len(RUN_TITLES)


def test_a_summary_without_a_key_of_the_contract_is_refused_by_name(tmp_path: Path) -> None:
    run_dir = write_run(tmp_path / "run")
    summary = json.loads((run_dir / "summary.json").read_text())
    del summary["delay_indicator"]
    (run_dir / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(VostroError, match="delay_indicator"):
        write_report(run_dir)


def test_a_sweep_folder_gets_the_comparison_and_a_run_folder_its_own_report(
    tmp_path: Path,
) -> None:
    sweep_dir = write_sweep(tmp_path / "sweep")
    write_report(sweep_dir / "runs" / "lsm-0.50")
    assert build_report(sweep_dir / "runs" / "lsm-1.00") == sweep_dir / "runs/lsm-1.00/report.html"
    path = build_report(sweep_dir)
    assert path == sweep_dir / "report.html"
    page = path.read_text(encoding="utf-8")
    for title in SWEEP_TITLES:
        assert f"<h2>{html.escape(title)}</h2>" in page, title
    assert without_plotly_js(page).count("Plotly.newPlot(") == len(SWEEP_TITLES)
    sweep = json.loads((sweep_dir / "sweep.json").read_text())
    for run in sweep["runs"]:
        assert f">{run['label']}<" in page
    assert page.count("<tr>") == 1 + len(sweep["runs"])
    assert '<a href="runs/lsm-0.50/report.html">LSM at 0.50</a>' in page  # written: linked
    assert 'href="runs/rtgs-0.00/report.html"' not in page  # not written: not linked
    assert "design (rtgs, lsm) × liquidity_level (0.0, 0.5, 1.0)" in page
    assert "With RTGS, going from INR 1,080 crore to INR 6,400 crore of liquidity lowers ρ" in page
    assert [a for a in resources(page).addresses if "//" in a] == []


def test_a_sweep_run_folder_outside_the_sweep_is_never_linked(tmp_path: Path) -> None:
    sweep_dir = write_sweep(tmp_path / "sweep")
    write_report(write_run(tmp_path / "elsewhere"))
    sweep = json.loads((sweep_dir / "sweep.json").read_text())
    sweep["runs"][0]["dir"] = "../elsewhere"
    sweep["runs"][1]["dir"] = str(tmp_path / "elsewhere")
    sweep["runs"][2]["label"] = HOSTILE
    (sweep_dir / "sweep.json").write_text(json.dumps(sweep))
    page = write_sweep_report(sweep_dir).read_text(encoding="utf-8")
    assert "elsewhere" not in page
    assert HOSTILE not in page and html.escape(HOSTILE) in page

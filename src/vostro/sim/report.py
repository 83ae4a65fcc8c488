"""The corridor simulator's report: one self-contained HTML file a policy maker can read.

A run folder, written by the simulator, holds `summary.json` and the year's measures as parquet
tables: `days` (per day and currency: the liquidity bounds and the liquidity used, the delay
indicator ρ, queue times), `surplus` (per day and Russian bank: rupees on the vostro account and
invested), `providers` (per day, FX provider and currency), `remittances` (one row each, with its
all-in cost) and `segments` (value per segment of trade, through vostro and outside).
`write_report` turns a run folder into `report.html`: the key figures, a summary in sentences,
tables and six charts, each with a title, axes with units and a sentence drawn from the data.
A sweep folder holds `sweep.json` (its grid and every run's summary); `write_sweep_report`
compares the runs, the liquidity–delay trade-off among them. `build_report` picks the one that
fits the folder.

The file needs no network: plotly.js is embedded once, inline, and a content security policy
refuses any other source. Every text from the data is HTML-escaped, in the page and in the
charts (plotly draws a subset of HTML in its labels). Money stays in integer minor units until it
is formatted for display: crore for rupees, millions for roubles, billions or millions for US
dollars.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped]
import plotly.io as pio  # type: ignore[import-untyped]
import pyarrow.parquet as pq
from numpy.typing import NDArray
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

from vostro.errors import VostroError, invariant
from vostro.money import currency
from vostro.payments.model import Reason

REPORT_FILE = "report.html"
SWEEP_FILE = "sweep.json"
# Remittance Prices Worldwide, global average cost of sending USD 200, Q3 2023: the last value
# found in public sources (shared/data/SOURCES.md). SDG target 10.c: below 3 %.
REMITTANCE_COST_GLOBAL_PCT = 6.18
REMITTANCE_COST_SDG_PCT = 3.0
CRORE_DIGITS = 7  # one crore is 10^7 rupees
MILLION_DIGITS = 6
BILLION_DIGITS = 9
HISTOGRAM_BINS = 40  # the cost histogram's bars: fine enough for a spread of a few percent
REASONS_SHOWN = 3  # refusal reasons named in the summary; the table lists them all
SURPLUS_COLUMNS = 3  # banks side by side in the surplus chart before it wraps
QUEUE_MINUTES_FROM_S = 600.0  # queue times over ten minutes read better in minutes
DAYS_IN_YEAR = 365  # a run this long is "the year" in the sentences, a shorter one "the run"
PANEL_HEIGHT_PX = 280
CHART_MARGIN_PX = 110  # room for the legend above and the axis title below
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", '
    '"Liberation Sans", Arial, sans-serif'
)
INK, MUTED, GRID, SLATE = "#1b2430", "#5b6573", "#e6e9ee", "#b8c2cf"
BLUE, GREEN, AMBER, RED, PURPLE, TEAL = (
    "#1f5fae",
    "#1e7d45",
    "#b86e00",
    "#b3261e",
    "#8a4fb8",
    "#2f7f9e",
)
PALETTE = (BLUE, AMBER, GREEN, PURPLE, TEAL, RED)
CURRENCY_COLOURS = {"INR": BLUE, "RUB": RED}
DESIGNS = {
    "rtgs": "real-time gross settlement (RTGS)",
    "lsm": "RTGS with a liquidity-saving mechanism (LSM)",
    "dns": "deferred net settlement (DNS) in windows",
}
DIRECTIONS = {"IN->RU": "imports", "RU->IN": "exports"}
# The keys of summary.json the report reads (the simulator writes more).
SUMMARY_KEYS = (
    "scenario",
    "description",
    "seed",
    "scale",
    "days",
    "design",
    "liquidity_level",
    "payments",
    "payments_through_vostro",
    "payments_settled",
    "payments_refused",
    "refused_by_reason",
    "imports_usd",
    "exports_usd",
    "through_vostro_usd",
    "outside_usd",
    "remittances",
    "remittance_cost_pct_mean",
    "remittance_cost_pct_p95",
    "liquidity",
    "liquidity_usd",
    "delay_indicator",
    "queue_p50_s",
    "queue_p95_s",
    "rupee_surplus_usd",
    "rupee_vostro_usd",
    "rupee_invested_usd",
    "interest_earned_minor",
    "targets_usd",
    "ledger_verified",
    "seconds",
)
TABLE_COLUMNS = {
    "days": [
        "date",
        "currency",
        "used_minor",
        "upper_bound_minor",
        "lower_bound_minor",
        "unsettled_eod_minor",
        "delay_indicator",
        "queue_p50_s",
        "queue_p95_s",
    ],
    "surplus": ["date", "bic", "name", "vostro_minor", "invested_minor", "interest_minor"],
    "providers": ["date", "bic", "currency", "balance_minor"],
    "segments": ["segment", "direction", "payments", "value_usd", "through_vostro_usd"],
}
# No source but the page itself: plotly.js and the charts are inline, the styles too.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
)
CHART_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}

Row = dict[str, Any]
Summary = dict[str, Any]


# --------------------------------------------------------------------------- figures as text


def escaped(text: object) -> str:
    """Text from the data, safe inside HTML (and inside plotly's labels)."""
    return html.escape(str(text))


def _scaled(minor: int, code: str, digits: int) -> Decimal:
    """`minor` units of `code` counted in units of 10^digits whole units, exactly."""
    invariant(isinstance(minor, int), f"money is an integer of minor units, not {minor!r}")
    return Decimal(minor).scaleb(-(currency(code).exponent + digits))


def _indian_grouping(text: str) -> str:
    """Digits grouped the Indian way, thousands then pairs (lakhs, crores): 12,34,567.5."""
    sign = "-" if text.startswith("-") else ""
    whole, dot, fraction = text.lstrip("-").partition(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        pairs = [head[max(end - 2, 0) : end] for end in range(len(head), 0, -2)]
        whole = ",".join([*reversed(pairs), tail])
    return f"{sign}{whole}{dot}{fraction}"


def _figure(value: Decimal, *, indian: bool = False) -> str:
    """A number for reading: whole from 100, one decimal from 10, two below; no trailing
    zeros ("9.8", not "9.80")."""
    places = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
    rounded = rounded.copy_abs() if rounded == 0 else rounded  # never "-0"
    text = _indian_grouping(f"{rounded:f}") if indian else f"{rounded:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _unit(code: str) -> tuple[int, str]:
    """How a currency is counted in the report: crore of rupees, millions of anything else."""
    return (CRORE_DIGITS, "crore") if code == "INR" else (MILLION_DIGITS, "million")


def _count(minor: int, code: str) -> str:
    """The number of the report's units for a currency in an amount: "4,321" (crore)."""
    return _figure(_scaled(minor, code, _unit(code)[0]), indian=code == "INR")


def amount(minor: int, code: str) -> str:
    """An amount in the report's unit for its currency, without the code: "4,321 crore"."""
    return f"{_count(minor, code)} {_unit(code)[1]}"


def _tile_money(minor: int, code: str) -> str:
    """An amount for a key-figure tile: the figure large, the unit small (HTML)."""
    return f"{escaped(code)} {_count(minor, code)} <small>{_unit(code)[1]}</small>"


def money(minor: int, code: str) -> str:
    """An amount with its code: "INR 4,321 crore", "RUB 1,234 million"."""
    return f"{escaped(code)} {amount(minor, code)}"


def usd(cents: int) -> str:
    """US cents as "USD 68.7 bn", "USD 512 m" or, below a million, whole dollars."""
    dollars = _scaled(cents, "USD", 0)
    if abs(dollars) >= 10**BILLION_DIGITS:
        return f"USD {_figure(dollars.scaleb(-BILLION_DIGITS))} bn"
    if abs(dollars) >= 10**MILLION_DIGITS:
        return f"USD {_figure(dollars.scaleb(-MILLION_DIGITS))} m"
    return f"USD {_figure(dollars)}"


def shown(minor: int, code: str) -> float:
    """An amount as a chart coordinate, in the report's unit for its currency."""
    return float(_scaled(minor, code, _unit(code)[0]))


def usd_bn(cents: int) -> float:
    """US cents as a chart coordinate in billions of dollars."""
    return float(_scaled(cents, "USD", BILLION_DIGITS))


def percent(value: float) -> str:
    """A percentage given in percent: "1.87 %"."""
    return f"{value:.2f} %"


def share(part: int, whole: int) -> str:
    """`part` as a share of `whole`, from integers: "20.7 %" (a dash when there is no whole)."""
    if whole == 0:
        return "–"
    return f"{Decimal(part) * 100 / Decimal(whole):.1f} %"


def ratio(value: float) -> str:
    """A value between 0 and 1 such as ρ: two decimals, three when it is small."""
    return f"{value:.3f}" if 0 < abs(value) < 0.01 else f"{value:.2f}"


def duration(seconds: float) -> str:
    """A wait in the unit that reads best: seconds, minutes or hours."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _capitalised(text: str) -> str:
    """A sentence's first letter in capitals, the rest as it was (BICs and codes stay)."""
    return text[:1].upper() + text[1:]


def _number(value: float) -> float:
    """A measure that may be missing (NaN on a day without queued payments) as 0."""
    return 0.0 if math.isnan(value) else value


def _period(s: Summary) -> str:
    return "the year" if s["days"] >= DAYS_IN_YEAR else "the run"


def _segment_name(tag: str) -> str:
    return escaped(tag.replace("_", " "))


def _reason(code: str) -> str:
    """An ISO 20022 reason code with its meaning when vostro knows it: "AM04 insufficient
    funds"."""
    try:
        meaning = Reason(code).name.lower().replace("_", " ")
    except ValueError:
        return escaped(code)
    return f"{escaped(code)} {meaning}"


# --------------------------------------------------------------------------- reading a folder


@dataclass(frozen=True, slots=True)
class RunData:
    """A run folder, read: its summary and its tables as rows sorted by date."""

    summary: Summary
    days: list[Row]
    surplus: list[Row]
    providers: list[Row]
    segments: list[Row]
    remittance_cost_pct: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SweepRun:
    """One run of a sweep: its label, the overrides that made it, its folder and summary."""

    label: str
    overrides: dict[str, Any]
    dir: str
    summary: Summary


@dataclass(frozen=True, slots=True)
class Sweep:
    """A sweep folder, read: its name, the grid of overrides it ran, and its runs."""

    name: str
    grid: dict[str, list[Any]]
    runs: list[SweepRun]


def _checked_summary(summary: Any, where: Path) -> Summary:
    if not isinstance(summary, dict):
        raise VostroError(f"{where}: a run summary is a JSON object")
    missing = [key for key in SUMMARY_KEYS if key not in summary]
    if missing:
        raise VostroError(f"{where}: the run summary lacks {', '.join(missing)}")
    return summary


def _read_table(path: Path, columns: list[str]) -> Any:
    """The named columns of a parquet file, as a pyarrow table."""
    return pq.read_table(path, columns=columns)  # type: ignore[no-untyped-call]


def _rows(path: Path, columns: list[str]) -> list[Row]:
    try:
        rows: list[Row] = _read_table(path, columns).to_pylist()
    except (OSError, KeyError, ValueError) as error:
        raise VostroError(
            f"{path}: cannot read the columns {', '.join(columns)}: {error}"
        ) from None
    return sorted(rows, key=lambda row: row["date"]) if "date" in columns else rows


def read_run(run_dir: Path) -> RunData:
    """Read a run folder written by the simulator."""
    where = run_dir / "summary.json"
    summary = _checked_summary(json.loads(where.read_text(encoding="utf-8")), where)
    tables = {
        name: _rows(run_dir / f"{name}.parquet", cols) for name, cols in TABLE_COLUMNS.items()
    }
    costs = _read_table(run_dir / "remittances.parquet", ["cost_pct"]).column(0)
    return RunData(
        summary=summary,
        days=tables["days"],
        surplus=tables["surplus"],
        providers=tables["providers"],
        segments=tables["segments"],
        remittance_cost_pct=np.asarray(costs.to_numpy(), dtype=np.float64),
    )


def read_sweep(sweep_dir: Path) -> Sweep:
    """Read `sweep.json`: the grid and each run's summary (the runs' folders are not needed)."""
    where = sweep_dir / SWEEP_FILE
    sweep = json.loads(where.read_text(encoding="utf-8"))
    runs = [
        SweepRun(
            label=str(run["label"]),
            overrides=dict(run.get("overrides", {})),
            dir=str(run.get("dir", "")),
            summary=_checked_summary(run["summary"], where),
        )
        for run in sweep["runs"]
    ]
    if not runs:
        raise VostroError(f"{where}: the sweep has no runs")
    return Sweep(str(sweep.get("name", "")), dict(sweep.get("grid", {})), runs)


def _by(rows: Iterable[Row], key: str) -> dict[str, list[Row]]:
    """Rows grouped by a column, each group keeping the rows' order."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(str(row[key]), []).append(row)
    return grouped


def _currencies(codes: Iterable[str]) -> list[str]:
    """Currency codes, the rupee first: it is the corridor's settlement currency."""
    return sorted(set(codes), key=lambda code: (code != "INR", code))


# --------------------------------------------------------------------------- charts


@dataclass(frozen=True, slots=True)
class Chart:
    """A plotly figure with its title and the sentence (HTML, data escaped) that reads it."""

    slug: str
    title: str
    sentence: str
    figure: Any


def _styled(figure: Any, panels: int = 1, *, unified: bool = True) -> Any:
    """The report's look on a figure: system fonts, light grid, legend above the plot."""
    figure.update_layout(
        template="plotly_white",
        height=PANEL_HEIGHT_PX * panels + CHART_MARGIN_PX,
        font={"family": FONT_STACK, "size": 13, "color": INK},
        margin={"l": 80, "r": 24, "t": 56, "b": 56},
        legend={"orientation": "h", "x": 0, "y": 1, "yref": "container", "yanchor": "top"},
        hovermode="x unified" if unified else "closest",
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    figure.update_xaxes(gridcolor=GRID, linecolor="#c4cad3", zeroline=False)
    figure.update_yaxes(
        gridcolor=GRID, linecolor="#c4cad3", zerolinecolor="#c4cad3", tickformat=",~r"
    )
    figure.for_each_annotation(_quiet_annotation)
    return figure


def _quiet_annotation(annotation: Any) -> None:
    """Panel titles and notes in muted type; an annotation given a colour keeps it."""
    if annotation.font.color is None:
        annotation.update(font={"size": 13, "color": MUTED})


def _empty(slug: str, title: str, message: str) -> Chart:
    """A chart for a run that has nothing to draw there, saying so."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return Chart(slug, title, message, _styled(figure))


def _line(x: Sequence[Any], y: Sequence[float], name: str, **style: Any) -> Any:
    return go.Scatter(x=list(x), y=list(y), name=name, mode="lines", line=style)


LIQUIDITY_LINES = (
    ("upper_bound_minor", "upper bound", {"color": MUTED, "dash": "dash", "width": 1.5}),
    ("used_minor", "liquidity used", {"color": BLUE, "width": 2.5}),
    ("lower_bound_minor", "lower bound", {"color": GREEN, "dash": "dot", "width": 2}),
)


def liquidity_chart(run: RunData) -> Chart:
    """Chart 1: the liquidity each day needed, between its lower and upper bound."""
    title = "Liquidity needed per day"
    by_currency = _by(run.days, "currency")
    codes = _currencies(by_currency)
    if not codes:
        return _empty("liquidity", title, "The run has no daily figures.")
    figure = make_subplots(
        rows=len(codes), cols=1, shared_xaxes=True, vertical_spacing=0.12, subplot_titles=codes
    )
    for row, code in enumerate(codes, start=1):
        days = by_currency[code]
        for key, name, style in LIQUIDITY_LINES:
            trace = _line([d["date"] for d in days], [shown(d[key], code) for d in days], name)
            trace.update(line=style, legendgroup=key, showlegend=row == 1)
            figure.add_trace(trace, row=row, col=1)
        figure.update_yaxes(
            title_text=f"{escaped(code)} {_unit(code)[1]}", rangemode="tozero", row=row, col=1
        )
    figure.update_xaxes(title_text="date", row=len(codes), col=1)
    sentence = _liquidity_sentence(by_currency, codes)
    return Chart("liquidity", title, sentence, _styled(figure, len(codes)))


def _liquidity_sentence(by_currency: dict[str, list[Row]], codes: list[str]) -> str:
    parts = []
    for code in codes:
        peak = max(by_currency[code], key=lambda d: d["used_minor"])
        part = (
            f"{escaped(code)} liquidity used peaked on {day_text(peak['date'])} at "
            f"{money(peak['used_minor'], code)}"
        )
        if peak["upper_bound_minor"]:
            part += f", {share(peak['used_minor'], peak['upper_bound_minor'])} of that day's"
            part += " upper bound"
        parts.append(part)
    return (
        "; ".join(parts) + ". The gap between the upper bound and the liquidity used is what "
        "queuing and offsetting saved that day."
    )


def delay_chart(run: RunData) -> Chart:
    """Chart 2: the delay indicator ρ per day, and how long queued payments waited."""
    title = "Delay indicator ρ and queue time per day"
    by_currency = _by(run.days, "currency")
    codes = _currencies(by_currency)
    if not codes:
        return _empty("delay", title, "The run has no daily figures.")
    longest_s = max(_number(d["queue_p95_s"]) for d in run.days)
    per_s, unit = (60.0, "minutes") if longest_s > QUEUE_MINUTES_FROM_S else (1.0, "seconds")
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12)
    for n, code in enumerate(codes):
        days, colour = by_currency[code], CURRENCY_COLOURS.get(code, PALETTE[n % len(PALETTE)])
        dates, label = [d["date"] for d in days], escaped(code)
        rho = [d["delay_indicator"] for d in days]
        figure.add_trace(_line(dates, rho, f"{label} ρ", color=colour, width=2.5), row=1, col=1)
        for key, dash in (("queue_p50_s", "solid"), ("queue_p95_s", "dash")):
            waits = [d[key] / per_s for d in days]
            name = f"{label} {'median' if key == 'queue_p50_s' else '95th-percentile'} wait"
            figure.add_trace(_line(dates, waits, name, color=colour, dash=dash), row=2, col=1)
    figure.update_yaxes(title_text="ρ (0 none, 1 all at day end)", rangemode="tozero", row=1)
    figure.update_yaxes(title_text=f"queue time ({unit})", rangemode="tozero", row=2)
    figure.update_xaxes(title_text="date", row=2, col=1)
    return Chart("delay", title, _delay_sentence(run), _styled(figure, 2))


def _delay_sentence(run: RunData) -> str:
    worst = max(run.days, key=lambda d: _number(d["delay_indicator"]))
    slowest = max(run.days, key=lambda d: _number(d["queue_p95_s"]))
    return (
        f"ρ was highest on {day_text(worst['date'])} in {escaped(worst['currency'])} "
        f"({ratio(worst['delay_indicator'])}), against {ratio(run.summary['delay_indicator'])} "
        f"for the whole run; the longest waits came on {day_text(slowest['date'])}, when 5 % of "
        f"queued {escaped(slowest['currency'])} payments waited over "
        f"{duration(slowest['queue_p95_s'])}."
    )


def surplus_chart(run: RunData) -> Chart:
    """Chart 3: each Russian bank's rupee surplus, on its vostro account and invested."""
    title = "Rupee surplus of each Russian bank"
    banks = _by(run.surplus, "bic")
    if not banks:
        return _empty("surplus", title, "No Russian bank holds rupees in this run.")
    columns = min(len(banks), SURPLUS_COLUMNS)
    rows = math.ceil(len(banks) / columns)
    names = [f"{escaped(days[0]['name'])} ({escaped(bic)})" for bic, days in banks.items()]
    figure = make_subplots(
        rows=rows, cols=columns, shared_yaxes=True, subplot_titles=names, horizontal_spacing=0.04
    )
    for n, days in enumerate(banks.values()):
        row, col = divmod(n, columns)
        dates = [d["date"] for d in days]
        for key, name, colour in (
            ("vostro_minor", "on vostro", BLUE),
            ("invested_minor", "invested", GREEN),
        ):
            trace = _line(dates, [shown(d[key], "INR") for d in days], name, color=colour, width=1)
            trace.update(stackgroup=f"bank{n}", legendgroup=key, showlegend=n == 0)
            figure.add_trace(trace, row=row + 1, col=col + 1)
    figure.update_yaxes(title_text="INR crore", col=1)
    figure.update_xaxes(title_text="date", row=rows)
    return Chart("surplus", title, _surplus_sentence(banks), _styled(figure, rows))


def _surplus_sentence(banks: dict[str, list[Row]]) -> str:
    def held(row: Row) -> int:
        return int(row["vostro_minor"]) + int(row["invested_minor"])

    growth = {bic: held(days[-1]) - held(days[0]) for bic, days in banks.items()}
    fastest = max(growth, key=lambda bic: growth[bic])
    last = banks[fastest][-1]
    total = sum(held(days[-1]) for days in banks.values())
    text = (
        f"{escaped(last['name'])}'s surplus grows fastest, by {money(growth[fastest], 'INR')} "
        f"from the first day to the last, to {money(held(last), 'INR')} "
        f"({share(last['invested_minor'], held(last))} invested, "
        f"{money(last['interest_minor'], 'INR')} of interest earned)"
    )
    if len(banks) == 1:
        return text + "."
    return text + f"; the {len(banks)} banks together end at {money(total, 'INR')}."


def remittance_chart(run: RunData) -> Chart:
    """Chart 4: how much a remittance cost, against the global average and the SDG target."""
    title = "What a remittance cost"
    costs = run.remittance_cost_pct
    if costs.size == 0:
        return _empty("remittances", title, "No remittances were sent in this run.")
    top = max(float(costs.max()), REMITTANCE_COST_GLOBAL_PCT) * 1.05
    counts, edges = np.histogram(costs, bins=HISTOGRAM_BINS, range=(0.0, top))
    figure = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=float(edges[1] - edges[0]),
            marker={"color": TEAL},
            name="remittances",
            hovertemplate="%{x:.2f} %: %{y} remittances<extra></extra>",
        )
    )
    marks = (
        (float(costs.mean()), f"this run's mean {percent(float(costs.mean()))}", INK),
        (REMITTANCE_COST_SDG_PCT, "SDG target 3 %", GREEN),
        (REMITTANCE_COST_GLOBAL_PCT, f"global average {percent(REMITTANCE_COST_GLOBAL_PCT)}", RED),
    )
    for n, (x, text, colour) in enumerate(marks):
        right = x > top * 0.7  # a label near the right edge runs to the left of its line
        figure.add_vline(x=x, line={"color": colour, "dash": "dash", "width": 1.5})
        figure.add_annotation(
            x=x,
            y=1 - 0.08 * n,
            yref="paper",
            text=text,
            showarrow=False,
            xanchor="right" if right else "left",
            xshift=-4 if right else 4,
            yanchor="top",
            font={"color": colour},
            bgcolor="rgba(255,255,255,0.85)",
        )
    figure.update_xaxes(title_text="all-in cost (% of the amount sent)", range=[0, top])
    figure.update_yaxes(title_text="remittances")
    figure.update_yaxes(range=[0, float(counts.max()) * 1.3])  # room for the lines' labels
    figure = _styled(figure, unified=False).update_layout(showlegend=False, margin={"t": 24})
    return Chart("remittances", title, _remittance_sentence(costs), figure)


def _remittance_sentence(costs: NDArray[np.float64]) -> str:
    below_sdg = float(np.mean(costs < REMITTANCE_COST_SDG_PCT)) * 100
    below_global = float(np.mean(costs < REMITTANCE_COST_GLOBAL_PCT)) * 100
    return (
        f"Of {costs.size:,} remittances, {below_sdg:.0f} % cost less than the SDG target of "
        f"3 % and {below_global:.0f} % less than the global average of "
        f"{percent(REMITTANCE_COST_GLOBAL_PCT)}; the cheapest cost {percent(float(costs.min()))}, "
        f"the dearest {percent(float(costs.max()))}."
    )


def segments_chart(run: RunData) -> Chart:
    """Chart 5: the corridor's value by segment, through vostro and outside, with the targets."""
    title = "Corridor value by segment, through vostro and outside"
    if not run.segments:
        return _empty("segments", title, "The run has no segments.")
    segments = sorted(run.segments, key=lambda s: s["value_usd"])  # the largest bar on top
    labels = [
        f"{_segment_name(s['segment'])} ({DIRECTIONS.get(s['direction'], escaped(s['direction']))})"
        for s in segments
    ]
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.78, 0.22], vertical_spacing=0.06
    )
    parts = (
        ("through vostro", BLUE, [s["through_vostro_usd"] for s in segments]),
        ("outside vostro", SLATE, [s["value_usd"] - s["through_vostro_usd"] for s in segments]),
    )
    for name, colour, values in parts:
        style: dict[str, Any] = {"name": name, "orientation": "h", "legendgroup": name}
        style["marker"] = {"color": colour}
        figure.add_trace(go.Bar(y=labels, x=[usd_bn(v) for v in values], **style), row=1, col=1)
        total = [usd_bn(sum(values))]
        total_bar = go.Bar(y=["all segments"], x=total, width=0.5, showlegend=False, **style)
        figure.add_trace(total_bar, row=2, col=1)
    targets = run.summary["targets_usd"]
    for key, text in (("fy2025_trade", "FY2024-25"), ("trade_2030", "2030 target")):
        if key in targets:
            figure.add_vline(
                x=usd_bn(targets[key]),
                row=2,
                col=1,
                line={"color": RED, "dash": "dash"},
                annotation_text=f"{text}: {usd(targets[key])}",
                annotation_position="top left",
                annotation_font={"color": RED, "size": 12},
            )
    figure.update_layout(barmode="stack", hovermode="y unified")
    figure.update_xaxes(title_text="USD bn", row=2, col=1)
    sentence = _segments_sentence(run.segments, targets)
    return Chart("segments", title, sentence, _styled(figure, 2, unified=False))


def _segments_sentence(segments: list[Row], targets: dict[str, int]) -> str:
    largest = max(segments, key=lambda s: s["value_usd"])
    through = sum(s["through_vostro_usd"] for s in segments)
    total = sum(s["value_usd"] for s in segments)
    text = (
        f"{_capitalised(_segment_name(largest['segment']))} is the largest segment at "
        f"{usd(largest['value_usd'])}, {share(largest['through_vostro_usd'], largest['value_usd'])}"
        f" of it through vostro; all segments together carried {usd(total)}, "
        f"{share(through, total)} through vostro"
    )
    if "trade_2030" in targets:
        text += f", {share(total, targets['trade_2030'])} of the {usd(targets['trade_2030'])} "
        text += "target for 2030"
    return text + "."


def providers_chart(run: RunData) -> Chart:
    """Chart 6: each FX provider's balance per currency over the run."""
    title = "FX providers' balances"
    by_currency = _by(run.providers, "currency")
    codes = _currencies(by_currency)
    if not codes:
        return _empty("providers", title, "The run has no FX providers.")
    bics = sorted({str(row["bic"]) for row in run.providers})
    colours = {bic: PALETTE[n % len(PALETTE)] for n, bic in enumerate(bics)}
    figure = make_subplots(
        rows=len(codes), cols=1, shared_xaxes=True, vertical_spacing=0.12, subplot_titles=codes
    )
    shown_in_legend: set[str] = set()
    for row, code in enumerate(codes, start=1):
        for bic, days in _by(by_currency[code], "bic").items():
            values = [shown(d["balance_minor"], code) for d in days]
            trace = _line([d["date"] for d in days], values, escaped(bic), color=colours[bic])
            trace.update(legendgroup=bic, showlegend=bic not in shown_in_legend)
            shown_in_legend.add(bic)
            figure.add_trace(trace, row=row, col=1)
        figure.update_yaxes(title_text=f"{escaped(code)} {_unit(code)[1]}", row=row, col=1)
    figure.update_xaxes(title_text="date", row=len(codes), col=1)
    sentence = _providers_sentence(by_currency, codes)
    return Chart("providers", title, sentence, _styled(figure, len(codes)))


def _providers_sentence(by_currency: dict[str, list[Row]], codes: list[str]) -> str:
    parts = []
    for code in codes:
        rows = by_currency[code]
        low = min(rows, key=lambda r: r["balance_minor"])
        final = {bic: days[-1] for bic, days in _by(rows, "bic").items()}
        most = max(final.values(), key=lambda r: r["balance_minor"])
        parts.append(
            f"the lowest {escaped(code)} balance of any provider was "
            f"{money(low['balance_minor'], code)} ({escaped(low['bic'])}, {day_text(low['date'])})"
            f" and on the last day {escaped(most['bic'])} held the most, "
            f"{money(most['balance_minor'], code)}"
        )
    return _capitalised("; ".join(parts)) + "."


def run_charts(run: RunData) -> list[Chart]:
    """The six charts of a run's report, in reading order."""
    return [
        liquidity_chart(run),
        delay_chart(run),
        surplus_chart(run),
        remittance_chart(run),
        segments_chart(run),
        providers_chart(run),
    ]


# --------------------------------------------------------------------------- sweep charts


def _inr_used(summary: Summary) -> int:
    return _liquidity_of(summary, "INR", "used_minor")


def _liquidity_of(summary: Summary, code: str, key: str) -> int:
    figures: dict[str, int] = summary["liquidity"].get(code, {})
    return int(figures.get(key, 0))


def _range_sentence(
    sweep: Sweep, what: str, value: Callable[[Summary], float], text: Callable[[Any], str]
) -> str:
    """Which run has the least of a measure and which the most, in a sentence."""
    runs = sorted(sweep.runs, key=lambda run: value(run.summary))
    low, high = runs[0], runs[-1]
    if value(low.summary) == value(high.summary):
        return f"{what} is {text(value(low.summary))} in every run."
    return (
        f"{what} ranges from {text(value(low.summary))} ({escaped(low.label)}) to "
        f"{text(value(high.summary))} ({escaped(high.label)})."
    )


def sweep_liquidity_chart(sweep: Sweep) -> Chart:
    """The liquidity each run used on its peak day, beside its lower and upper bound."""
    title = "Liquidity by run: lower bound, used and upper bound"
    codes = _currencies(code for run in sweep.runs for code in run.summary["liquidity"])
    labels = [escaped(run.label) for run in sweep.runs]
    figure = make_subplots(
        rows=len(codes), cols=1, shared_xaxes=True, vertical_spacing=0.14, subplot_titles=codes
    )
    for row, code in enumerate(codes, start=1):
        for key, name, style in reversed(LIQUIDITY_LINES):
            values = [shown(_liquidity_of(run.summary, code, key), code) for run in sweep.runs]
            bar = go.Bar(x=labels, y=values, name=name, marker={"color": style["color"]})
            bar.update(legendgroup=key, showlegend=row == 1)
            figure.add_trace(bar, row=row, col=1)
        figure.update_yaxes(title_text=f"{escaped(code)} {_unit(code)[1]}", row=row, col=1)
    figure.update_layout(barmode="group")
    sentence = _range_sentence(
        sweep, "Rupee liquidity used on the peak day", _inr_used, lambda v: money(v, "INR")
    )
    return Chart("sweep-liquidity", title, sentence, _styled(figure, len(codes), unified=False))


def tradeoff_chart(sweep: Sweep) -> Chart:
    """ρ against the liquidity used, one point per run and one curve per design."""
    title = "The liquidity–delay trade-off"
    figure = go.Figure()
    for n, (design, runs) in enumerate(_by_design(sweep).items()):
        colour = PALETTE[n % len(PALETTE)]
        # Curves often meet at the upper bound: one design's labels above, the next's below.
        position = "top right" if n % 2 == 0 else "bottom right"
        figure.add_trace(
            go.Scatter(
                x=[shown(_inr_used(run.summary), "INR") for run in runs],
                y=[run.summary["delay_indicator"] for run in runs],
                text=[escaped(run.label) for run in runs],
                mode="lines+markers+text",
                textposition=position,
                name=escaped(design.upper()),
                marker={"size": 10, "color": colour},
                line={"color": colour, "width": 2},
                textfont={"color": colour, "size": 12},
            )
        )
    widest = max(shown(_inr_used(run.summary), "INR") for run in sweep.runs)
    figure.update_xaxes(
        title_text="liquidity used on the peak day (INR crore)",
        range=[0, widest * 1.2 or 1],  # room for the labels right of the last points
        tickformat=",~r",
    )
    figure.update_yaxes(
        title_text="delay indicator ρ (0 none, 1 all at day end)", rangemode="tozero"
    )
    return Chart("tradeoff", title, _tradeoff_sentence(sweep), _styled(figure, 2, unified=False))


def _by_design(sweep: Sweep) -> dict[str, list[SweepRun]]:
    """The runs of each design, by the liquidity they used: the points of one curve."""
    designs: dict[str, list[SweepRun]] = {}
    for run in sweep.runs:
        designs.setdefault(str(run.summary["design"]), []).append(run)
    return {
        design: sorted(runs, key=lambda r: _inr_used(r.summary)) for design, runs in designs.items()
    }


def _tradeoff_sentence(sweep: Sweep) -> str:
    parts = []
    for design, runs in _by_design(sweep).items():
        first, last = runs[0].summary, runs[-1].summary
        if len(runs) < 2:
            parts.append(
                f"{escaped(design.upper())} has one run: ρ {ratio(first['delay_indicator'])} with "
                f"{money(_inr_used(first), 'INR')}"
            )
            continue
        rho_from, rho_to = first["delay_indicator"], last["delay_indicator"]
        verb = "lowers" if rho_to < rho_from else "raises" if rho_to > rho_from else "keeps"
        parts.append(
            f"with {escaped(design.upper())}, going from {money(_inr_used(first), 'INR')} to "
            f"{money(_inr_used(last), 'INR')} of liquidity {verb} ρ from {ratio(rho_from)} to "
            f"{ratio(rho_to)}"
        )
    return _capitalised("; ".join(parts)) + "."


def sweep_surplus_chart(sweep: Sweep) -> Chart:
    """The Russian banks' rupee surplus at year end in each run, on vostro and invested."""
    title = "Rupee surplus at year end by run"
    labels = [escaped(run.label) for run in sweep.runs]
    figure = go.Figure()
    for key, name, colour in (
        ("rupee_vostro_usd", "on vostro", BLUE),
        ("rupee_invested_usd", "invested", GREEN),
    ):
        values = [usd_bn(run.summary[key]) for run in sweep.runs]
        figure.add_trace(go.Bar(x=labels, y=values, name=name, marker={"color": colour}))
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title_text="USD bn")
    sentence = _range_sentence(
        sweep, "The surplus at year end", lambda s: s["rupee_surplus_usd"], usd
    )
    return Chart("sweep-surplus", title, sentence, _styled(figure, unified=False))


def sweep_remittance_chart(sweep: Sweep) -> Chart:
    """Each run's mean and 95th-percentile remittance cost, against the benchmarks."""
    title = "Remittance cost by run"
    labels = [escaped(run.label) for run in sweep.runs]
    figure = go.Figure()
    means = [run.summary["remittance_cost_pct_mean"] for run in sweep.runs]
    figure.add_trace(go.Bar(x=labels, y=means, name="mean", marker={"color": TEAL}))
    p95 = [run.summary["remittance_cost_pct_p95"] for run in sweep.runs]
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=p95,
            name="95th percentile",
            mode="markers",
            marker={"color": INK, "symbol": "line-ew-open", "size": 24, "line": {"width": 3}},
        )
    )
    for y, text, colour in (
        (REMITTANCE_COST_SDG_PCT, "SDG target 3 %", GREEN),
        (REMITTANCE_COST_GLOBAL_PCT, f"global average {percent(REMITTANCE_COST_GLOBAL_PCT)}", RED),
    ):
        figure.add_hline(
            y=y,
            line={"color": colour, "dash": "dash"},
            annotation_text=text,
            annotation_position="top left",
            annotation_font={"color": colour},
        )
    figure.update_yaxes(title_text="cost (% of amount sent)", rangemode="tozero")
    below = sum(mean < REMITTANCE_COST_SDG_PCT for mean in means)
    sentence = (
        _range_sentence(sweep, "The mean cost", lambda s: s["remittance_cost_pct_mean"], percent)
        + f" {below} of {len(means)} runs are below the SDG target on average."
    )
    return Chart("sweep-remittances", title, sentence, _styled(figure, unified=False))


def sweep_trade_chart(sweep: Sweep) -> Chart:
    """The value each run settled through vostro and outside it."""
    title = "Trade through vostro by run"
    labels = [escaped(run.label) for run in sweep.runs]
    figure = go.Figure()
    for key, name, colour in (
        ("through_vostro_usd", "through vostro", BLUE),
        ("outside_usd", "outside vostro", SLATE),
    ):
        values = [usd_bn(run.summary[key]) for run in sweep.runs]
        figure.add_trace(go.Bar(x=labels, y=values, name=name, marker={"color": colour}))
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title_text="USD bn")
    sentence = _range_sentence(
        sweep, "The value settled through vostro", lambda s: s["through_vostro_usd"], usd
    )
    return Chart("sweep-trade", title, sentence, _styled(figure, unified=False))


def sweep_charts(sweep: Sweep) -> list[Chart]:
    """The charts of a sweep's report, in reading order."""
    return [
        tradeoff_chart(sweep),
        sweep_liquidity_chart(sweep),
        sweep_surplus_chart(sweep),
        sweep_remittance_chart(sweep),
        sweep_trade_chart(sweep),
    ]


# --------------------------------------------------------------------------- the summary


def _trade_paragraph(s: Summary) -> str:
    trade = s["imports_usd"] + s["exports_usd"]
    through, outside = s["through_vostro_usd"], s["outside_usd"]
    return (
        f"Over {s['days']:,} days the corridor carried {usd(trade)} of trade "
        f"({usd(s['imports_usd'])} of imports into India, {usd(s['exports_usd'])} of exports) "
        f"in {s['payments']:,} payments. {usd(through)} of it "
        f"({share(through, through + outside)}) settled through vostro in rupees and roubles, in "
        f"{s['payments_through_vostro']:,} payments, and {usd(outside)} settled outside it. "
        f"{_refusals_sentence(s)}"
    )


def _refusals_sentence(s: Summary) -> str:
    settled, refused = s["payments_settled"], s["payments_refused"]
    if not refused:
        return f"Of the payments through vostro, {settled:,} settled and none was refused."
    reasons = sorted(s["refused_by_reason"].items(), key=lambda item: -item[1])
    named = ", ".join(f"{_reason(code)}: {count:,}" for code, count in reasons[:REASONS_SHOWN])
    return f"Of the payments through vostro, {settled:,} settled and {refused:,} were refused" + (
        f" ({named})." if named else "."
    )


def _liquidity_paragraph(s: Summary) -> str:
    inr, rub = s["liquidity"]["INR"], s["liquidity"].get("RUB")
    design = DESIGNS.get(s["design"], escaped(s["design"]))
    text = (
        f"Settling it with {design} needed at most {money(inr['used_minor'], 'INR')} of rupee "
        f"liquidity on its peak day ({usd(s['liquidity_usd']['INR']['used_minor'])})"
    )
    if rub is not None:
        text += f" and {money(rub['used_minor'], 'RUB')} of rouble liquidity"
    gross, offset = inr["settled_gross_minor"], inr["settled_offset_minor"]
    return text + (
        f". The lower bound was {money(inr['lower_bound_minor'], 'INR')} and the upper bound "
        f"{money(inr['upper_bound_minor'], 'INR')}; with opening liquidity set "
        f"{s['liquidity_level']:.2f} of the way from the one to the other, the design saved "
        f"{money(inr['saved_minor'], 'INR')} ({share(inr['saved_minor'], inr['upper_bound_minor'])}"
        f" of the upper bound). Over {_period(s)} {money(gross, 'INR')} settled gross, one "
        f"payment at a time, and {money(offset, 'INR')} by offsetting or netting "
        f"({share(offset, gross + offset)} of the value)."
    )


def _delay_paragraph(s: Summary, days: list[Row]) -> str:
    text = (
        f"The delay indicator ρ was {ratio(s['delay_indicator'])} (0 would mean every payment "
        f"settled on arrival, 1 that all waited to the end of the day); a queued payment waited "
        f"{duration(s['queue_p50_s'])} at the median and {duration(s['queue_p95_s'])} at the "
        f"95th percentile. "
    )
    short = [d for d in days if d["unsettled_eod_minor"] > 0]
    if not short:
        return text + "No value was left unsettled at the end of any day."
    worst = max(short, key=lambda d: d["unsettled_eod_minor"])
    dates = {d["date"] for d in short}
    return text + (
        f"On {len(dates):,} of {len({d['date'] for d in days}):,} days some value was left "
        f"unsettled at the close, at most {money(worst['unsettled_eod_minor'], worst['currency'])}"
        f" on {day_text(worst['date'])}."
    )


def _surplus_paragraph(s: Summary) -> str:
    surplus, invested = s["rupee_surplus_usd"], s["rupee_invested_usd"]
    if not surplus:
        return f"Russian banks ended {_period(s)} with no rupee surplus."
    return (
        f"The rupee surplus of Russian banks ended {_period(s)} at {usd(surplus)}, of which "
        f"{usd(invested)} invested ({share(invested, surplus)}) and {usd(s['rupee_vostro_usd'])} "
        f"left on vostro accounts; the investments earned "
        f"{money(s['interest_earned_minor'], 'INR')} of interest."
    )


def _remittance_paragraph(s: Summary) -> str:
    if not s["remittances"]:
        return "No migrant remittances were sent in this run."
    return (
        f"A migrant's remittance cost {percent(s['remittance_cost_pct_mean'])} on average "
        f"(p95 {percent(s['remittance_cost_pct_p95'])}) over {s['remittances']:,} remittances, "
        f"against the global average {percent(REMITTANCE_COST_GLOBAL_PCT)} and the SDG target "
        f"of 3 %."
    )


def _targets_paragraph(s: Summary) -> str:
    trade, targets = s["imports_usd"] + s["exports_usd"], s["targets_usd"]
    parts = []
    if "fy2025_trade" in targets:
        fy = targets["fy2025_trade"]
        parts.append(f"{share(trade, fy)} of FY2024-25's {usd(fy)}")
    if "trade_2030" in targets:
        goal = targets["trade_2030"]
        parts.append(f"{share(trade, goal)} of the {usd(goal)} target for 2030")
    text = f"The trade of {usd(trade)} is {' and '.join(parts)}. " if parts else ""
    if s["ledger_verified"]:
        return text + "The ledger was verified after the run: every currency's books balance."
    return text + (
        '<strong class="warning">The ledger did not verify after the run: the figures above '
        "are not to be relied on.</strong>"
    )


def summary_paragraphs(run: RunData) -> list[str]:
    """The summary of a run in sentences, one paragraph a theme (HTML, data escaped)."""
    s = run.summary
    return [
        _trade_paragraph(s),
        _liquidity_paragraph(s),
        _delay_paragraph(s, run.days),
        _surplus_paragraph(s),
        _remittance_paragraph(s),
        _targets_paragraph(s),
    ]


def _key_figures(s: Summary) -> list[tuple[str, str, str]]:
    """The tiles at the top: what, the figure, and a line of context."""
    through, outside = s["through_vostro_usd"], s["outside_usd"]
    inr = s["liquidity"]["INR"]
    surplus = s["rupee_surplus_usd"]
    return [
        ("Through vostro", usd(through), f"{share(through, through + outside)} of the value"),
        (
            "Rupee liquidity (peak day)",
            _tile_money(inr["used_minor"], "INR"),
            f"upper bound {amount(inr['upper_bound_minor'], 'INR')}",
        ),
        (
            'Delay indicator <span class="symbol">ρ</span>',
            ratio(s["delay_indicator"]),
            f"p95 wait {duration(s['queue_p95_s'])}",
        ),
        (
            "Rupee surplus (year end)",
            usd(surplus),
            f"{share(s['rupee_invested_usd'], surplus)} invested",
        ),
        (
            "Remittance cost",
            percent(s["remittance_cost_pct_mean"]),
            f"global {percent(REMITTANCE_COST_GLOBAL_PCT)}, SDG 3 %",
        ),
    ]


# --------------------------------------------------------------------------- the page

CSS = """
:root { --bg: #f3f5f8; --card: #fff; --ink: #1b2430; --muted: #5b6573; --line: #dde2e8;
  --head: #13233f; --accent: #1f5fae; --bad: #b3261e; --ok: #1e7d45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
    "Liberation Sans", Arial, sans-serif;
  font-size: 16px; line-height: 1.55; color: var(--ink); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; }
main { max-width: 1120px; margin: 0 auto; padding: 32px clamp(12px, 3vw, 32px) 48px; }
header h1 { margin: 0 0 6px; font-size: 30px; line-height: 1.2; color: var(--head); }
header .lede { margin: 0 0 10px; font-size: 18px; color: var(--muted); max-width: 60em; }
header .meta { margin: 0; font-size: 14px; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
  font-weight: 600; background: #e3f1e8; color: var(--ok); }
.badge.bad { background: #f8e1df; color: var(--bad); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px;
  margin: 24px 0; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 14px 16px; }
.tile .what { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); }
.tile .value { font-size: 22px; font-weight: 700; color: var(--head); margin: 2px 0;
  white-space: nowrap; font-variant-numeric: tabular-nums; }
.tile .value small { font-size: 15px; font-weight: 600; }
.tile .context { font-size: 13px; color: var(--muted); }
section, figure.chart { background: var(--card); border: 1px solid var(--line);
  border-radius: 10px; padding: 20px 24px; margin: 20px 0; }
section h2, figure.chart h2 { margin: 0 0 10px; font-size: 20px; color: var(--head); }
section p { margin: 0 0 10px; max-width: 62em; }
figure.chart figcaption { margin: 6px 0 0; color: var(--muted); font-size: 15px; max-width: 62em; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 4px 0 12px; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { font-size: 13px; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); }
td .label { font-weight: 600; white-space: nowrap; }
td .overrides { font-size: 12px; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.symbol { text-transform: none; }
tbody tr:hover { background: #f7f9fb; }
.scroll { overflow-x: auto; }
.warning { color: var(--bad); }
dl.terms { margin: 0; display: grid; grid-template-columns: minmax(10em, 14em) 1fr; gap: 6px 18px; }
dl.terms dt { font-weight: 600; }
dl.terms dd { margin: 0; color: var(--muted); }
@media print { body { background: #fff; } section, figure.chart { break-inside: avoid; } }
"""

TERMS = """
<dl class="terms">
<dt>Upper bound</dt><dd>The liquidity that lets every payment settle the moment it arrives: the
largest intraday cumulative net debit of the day (Leinonen and Soramäki, Bank of Finland).</dd>
<dt>Lower bound</dt><dd>The liquidity that settles everything by the end of the day if payments
may queue: the end-of-day multilateral net debit.</dd>
<dt>Liquidity used</dt><dd>What the design actually needed on the day; the upper bound less this
is the liquidity it saved.</dd>
<dt>Delay indicator ρ</dt><dd>Value-weighted delay divided by the largest possible delay: 0 when
nothing waits, 1 when everything settles at the end of the day.</dd>
<dt>Offsetting, netting</dt><dd>Settling payments in opposite directions against each other
(in LSM runs) or as net positions at the end of a window (DNS), so that only the difference needs
liquidity.</dd>
<dt>Rupee surplus</dt><dd>Rupees Russian banks hold from India's trade deficit: on their vostro
accounts at Indian banks, or invested (for instance in government securities).</dd>
<dt>Remittance cost</dt><dd>All-in cost of a migrant's transfer in percent of the amount sent:
fee plus FX margin against the reference rate. Benchmarks: the World Bank's Remittance Prices
Worldwide global average, 6.18 % (Q3 2023), and the SDG 10.c target of 3 %.</dd>
<dt>Units</dt><dd>1 crore = 10<sup>7</sup> rupees; RUB in millions of roubles;
USD bn = 10<sup>9</sup> US dollars. Amounts are kept in integer paise, kopecks and cents and
rounded only for display.</dd>
</dl>
"""


def _page(title: str, body: str) -> str:
    """The whole document: styles and plotly.js inline, nothing loaded from elsewhere."""
    plotly_js = str(get_plotlyjs())
    invariant("</script" not in plotly_js.lower(), "plotly.js would close its own script element")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escaped(title)}</title>",
            f"<style>{CSS}</style>",
            f"<script>{plotly_js}</script>",
            "</head>",
            "<body>",
            f"<main>\n{body}\n</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _header(title: str, lede: str, meta: str) -> str:
    """The title (escaped here), a sentence under it and a line of particulars (HTML)."""
    return (
        f'<header>\n<h1>{escaped(title)}</h1>\n<p class="lede">{lede}</p>\n'
        f'<p class="meta">{meta}</p>\n</header>'
    )


def _tiles(tiles: list[tuple[str, str, str]]) -> str:
    cells = "".join(
        f'<div class="tile"><div class="what">{what}</div><div class="value">{value}</div>'
        f'<div class="context">{context}</div></div>'
        for what, value, context in tiles
    )
    return f'<div class="tiles">{cells}</div>'


def _section(heading: str, content: str) -> str:
    return f"<section>\n<h2>{escaped(heading)}</h2>\n{content}\n</section>"


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]]) -> str:
    """A table of HTML cells; a header's flag says the column holds numbers (right-aligned)."""
    numeric = [is_number for _, is_number in headers]
    head = "".join(f"<th{' class=num' if n else ''}>{h}</th>" for h, n in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if n else ''}>{cell}</td>"
            for cell, n in zip(row, numeric, strict=True)
        )
        + "</tr>\n"
        for row in rows
    )
    return (
        f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}</tbody>\n</table></div>"
    )


def _chart_html(chart: Chart) -> str:
    """A chart as a figure: its title, the plot (plotly.js is already in the page), its sentence."""
    div = pio.to_html(
        chart.figure,
        include_plotlyjs=False,
        full_html=False,
        div_id=f"chart-{chart.slug}",
        config=CHART_CONFIG,
    )
    return (
        f'<figure class="chart" id="{chart.slug}">\n<h2>{escaped(chart.title)}</h2>\n{div}\n'
        f"<figcaption>{chart.sentence}</figcaption>\n</figure>"
    )


def _verified_badge(verified: bool) -> str:
    if verified:
        return '<span class="badge">ledger verified</span>'
    return '<span class="badge bad">ledger not verified</span>'


def _run_meta(s: Summary) -> str:
    design = escaped(str(s["design"]).upper())
    return (
        f"{design} · {s['days']:,} days · seed {escaped(s['seed'])} · scale {escaped(s['scale'])}"
        f" · opening liquidity {s['liquidity_level']:.2f} of the way from the lower to the upper"
        f" bound · simulated in {s['seconds']:.1f} s · {_verified_badge(s['ledger_verified'])}"
    )


LIQUIDITY_COLUMNS = (
    ("upper_bound_minor", "upper bound"),
    ("lower_bound_minor", "lower bound"),
    ("used_minor", "used, peak day"),
    ("saved_minor", "saved"),
    ("settled_gross_minor", "settled gross, year"),
    ("settled_offset_minor", "settled by offset, year"),
)


def _liquidity_table(s: Summary) -> str:
    headers = [("currency", False), *((name, True) for _, name in LIQUIDITY_COLUMNS)]
    headers.append(("used, peak day (USD)", True))
    rows = [
        [
            escaped(code),
            *(amount(figures[key], code) for key, _ in LIQUIDITY_COLUMNS),
            usd(s["liquidity_usd"][code]["used_minor"]),
        ]
        for code, figures in sorted(s["liquidity"].items(), key=lambda item: item[0] != "INR")
    ]
    return _table(headers, rows)


def _refusals_table(s: Summary) -> str:
    reasons = sorted(s["refused_by_reason"].items(), key=lambda item: -item[1])
    if not reasons:
        return ""
    rows = [[_reason(code), f"{count:,}"] for code, count in reasons]
    return "<h3>Refused payments by reason</h3>\n" + _table(
        [("ISO 20022 reason", False), ("payments", True)], rows
    )


def run_html(run: RunData) -> str:
    """The report of one run, as a complete HTML document."""
    s = run.summary
    title = f"Corridor simulation: {s['scenario']}"
    parts = [
        _header(title, escaped(s["description"]), _run_meta(s)),
        _tiles(_key_figures(s)),
        _section("In brief", "\n".join(f"<p>{p}</p>" for p in summary_paragraphs(run))),
        _section("Liquidity by currency", _liquidity_table(s) + _refusals_table(s)),
        *(_chart_html(chart) for chart in run_charts(run)),
        _section("How to read this report", TERMS),
    ]
    return _page(title, "\n".join(parts))


# --------------------------------------------------------------------------- a sweep's page


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


SWEEP_MEASURES: tuple[tuple[str, Callable[[Summary], str]], ...] = (
    ("design", lambda s: escaped(str(s["design"]).upper())),
    ("INR used, peak day", lambda s: amount(_inr_used(s), "INR")),
    ("RUB used, peak day", lambda s: amount(_liquidity_of(s, "RUB", "used_minor"), "RUB")),
    ("delay ρ", lambda s: ratio(s["delay_indicator"])),
    ("queue p95", lambda s: duration(s["queue_p95_s"])),
    ("through vostro", lambda s: usd(s["through_vostro_usd"])),
    ("refused", lambda s: f"{s['payments_refused']:,}"),
    ("surplus, year end", lambda s: usd(s["rupee_surplus_usd"])),
    ("remittance cost", lambda s: percent(s["remittance_cost_pct_mean"])),
)


def _run_label(sweep_dir: Path, run: SweepRun) -> str:
    """The run's label, linked to its own report when that was written inside the sweep."""
    label = escaped(run.label)
    if not run.dir:
        return label
    target = (sweep_dir / run.dir / REPORT_FILE).resolve()
    if not target.is_relative_to(sweep_dir.resolve()) or not target.is_file():
        return label
    href = target.relative_to(sweep_dir.resolve()).as_posix()
    return f'<a href="{html.escape(quote(href))}">{label}</a>'


def _run_cell(sweep_dir: Path, run: SweepRun) -> str:
    """A run's label, the overrides that made it under it, and a warning if its ledger failed."""
    overrides = ", ".join(f"{path} = {_json_text(v)}" for path, v in run.overrides.items())
    cell = f'<div class="label">{_run_label(sweep_dir, run)}</div>'
    cell += f'<div class="overrides">{escaped(overrides)}</div>' if overrides else ""
    return cell if run.summary["ledger_verified"] else cell + _verified_badge(False)


def _sweep_table(sweep: Sweep, sweep_dir: Path) -> str:
    headers = [("run", False)]
    headers += [(name, name != "design") for name, _ in SWEEP_MEASURES]
    rows = [
        [_run_cell(sweep_dir, run), *(measure(run.summary) for _, measure in SWEEP_MEASURES)]
        for run in sweep.runs
    ]
    return _table(headers, rows)


def _grid_text(sweep: Sweep) -> str:
    return " × ".join(
        f"{escaped(path)} ({escaped(', '.join(_json_text(v) for v in values))})"
        for path, values in sweep.grid.items()
    )


def _sweep_paragraphs(sweep: Sweep) -> list[str]:
    first = sweep.runs[0].summary
    failed = [run for run in sweep.runs if not run.summary["ledger_verified"]]
    grid = f" over {_grid_text(sweep)}" if sweep.grid else ""
    opening = (
        f"The sweep ran {len(sweep.runs)} runs of the scenario {escaped(first['scenario'])}{grid}"
        f", each over {first['days']:,} days."
    )
    if failed:
        ledger = (
            '<strong class="warning">The ledger did not verify in '
            f"{', '.join(escaped(run.label) for run in failed)}: do not rely on those runs."
            "</strong>"
        )
    else:
        ledger = "Every run's ledger was verified afterwards: every currency's books balance."
    return [opening, _tradeoff_sentence(sweep), ledger]


def sweep_html(sweep: Sweep, sweep_dir: Path) -> str:
    """The report comparing the runs of a sweep, as a complete HTML document."""
    first = sweep.runs[0].summary
    title = f"Corridor simulation sweep: {sweep.name or first['scenario']}"
    shared = all(run.summary["description"] == first["description"] for run in sweep.runs)
    lede = escaped(first["description"]) if shared else "Runs of the corridor over a grid."
    meta = f"{len(sweep.runs)} runs · {_grid_text(sweep) or 'no grid'}"
    parts = [
        _header(title, lede, meta),
        _section("In brief", "\n".join(f"<p>{p}</p>" for p in _sweep_paragraphs(sweep))),
        _section("Every run", _sweep_table(sweep, sweep_dir)),
        *(_chart_html(chart) for chart in sweep_charts(sweep)),
        _section("How to read this report", TERMS),
    ]
    return _page(title, "\n".join(parts))


# --------------------------------------------------------------------------- writing


def write_report(run_dir: Path) -> Path:
    """Write `run_dir/report.html`, the report of one run, and return its path."""
    path = run_dir / REPORT_FILE
    path.write_text(run_html(read_run(run_dir)), encoding="utf-8")
    return path


def write_sweep_report(sweep_dir: Path) -> Path:
    """Write `sweep_dir/report.html`, comparing the sweep's runs, and return its path."""
    path = sweep_dir / REPORT_FILE
    path.write_text(sweep_html(read_sweep(sweep_dir), sweep_dir), encoding="utf-8")
    return path


def build_report(folder: Path) -> Path:
    """The report a folder calls for: a sweep's when it holds `sweep.json`, else one run's."""
    if (folder / SWEEP_FILE).is_file():
        return write_sweep_report(folder)
    return write_report(folder)

"""Charts of benchmark runs, each a self-contained HTML file (plotly.js inline: it opens on an
offline machine)."""

from __future__ import annotations

import html
import json
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

KIB_PER_MIB = 1024


def soak_chart(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """Latency (p50, p99, max) and each process's memory, window by window, over the soak."""
    minutes = [float(r["at_s"]) / 60 for r in rows]
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=("Latency of each 10-second window", "Resident memory of each process"),
    )
    for name, dash in (("p50_ms", "solid"), ("p99_ms", "solid"), ("max_ms", "dot")):
        figure.add_trace(
            go.Scatter(
                x=minutes,
                y=[r[name] for r in rows],
                name=name.removesuffix("_ms"),
                line={"dash": dash},
            ),
            row=1,
            col=1,
        )
    for column in sorted({k for r in rows for k in r if k.startswith("rss_kib_")}):
        figure.add_trace(
            go.Scatter(
                x=minutes,
                y=[r.get(column, 0) / KIB_PER_MIB for r in rows],
                name=column.removeprefix("rss_kib_"),
            ),
            row=2,
            col=1,
        )
    figure.update_yaxes(title_text="latency (ms, log)", type="log", row=1, col=1)
    figure.update_yaxes(title_text="resident memory (MiB)", row=2, col=1)
    figure.update_xaxes(title_text="minutes into the soak", row=2, col=1)
    title = (
        f"vostro bench soak: {summary['minutes']:g} minutes at {summary['rate_per_s']:g} "
        f"payments/s on {summary['backend']}"
    )
    figure.update_layout(title=title, height=800, template="plotly_white")
    sentence = (
        f"{summary['payments_settled']:,} payments settled, {summary['lost']} lost, "
        f"answers {json.dumps(summary['answers'])}; p50 {summary['p50_ms']} ms, p99 "
        f"{summary['p99_ms']} ms over the whole run; ledger verified: "
        f"{summary['ledger_verified']}. The top panel shows whether latency drifts as the "
        "database grows; the bottom one whether any process's memory does."
    )
    chart = figure.to_html(include_plotlyjs=True, full_html=False)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        f"<p>{html.escape(sentence)}</p>{chart}</body></html>\n"
    )

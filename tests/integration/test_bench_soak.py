"""`vostro bench soak`, short: an open-loop load on the service as deployed, every payment
answered and settled, each process's memory read, the chart written and self-contained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vostro.bench import soak

pytestmark = pytest.mark.slow


def test_a_short_soak_settles_everything_and_charts_it(tmp_path: Path) -> None:
    summary = soak.run(None, minutes=0.25, rate=40, out=tmp_path, workers=1)
    assert summary["payments_sent"] == 600
    assert summary["answers"] == {"201": 600}
    assert summary["payments_settled_in_ledger"] == 600 and summary["lost"] == 0
    assert summary["ledger_verified"] is True
    assert {"supervisor", "writer", "worker-1"} <= set(summary["rss_kib_end"])  # type: ignore[arg-type]
    page = (tmp_path / "soak.html").read_text()
    assert "http://" not in page.split("<body>")[0] and "<script src" not in page
    assert json.loads((tmp_path / "summary.json").read_text())["lost"] == 0
    rows = (tmp_path / "windows.csv").read_text().splitlines()
    assert rows[0].startswith("answered") and len(rows) >= 2

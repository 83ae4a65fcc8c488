"""A calibrated corridor day (scaled down) through the real engine under each design."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vostro.config import Settings
from vostro.sim.day import run_design
from vostro.sim.segments import generate_day


@pytest.mark.slow
def test_a_corridor_day_shows_the_liquidity_each_design_saves() -> None:
    data = Settings().data_dir
    if not (data / "corridor_segments.csv").exists():
        pytest.skip(f"the corridor figures are not at {data} (set VOSTRO_DATA_DIR)")
    day = generate_day(data, scale=0.3, seed=3)  # 784 payments; deterministic for the seed
    assert any(p.segment == "migrant_remittances" for p in day)
    share = Decimal("0.2")
    rtgs, lsm, dns = (run_design(name, day, share) for name in ("rtgs", "lsm", "dns"))
    assert rtgs.gross_minor == lsm.gross_minor == dns.gross_minor
    assert rtgs.saved_minor == 0  # gross settlement saves nothing by construction
    assert lsm.settled_minor >= rtgs.settled_minor  # offsetting releases what gross cannot
    # Netting saves liquidity on the two-way trade flows; the one-way remittance flow gains
    # nothing from it, which is the corridor's imbalance showing.
    assert dns.saved_minor > 0
    for result in (rtgs, lsm, dns):
        assert result.opening_liquidity_minor == rtgs.opening_liquidity_minor
        assert 0 <= result.settled_minor <= result.gross_minor

"""The simulated year's workload: calibrated on the sourced figures, seeded, shaped by the
scenario's overrides (no engine here: these are fast)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vostro.config import Settings
from vostro.sim import scenario as scenarios
from vostro.sim.scenario import ScenarioError, apply
from vostro.sim.workload import CURRENCIES, OUTSIDE, Workload, generate, official_mix

DATA = Settings().data_dir


def by_direction(w: Workload, direction: str) -> int:
    return sum(
        int(w.usd_cents[w.segment == n].sum())
        for n, s in enumerate(w.segments)
        if s.direction == direction and not s.remittance
    )


@pytest.fixture(scope="module")
def base_year() -> Workload:
    return generate(DATA, scenarios.load("base"))


def test_the_base_year_reproduces_the_sourced_totals(base_year: Workload) -> None:
    w = base_year
    assert len(w) == pytest.approx(972_500, rel=0.01)
    assert by_direction(w, "IN->RU") == pytest.approx(63_840_000_000_00, rel=0.01)
    assert by_direction(w, "RU->IN") == pytest.approx(4_880_000_000_00, rel=0.01)
    crude = next(n for n, s in enumerate(w.segments) if s.tag == "crude_oil")
    assert int(w.usd_cents[w.segment == crude].sum()) / by_direction(w, "IN->RU") == (
        pytest.approx(0.75, abs=0.01)
    )
    for n, s in enumerate(w.segments):  # every segment adds up to its sourced value, to the cent
        assert int(w.usd_cents[w.segment == n].sum()) == round(s.annual_value_usd * 100)
    assert int(w.remittance_mask().sum()) == 900_000


def test_only_rupees_and_roubles_go_through_vostro(base_year: Workload) -> None:
    w = base_year
    assert set(np.unique(w.currency).tolist()) == {0, 1, OUTSIDE}
    assert (w.amount_minor[w.currency == OUTSIDE] == 0).all()
    assert (w.amount_minor[w.currency != OUTSIDE] > 0).all()
    share = int(w.usd_cents[w.through_vostro].sum()) / int(w.usd_cents.sum())
    assert 0.3 < share < 0.6  # crude mostly in AED: the market-reported mix


def test_the_same_seed_gives_the_same_year_byte_for_byte() -> None:
    def parquet(seed: int) -> bytes:
        w = generate(DATA, scenarios.load("base"), scale=0.01, days=40)
        w2 = generate(DATA, apply(scenarios.load("base"), {"seed": seed}, where="t"), scale=0.01)
        cols = {k: getattr(w, k) for k in ("day", "at_s", "currency", "usd_cents", "amount_minor")}
        sink = io.BytesIO()
        pq.write_table(pa.table(cols), sink)
        return sink.getvalue() + len(w2).to_bytes(8, "big")

    assert parquet(1) == parquet(1)
    other = generate(DATA, apply(scenarios.load("base"), {"seed": 2}, where="t"), scale=0.01)
    same = generate(DATA, scenarios.load("base"), scale=0.01)
    assert not np.array_equal(other.usd_cents[:50], same.usd_cents[:50])


def test_a_crude_shock_cuts_imports_by_its_share() -> None:
    base = generate(DATA, scenarios.load("base"))
    shocked = generate(DATA, scenarios.load("crude_shock"))
    crude = next(n for n, s in enumerate(base.segments) if s.tag == "crude_oil")
    months = np.array([d.month for d in base.days])
    in_shock = np.isin(months, [12, 1, 2])
    crude_in_shock = int(base.usd_cents[(base.segment == crude) & in_shock[base.day]].sum())
    fall = by_direction(base, "IN->RU") - by_direction(shocked, "IN->RU")
    assert fall == pytest.approx(0.35 * crude_in_shock, rel=0.08)
    assert 0.05 < fall / by_direction(base, "IN->RU") < 0.08


def test_trade_grows_to_100_bn_by_2030_and_remittances_with_the_workers() -> None:
    s = scenarios.load("growth_2030")
    assert s.trade_factor * 68.7 == pytest.approx(100.0)
    w = generate(DATA, s, scale=0.01)
    trade = by_direction(w, "IN->RU") + by_direction(w, "RU->IN")
    assert trade == pytest.approx(100_000_000_000_00 * 0.01 * 68.72 / 68.7, rel=0.01)
    assert int(w.remittance_mask().sum()) == 36_000  # 300,000 workers x 12, at 1 %
    assert w.days[0].isoformat() == "2029-04-01"


def test_the_official_mix_settles_96_percent_in_rubles_and_rupees() -> None:
    mix = official_mix({"AED": 0.45, "INR": 0.20, "RUB": 0.15, "CNY": 0.12, "USD": 0.08}, 0.96)
    assert sum(v for k, v in mix.items() if k in CURRENCIES) == pytest.approx(0.96)
    assert mix["INR"] / mix["RUB"] == pytest.approx(0.20 / 0.15)
    w = generate(DATA, scenarios.load("official_mix"), scale=0.05)
    trade = ~w.remittance_mask()
    share = int(w.usd_cents[trade & w.through_vostro].sum()) / int(w.usd_cents[trade].sum())
    assert share == pytest.approx(0.96, abs=0.03)


def test_every_shipped_scenario_loads_and_a_bad_one_says_where(tmp_path: Path) -> None:
    for name in (
        "base",
        "official_mix",
        "lsm",
        "dns",
        "crude_shock",
        "bank_cut_off",
        "growth_2030",
    ):
        assert scenarios.load(name).name == name
    assert len(scenarios.load_sweep("liquidity_sweep").runs()) == 8
    bad = tmp_path / "bad.toml"
    bad.write_text('[settlement]\ndesgn = "lsm"\n')
    with pytest.raises(ScenarioError, match="unknown setting 'desgn'"):
        scenarios.load(bad)
    bad.write_text('[liquidity]\nlevel = "high"\n')
    with pytest.raises(ScenarioError, match=r"liquidity\.level must be float"):
        scenarios.load(bad)
    bad.write_text("[liquidity]\nlevel = 2.0\n")
    with pytest.raises(ScenarioError, match="between 0 and 1"):
        scenarios.load(bad)
    with pytest.raises(ScenarioError, match="no scenario 'nope'"):
        scenarios.load("nope")

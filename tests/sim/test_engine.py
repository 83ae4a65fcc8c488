"""Short, scaled simulated runs through the real engine: every scenario kind, the measures'
invariants, and the store left verified."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vostro.calendar.model import DayState
from vostro.config import Settings
from vostro.day.procedure import STEPS
from vostro.sim import scenario as scenarios
from vostro.sim.scenario import Cutoff, Scenario, apply
from vostro.sim.simulate import simulate
from vostro.store import open_store
from vostro.store.frames import payment_outcomes
from vostro.store.uow import read_unit

DATA = Settings().data_dir
SCALE = 0.005


def run(
    s: Scenario, out: Path, *, days: int = 4, url: str | None = None, scale: float = SCALE
) -> dict[str, Any]:
    return simulate(s, DATA, out, scale=scale, days=days, database_url=url)


def days_table(out: Path) -> list[dict[str, Any]]:
    return pq.read_table(out / "days.parquet").to_pylist()


def check_measures(out: Path) -> None:
    for d in days_table(out):
        assert 0.0 <= d["delay_indicator"] <= 1.0
        if d["unsettled_eod_minor"] == 0:
            assert d["lower_bound_minor"] <= d["used_minor"] <= d["upper_bound_minor"], d


def test_the_base_run_settles_through_the_engine_on_both_stores(
    database_url: str, tmp_path: Path
) -> None:
    summary = run(scenarios.load("base"), tmp_path / "run", url=database_url)
    assert summary["ledger_verified"] is True
    assert summary["payments_through_vostro"] > 30
    assert (
        summary["payments_settled"] + summary["payments_refused"]
        == (summary["payments_through_vostro"])
    )
    assert summary["remittances"] > 0
    assert 1.0 < summary["remittance_cost_pct_mean"] < 6.18
    on_disk = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert on_disk["payments_settled"] == summary["payments_settled"]
    check_measures(tmp_path / "run")
    # Each simulated day ended through the production end-of-day procedure, step by step.
    store = open_store(database_url, migrate=False)
    try:
        with read_unit(store, clock=time.time_ns) as uow:
            for code in ("INR", "RUB"):
                closed = [d for d in uow.calendar.days(code, 10) if d.state is DayState.CLOSED]
                assert len(closed) == 4, (code, closed)
                for d in closed:
                    assert set(uow.calendar.steps(code, d.day)) == set(STEPS)
                    assert uow.calendar.report(code, d.day)["currency"] == code
    finally:
        store.dispose()


@pytest.mark.parametrize("name", ["lsm", "dns", "official_mix", "growth_2030", "crude_shock"])
def test_each_design_and_mix_runs_and_keeps_its_bounds(name: str, tmp_path: Path) -> None:
    summary = run(scenarios.load(name), tmp_path / name)
    assert summary["ledger_verified"] is True
    assert summary["design"] == scenarios.load(name).settlement.design
    check_measures(tmp_path / name)


def test_a_crude_shock_through_the_engine_cuts_the_imports_it_carries(tmp_path: Path) -> None:
    """December to February at a tenth of the year: the shock's months carry less crude."""
    start = {"seed": 3}
    base = apply(scenarios.load("base"), start, where="test")
    shock = apply(scenarios.load("crude_shock"), start, where="test")
    window = {"start": date(2024, 4, 1), "months": 1, "factor": 0.0, "segment": "crude_oil"}
    april = apply(shock, {"shocks": [window]}, where="test")  # the shock moved into the run
    normal = run(base, tmp_path / "base", days=30, scale=0.05)
    cut = run(april, tmp_path / "cut", days=30, scale=0.05)
    assert cut["ledger_verified"] is True
    assert cut["segments_usd"]["crude_oil"] == 0 < normal["segments_usd"]["crude_oil"]
    assert cut["imports_usd"] == normal["imports_usd"] - normal["segments_usd"]["crude_oil"]


def test_a_cut_off_bank_is_refused_with_a_reason_and_nothing_it_settled_moves(
    tmp_path: Path,
) -> None:
    base = scenarios.load("base")
    before = run(base, tmp_path / "before", days=5, scale=0.01)
    cut = replace(base, cutoffs=(Cutoff("GAZPRUMM", date(2024, 4, 3), "cut off by sanctions"),))
    after = run(cut, tmp_path / "after", days=5, scale=0.01)
    assert after["ledger_verified"] is True
    assert after["refused_by_reason"].get("AC06", 0) > 0
    assert (
        after["payments_settled"] + after["payments_refused"] == (after["payments_through_vostro"])
    )
    assert after["payments_through_vostro"] == before["payments_through_vostro"]
    first_days = [d for d in days_table(tmp_path / "after") if d["date"] < date(2024, 4, 3)]
    same = [d for d in days_table(tmp_path / "before") if d["date"] < date(2024, 4, 3)]
    assert first_days == same  # the days before the cut-off are untouched


def test_gazprombank_refusals_carry_the_sanctions_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cut.db'}"
    cut = apply(
        scenarios.load("bank_cut_off"),
        {"cutoffs": [{"bic": "GAZPRUMM", "on": date(2024, 4, 2)}]},
        where="test",
    )
    run(cut, tmp_path / "cut", days=4, url=url, scale=0.01)
    store = open_store(url)
    try:
        cols = payment_outcomes(store)
    finally:
        store.dispose()
    refused = [
        (d, c, r)
        for d, c, s, r in zip(
            cols["debtor_agent"],
            cols["creditor_agent"],
            cols["state"],
            cols["reason_code"],
            strict=True,
        )
        if s == "rejected"
    ]
    assert refused
    assert all(r == "AC06" and "GAZPRUMM" in (d[:8], c[:8]) for d, c, r in refused)


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(1, 10_000),
    design=st.sampled_from(["rtgs", "lsm", "dns"]),
    level=st.sampled_from([0.0, 0.3, 0.7, 1.0]),
)
def test_any_day_conserves_money_keeps_its_bounds_and_repeats(
    tmp_path_factory: pytest.TempPathFactory, seed: int, design: str, level: float
) -> None:
    s = apply(
        scenarios.load("base"),
        {"seed": seed, "settlement": {"design": design}, "liquidity": {"level": level}},
        where="property",
    )
    folder = tmp_path_factory.mktemp("prop")
    first = run(s, folder / "a", days=2)
    again = run(s, folder / "b", days=2)
    assert first["ledger_verified"] is True  # verify: every transfer balanced, per currency
    check_measures(folder / "a")
    assert {k: v for k, v in first.items() if k != "seconds"} == {
        k: v for k, v in again.items() if k != "seconds"
    }

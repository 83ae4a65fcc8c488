"""One scenario end to end: generate the year, run it through the engine, measure, write the run
folder (tables, `summary.json`; the report is drawn from them by `sim.report`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from vostro.sim import results
from vostro.sim.corridor import RUSSIAN
from vostro.sim.measures import quantiles_s, to_usd_cents
from vostro.sim.results import TARGETS_USD, write_json, write_table
from vostro.sim.runner import EngineRun, run
from vostro.sim.scenario import Scenario
from vostro.sim.workload import CURRENCIES, OUTSIDE, RATE_E4, Workload, generate
from vostro.store import open_store

DATABASE = "sim.db"  # in the run folder: every payment and transfer behind the figures


def simulate(
    scenario: Scenario,
    data_dir: Path,
    out: Path,
    *,
    scale: float = 1.0,
    days: int = 365,
    seed: int | None = None,
    database_url: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_workload: Callable[[Workload], None] | None = None,
) -> dict[str, Any]:
    """Run the scenario into `out` (created); returns the summary."""
    began = time.perf_counter()
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    w = generate(data_dir, scenario, scale=scale, days=days)
    if on_workload is not None:
        on_workload(w)
    url = database_url or f"sqlite:///{fresh_database(out / DATABASE)}"
    engine_run = run(w, url, progress, scale=scale)
    summary = measure(w, engine_run, out, scale)
    summary["seconds"] = round(time.perf_counter() - began, 1)
    write_json(summary, out / "summary.json")
    return summary


def fresh_database(path: Path) -> Path:
    """The run folder's own database, emptied of an earlier run's."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return path


def measure(w: Workload, engine_run: EngineRun, out: Path, scale: float) -> dict[str, Any]:
    """Write the run's tables into `out`; the summary of the year."""
    store = open_store(engine_run.url)
    try:
        o = results.outcomes(w, engine_run, store)
        posted = results.Posted.read(store)
        days = results.day_rows(w, store, o, posted)
        surplus = results.surplus_rows(w, engine_run, posted)
    finally:
        store.dispose()
    remittances = results.remittance_rows(w, o)
    segments = results.segment_rows(w)
    write_table(days, out, "days")
    write_table(surplus, out, "surplus")
    write_table(engine_run.providers, out, "providers")
    write_table(remittances, out, "remittances")
    write_table(segments, out, "segments")
    write_table(payment_table(w, engine_run, o), out, "payments")
    figures = summary(w, engine_run, o, days, surplus, remittances, segments, scale)
    waits = results.queue_waits(o)
    figures["queue_p50_s"], figures["queue_p95_s"] = quantiles_s(waits)
    figures["payments_queued"] = len(waits)
    return figures


def payment_table(w: Workload, engine_run: EngineRun, o: results.Outcomes) -> dict[str, Any]:
    """Every payment of the year: its segment, currency, amounts and, through vostro, outcome."""
    state: list[str | None] = [None] * len(w)
    reason: list[str | None] = [None] * len(w)
    for k, n in enumerate(o.row.tolist()):
        state[n], reason[n] = o.state[k], o.reason[k]
    return {
        "date": [w.days[d] for d in w.day.tolist()],
        "at_s": w.at_s,
        "segment": [w.segments[s].tag for s in w.segment.tolist()],
        "currency": [CURRENCIES[c] if c != OUTSIDE else "other" for c in w.currency.tolist()],
        "usd_cents": w.usd_cents,
        "amount_minor": w.amount_minor,
        "uetr": engine_run.uetrs,
        "state": state,
        "reason_code": reason,
    }


def summary(
    w: Workload,
    engine_run: EngineRun,
    o: results.Outcomes,
    days: list[dict[str, Any]],
    surplus: list[dict[str, Any]],
    remittances: dict[str, Any],
    segments: list[dict[str, Any]],
    scale: float,
) -> dict[str, Any]:
    s = w.scenario
    refused: dict[str, int] = {}
    for state, code in zip(o.state, o.reason, strict=True):
        if state == "rejected":
            refused[code or "NARR"] = refused.get(code or "NARR", 0) + 1
    cost = np.array(remittances["cost_pct"], float)
    last = w.usd_rub_e4[-1] if len(w.days) else RATE_E4
    vostro = sum(int(r["vostro_minor"]) for r in surplus if r["date"] == w.days[-1])
    invested = sum(int(r["invested_minor"]) for r in surplus if r["date"] == w.days[-1])
    return {
        "scenario": s.name,
        "description": s.description,
        "seed": s.seed,
        "scale": scale,
        "days": len(w.days),
        "design": s.settlement.design,
        "liquidity_level": s.liquidity.level,
        "payments": len(w),
        "payments_through_vostro": int(w.through_vostro.sum()),
        "payments_settled": sum(1 for x in o.state if x == "settled"),
        "payments_refused": sum(refused.values()),
        "refused_by_reason": dict(sorted(refused.items())),
        **_trade(w, segments),
        "remittances": int(w.remittance_mask().sum()),
        "remittance_cost_pct_mean": round(float(cost.mean()), 4) if cost.size else 0.0,
        "remittance_cost_pct_p95": round(float(np.percentile(cost, 95)), 4) if cost.size else 0.0,
        **_liquidity(days, int(last)),
        "delay_indicator": _weighted_rho(days),
        "unsettled_eod_minor": {
            c: sum(d["unsettled_eod_minor"] for d in days if d["currency"] == c) for c in CURRENCIES
        },
        "rupee_surplus_usd": to_usd_cents(vostro + invested, "INR", int(last)),
        "rupee_vostro_usd": to_usd_cents(vostro, "INR", int(last)),
        "rupee_invested_usd": to_usd_cents(invested, "INR", int(last)),
        "interest_earned_minor": sum(
            int(r["interest_minor"]) for r in surplus if r["date"] == w.days[-1]
        ),
        "russian_banks": RUSSIAN,
        "targets_usd": TARGETS_USD,
        "ledger_verified": engine_run.verified,
    }


def _trade(w: Workload, segments: list[dict[str, Any]]) -> dict[str, Any]:
    imports = sum(s["value_usd"] for s in segments if s["direction"] == "IN->RU")
    trade = [s for s in segments if s["segment"] != "remittances"]
    return {
        "imports_usd": imports,
        "exports_usd": sum(s["value_usd"] for s in trade if s["direction"] == "RU->IN"),
        "through_vostro_usd": int(w.usd_cents[w.through_vostro].sum()),
        "outside_usd": int(w.usd_cents[~w.through_vostro].sum()),
        "segments_usd": {s["segment"]: s["value_usd"] for s in segments},
        "segments_through_vostro_usd": {s["segment"]: s["through_vostro_usd"] for s in segments},
    }


def _liquidity(days: list[dict[str, Any]], usd_rub_e4: int) -> dict[str, Any]:
    """Per currency: the peak day's bounds and use, in minor units and in US cents (roubles at
    the year's last USD/RUB, rupees at 84.5; half even)."""
    minor: dict[str, Any] = {}
    for code in CURRENCIES:
        mine = [d for d in days if d["currency"] == code]
        upper = max((d["upper_bound_minor"] for d in mine), default=0)
        lower = max((d["lower_bound_minor"] for d in mine), default=0)
        used = max((d["used_minor"] for d in mine), default=0)
        minor[code] = {
            "upper_bound_minor": upper,
            "lower_bound_minor": lower,
            "used_minor": used,
            "saved_minor": max(0, upper - used),
            "settled_gross_minor": sum(d["settled_gross_minor"] for d in mine),
            "settled_offset_minor": sum(d["settled_offset_minor"] for d in mine),
        }
    usd = {
        code: {k: to_usd_cents(v, code, usd_rub_e4) for k, v in figures.items()}
        for code, figures in minor.items()
    }
    return {"liquidity": minor, "liquidity_usd": usd}


def _weighted_rho(days: list[dict[str, Any]]) -> float:
    """The year's ρ: each day's and currency's ρ weighted by the value it carried."""
    total = sum(d["value_minor"] * d["usd_per_unit"] for d in days)
    if not total:
        return 0.0
    rho = sum(d["delay_indicator"] * d["value_minor"] * d["usd_per_unit"] for d in days) / total
    return round(float(rho), 6)

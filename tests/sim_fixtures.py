"""Synthetic simulator output for tests: a run folder and a sweep folder in the simulator's
contract (summary.json and the parquet tables), small and deterministic.

`write_run(dir, **overrides)` writes a few days of a corridor with two Russian banks and two FX
providers. The tables are generated first and the summary is computed from them (the liquidity
bounds are the largest of any day, the surplus is the last day's), so the two agree; keyword
overrides then replace summary keys. `days` sets the number of days, `liquidity_level` where the
liquidity used lies between the day's lower and upper bound, `design` how long payments wait.
`write_sweep(dir)` writes a grid of such runs and its `sweep.json`.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

CRORE = 10**9  # paise in one crore rupees
RUB_MILLION = 10**8  # kopecks in one million roubles
USD_BN = 10**11  # cents in one billion dollars
USD_M = 10**8  # cents in one million dollars
START = date(2027, 1, 1)
INR_PER_USD = Decimal("84.5")
RUB_PER_USD = Decimal("78.5")
BANKS = {"SABRRUMM": "Sberbank", "VTBRRUMM": "VTB Bank"}
PROVIDERS = ("ICICINBB", "HDFCINBB")
REMITTANCES = 60
# FY2024-25 in shape: USD 63.84 bn of imports and 4.88 bn of exports, 14.2 bn through vostro.
SEGMENTS = (
    ("crude_oil", "IN->RU", 900, 5010, 940),
    ("fertilisers", "IN->RU", 400, 330, 120),
    ("other_imports", "IN->RU", 2500, 1044, 190),
    ("pharmaceuticals", "RU->IN", 700, 56, 45),
    ("engineering", "RU->IN", 1100, 150, 60),
    ("food", "RU->IN", 1600, 282, 65),
)  # tag, direction, payments, value and through vostro in USD 10 m
TARGETS_USD = {"fy2025_trade": 6_870_000_000_000, "trade_2030": 10_000_000_000_000}
DESIGN_WAIT = {"rtgs": Decimal("0.30"), "lsm": Decimal("0.12"), "dns": Decimal("0.20")}


def _cents(minor: int, code: str) -> int:
    """Minor units of INR or RUB in US cents, at the fixture's fixed rate."""
    rate = INR_PER_USD if code == "INR" else RUB_PER_USD
    return int((Decimal(minor) / rate).quantize(Decimal(1), ROUND_HALF_EVEN))


def _write(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path)
    if path.stem == "days":
        pa_csv.write_csv(table, path.with_suffix(".csv"))


DAYS_SCHEMA = pa.schema(
    [("date", pa.date32()), ("currency", pa.string()), ("payments", pa.int64())]
    + [
        (name, pa.int64())
        for name in (
            "value_minor",
            "settled_gross_minor",
            "settled_offset_minor",
            "upper_bound_minor",
            "lower_bound_minor",
            "used_minor",
            "unsettled_eod_minor",
        )
    ]
    + [(name, pa.float64()) for name in ("delay_indicator", "queue_p50_s", "queue_p95_s")]
    + [("usd_per_unit", pa.float64())]
)
SURPLUS_SCHEMA = pa.schema(
    [("date", pa.date32()), ("bic", pa.string()), ("name", pa.string())]
    + [(name, pa.int64()) for name in ("vostro_minor", "invested_minor", "interest_minor")]
)
PROVIDERS_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("bic", pa.string()),
        ("currency", pa.string()),
        ("balance_minor", pa.int64()),
    ]
)
REMITTANCES_SCHEMA = pa.schema(
    [("date", pa.date32()), ("cost_pct", pa.float64()), ("amount_usd", pa.int64())]
)
SEGMENTS_SCHEMA = pa.schema(
    [
        ("segment", pa.string()),
        ("direction", pa.string()),
        ("payments", pa.int64()),
        ("value_usd", pa.int64()),
        ("through_vostro_usd", pa.int64()),
    ]
)


def _day_row(day: int, code: str, level: Decimal, wait: Decimal) -> dict[str, Any]:
    unit = CRORE if code == "INR" else RUB_MILLION
    upper = (6000 + 100 * day if code == "INR" else 800 + 10 * day) * unit
    lower = (1000 + 20 * day if code == "INR" else 150 + 5 * day) * unit
    value = (20_000 + 500 * day if code == "INR" else 3000 + 50 * day) * unit
    gross = value * 7 // 10
    # Rouble payments are fewer and larger: they wait less, in this made-up corridor.
    delay = float(
        (wait * (1 - level) + Decimal("0.005") * (day % 30)) / (2 if code == "RUB" else 1)
    )
    return {
        "date": START + timedelta(days=day),
        "currency": code,
        "payments": 400 + 10 * day,
        "value_minor": value,
        "settled_gross_minor": gross,
        "settled_offset_minor": value - gross,
        "upper_bound_minor": upper,
        "lower_bound_minor": lower,
        "used_minor": lower + int((upper - lower) * level),
        "unsettled_eod_minor": 75 * CRORE if code == "INR" and day == 2 else 0,
        "delay_indicator": delay,
        "queue_p50_s": (40.0 + 5 * (day % 30)) / (2 if code == "RUB" else 1),
        "queue_p95_s": (300.0 + 60 * (day % 30)) / (2 if code == "RUB" else 1),
        "usd_per_unit": float(1 / (INR_PER_USD if code == "INR" else RUB_PER_USD)),
    }


def _surplus_rows(days: int, banks: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for rank, (bic, name) in enumerate(banks.items()):
        interest = 0
        for day in range(days):
            vostro = (800 + (120 - 50 * rank) * day) * CRORE // (rank + 1)
            invested = (1500 + (200 - 80 * rank) * day) * CRORE // (rank + 1)
            interest += invested * 675 // 100_000 // 365  # 6.75 % a year
            rows.append(
                {
                    "date": START + timedelta(days=day),
                    "bic": bic,
                    "name": name,
                    "vostro_minor": vostro,
                    "invested_minor": invested,
                    "interest_minor": interest,
                }
            )
    return rows


def _provider_rows(days: int) -> list[dict[str, Any]]:
    return [
        {
            "date": START + timedelta(days=day),
            "bic": bic,
            "currency": code,
            "balance_minor": (
                (400 - 8 * (day % 30) + 100 * rank) * CRORE
                if code == "INR"
                else (90 + 4 * day - 20 * rank) * RUB_MILLION
            ),
        }
        for day in range(days)
        for rank, bic in enumerate(PROVIDERS)
        for code in ("INR", "RUB")
    ]


def _remittance_rows(days: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(7)
    costs = np.clip(rng.normal(1.9, 0.35, REMITTANCES), 0.6, 5.5)
    amounts = rng.integers(10_000, 150_000, REMITTANCES)
    return [
        {
            "date": START + timedelta(days=n % days),
            "cost_pct": float(cost),
            "amount_usd": int(amount),
        }
        for n, (cost, amount) in enumerate(zip(costs, amounts, strict=True))
    ]


def _segment_rows() -> list[dict[str, Any]]:
    return [
        {
            "segment": tag,
            "direction": direction,
            "payments": payments,
            "value_usd": value * USD_BN // 100,
            "through_vostro_usd": through * USD_BN // 100,
        }
        for tag, direction, payments, value, through in SEGMENTS
    ]


def _liquidity(days: list[dict[str, Any]], code: str) -> dict[str, int]:
    mine = [row for row in days if row["currency"] == code]
    upper = max(row["upper_bound_minor"] for row in mine)
    used = max(row["used_minor"] for row in mine)
    return {
        "upper_bound_minor": upper,
        "lower_bound_minor": max(row["lower_bound_minor"] for row in mine),
        "used_minor": used,
        "saved_minor": upper - used,
        "settled_gross_minor": sum(row["settled_gross_minor"] for row in mine),
        "settled_offset_minor": sum(row["settled_offset_minor"] for row in mine),
    }


def _summary(tables: dict[str, list[dict[str, Any]]], days: int) -> dict[str, Any]:
    day_rows, surplus, segments = tables["days"], tables["surplus"], tables["segments"]
    costs = np.array([row["cost_pct"] for row in tables["remittances"]])
    last = [row for row in surplus if row["date"] == START + timedelta(days=days - 1)]
    vostro_usd = _cents(sum(row["vostro_minor"] for row in last), "INR")
    invested_usd = _cents(sum(row["invested_minor"] for row in last), "INR")
    liquidity = {code: _liquidity(day_rows, code) for code in ("INR", "RUB")}
    through = sum(row["through_vostro_usd"] for row in segments)
    total = sum(row["value_usd"] for row in segments)
    imports = sum(row["value_usd"] for row in segments if row["direction"] == "IN->RU")
    return {
        "scenario": "baseline",
        "description": "A calibrated year of FY2024-25 trade settled with the LSM.",
        "seed": 7,
        "scale": 1.0,
        "days": days,
        "design": "lsm",
        "liquidity_level": 0.5,
        "payments": sum(row["payments"] for row in segments),
        "payments_through_vostro": sum(row["payments"] for row in day_rows),
        "payments_settled": sum(row["payments"] for row in day_rows) - 12,
        "payments_refused": 12,
        "refused_by_reason": {"AM04": 9, "RR04": 3},
        "imports_usd": imports,
        "exports_usd": total - imports,
        "through_vostro_usd": through,
        "outside_usd": total - through,
        "segments_usd": {row["segment"]: row["value_usd"] for row in segments},
        "segments_through_vostro_usd": {
            row["segment"]: row["through_vostro_usd"] for row in segments
        },
        "remittances": len(costs),
        "remittance_cost_pct_mean": float(costs.mean()),
        "remittance_cost_pct_p95": float(np.percentile(costs, 95)),
        "liquidity": liquidity,
        "liquidity_usd": {
            code: {key: _cents(value, code) for key, value in figures.items()}
            for code, figures in liquidity.items()
        },
        "delay_indicator": float(np.mean([row["delay_indicator"] for row in day_rows])),
        "queue_p50_s": 52.0,
        "queue_p95_s": 420.0,
        "unsettled_eod_minor": {"INR": 75 * CRORE, "RUB": 0},
        "rupee_surplus_usd": vostro_usd + invested_usd,
        "rupee_vostro_usd": vostro_usd,
        "rupee_invested_usd": invested_usd,
        "interest_earned_minor": sum(row["interest_minor"] for row in last),
        "targets_usd": dict(TARGETS_USD),
        "ledger_verified": True,
        "seconds": 3.2,
    }


def write_run(run_dir: Path, *, banks: dict[str, str] | None = None, **overrides: Any) -> Path:
    """Write a run folder into `run_dir` and return it; `overrides` replace summary keys."""
    days = int(overrides.get("days", 5))
    level = Decimal(str(overrides.get("liquidity_level", 0.5)))
    wait = DESIGN_WAIT[str(overrides.get("design", "lsm"))]
    tables = {
        "days": [
            _day_row(day, code, level, wait) for day in range(days) for code in ("INR", "RUB")
        ],
        "surplus": _surplus_rows(days, banks or BANKS),
        "providers": _provider_rows(days),
        "remittances": _remittance_rows(days),
        "segments": _segment_rows(),
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    schemas = {
        "days": DAYS_SCHEMA,
        "surplus": SURPLUS_SCHEMA,
        "providers": PROVIDERS_SCHEMA,
        "remittances": REMITTANCES_SCHEMA,
        "segments": SEGMENTS_SCHEMA,
    }
    for name, rows in tables.items():
        _write(run_dir / f"{name}.parquet", rows, schemas[name])
    summary = _summary(tables, days) | overrides
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return run_dir


def write_sweep(sweep_dir: Path, days: int = 5) -> Path:
    """Write a sweep of two designs at three liquidity levels into `sweep_dir` and return it."""
    grid: dict[str, list[Any]] = {"design": ["rtgs", "lsm"], "liquidity_level": [0.0, 0.5, 1.0]}
    runs = []
    for design in grid["design"]:
        for level in grid["liquidity_level"]:
            overrides = {"design": design, "liquidity_level": level}
            relative = f"runs/{design}-{level:.2f}"
            run_dir = write_run(sweep_dir / relative, days=days, **overrides)
            summary = json.loads((run_dir / "summary.json").read_text())
            label = f"{design.upper()} at {level:.2f}"
            runs.append(
                {"label": label, "overrides": overrides, "dir": relative, "summary": summary}
            )
    sweep = {"name": "liquidity between the bounds", "grid": grid, "runs": runs}
    (sweep_dir / "sweep.json").write_text(json.dumps(sweep, indent=2))
    return sweep_dir

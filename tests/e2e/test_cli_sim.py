"""`vostro sim` as a user runs it: a scenario through the engine, a sweep on Dask, the report
rebuilt from the stored measures."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from tests.e2e.test_cli import vostro

SUMMARY_KEYS = {
    "scenario",
    "seed",
    "days",
    "payments",
    "payments_settled",
    "payments_refused",
    "imports_usd",
    "exports_usd",
    "through_vostro_usd",
    "segments_usd",
    "remittances",
    "remittance_cost_pct_mean",
    "remittance_cost_pct_p95",
    "liquidity",
    "delay_indicator",
    "unsettled_eod_minor",
    "rupee_surplus_usd",
    "rupee_vostro_usd",
    "rupee_invested_usd",
    "ledger_verified",
    "seconds",
}


def test_sim_run_writes_the_report_tables_and_a_json_summary(tmp_path: Path) -> None:
    out = tmp_path / "lsm"
    done = vostro(
        "sim",
        "run",
        "--scenario",
        "lsm",
        "--scale",
        "0.005",
        "--days",
        "3",
        "--seed",
        "7",
        "--out",
        str(out),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(summary) >= SUMMARY_KEYS
    assert summary["scenario"] == "lsm" and summary["seed"] == 7 and summary["days"] == 3
    assert summary["ledger_verified"] is True
    assert set(summary["liquidity"]) == {"INR", "RUB"}
    assert {"upper_bound_minor", "lower_bound_minor", "used_minor", "saved_minor"} <= set(
        summary["liquidity"]["INR"]
    )
    for table in ("days", "surplus", "providers", "remittances", "segments", "payments"):
        assert (out / f"{table}.parquet").is_file() and (out / f"{table}.csv").is_file()
    assert pq.read_table(out / "days.parquet").num_rows == 6  # 3 days x INR, RUB
    html = (out / "report.html").read_text()
    assert "lsm" in html and "https://" not in html.split("<script")[0]
    (out / "report.html").unlink()
    rebuilt = vostro("sim", "report", str(out))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (out / "report.html").is_file()


def test_sim_refuses_a_bad_scenario_with_a_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[settlement]\ndesign = "gross"\n')
    done = vostro("sim", "run", str(bad), "--out", str(tmp_path / "x"))
    assert done.returncode != 0
    assert "settlement.design must be one of" in done.stderr
    missing = vostro("sim", "report", str(tmp_path))
    assert missing.returncode != 0 and "no summary.json" in missing.stderr


def test_sim_sweep_runs_the_grid_on_dask_and_compares(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('name = "tiny"\nbase = "base"\n[grid]\n"liquidity.level" = [0.0, 1.0]\n')
    out = tmp_path / "sweep"
    done = vostro(
        "sim",
        "sweep",
        str(sweep),
        "--workers",
        "2",
        "--scale",
        "0.003",
        "--days",
        "2",
        "--out",
        str(out),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert [r["overrides"] for r in record["runs"]] == [
        {"liquidity.level": 0.0},
        {"liquidity.level": 1.0},
    ]
    assert all(r["summary"]["ledger_verified"] for r in record["runs"])
    assert (out / "report.html").is_file() and (out / "sweep.json").is_file()

"""`vostro bench sim`: the corridor simulator's speed, against the payment path alone.

`run` times the base scenario (its first `days` days at `scale`) through the engine, then, in the
same run and on a fresh store, the baseline: the same number of rupee payments submitted with
`submit_many` alone, in groups of the simulation's mean group size (no simulator, no quotes, no
clock). The ratio says what the simulator and its remittance pricing cost over the bare payment
path. `sweep` times eight scenarios of the liquidity sweep on Dask workers against the same eight
one after another.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from vostro.config import Settings
from vostro.participants.model import Role
from vostro.payments.model import PaymentRequest
from vostro.platform import Platform
from vostro.sim import scenario as scenarios
from vostro.sim.runner import run as run_engine
from vostro.sim.sweep import run_one, run_sweep
from vostro.sim.workload import generate

FUNDING_ID = 5 << 120


def run(days: int = 30, scale: float = 1.0) -> dict[str, Any]:
    data_dir = Settings().data_dir
    w = generate(data_dir, scenarios.load("base"), scale=scale, days=days)
    payments = int(w.through_vostro.sum())
    folder = Path(tempfile.mkdtemp(prefix="vostro-bench-sim-"))
    began = time.perf_counter()
    result = run_engine(w, f"sqlite:///{folder / 'sim.db'}", scale=scale)
    sim_s = time.perf_counter() - began
    ticks = len({(int(d), int(t) // 300) for d, t in zip(w.day, w.at_s, strict=True)})
    group = max(1, round(payments / max(ticks, 1)))
    baseline_s = _submit_many_alone(folder / "baseline.db", payments, group)
    return {
        "days": days,
        "scale": scale,
        "payments": payments,
        "seconds": round(sim_s, 1),
        "payments_per_s": round(payments / sim_s),
        "mean_group": group,
        "submit_many_per_s": round(payments / baseline_s),
        "ratio": round(baseline_s / sim_s, 3),
        "full_year_minutes_estimate": round(958_000 / (payments / sim_s) / 60, 1),
        "ledger_verified": result.verified,
    }


def _submit_many_alone(path: Path, count: int, group: int) -> float:
    """Seconds to submit `count` INR payments in groups of `group` with `submit_many`."""
    with Platform.open(f"sqlite:///{path}") as p:
        banks = ["SBININBB", "UCBAINBB", "IDIBINBB", "INDBINBB"]
        p.registry.register("VSTRINBB", "operator", [Role.OPERATOR], ["INR"], actor="bench")
        for n, bic in enumerate(banks):
            p.registry.register(bic, bic, [Role.BANK], ["INR"], actor="bench")
            p.fund(bic, 10**15, "INR", transfer_id=FUNDING_ID + n, actor="bench")
        began = time.perf_counter()
        for start in range(0, count, group):
            items = [
                (
                    PaymentRequest(
                        str(uuid.uuid4()),
                        f"B{start + k}",
                        banks[k % 4],
                        banks[(k + 1) % 4],
                        100_000_00,
                        "INR",
                    ),
                    False,
                )
                for k in range(min(group, count - start))
            ]
            p.payments.submit_many(items)
        return time.perf_counter() - began


def sweep(days: int = 10, scale: float = 0.2, workers: int = 2) -> dict[str, Any]:
    """The liquidity sweep's eight scenarios on `workers` Dask workers, then one after another."""
    data_dir = Settings().data_dir
    plan = scenarios.load_sweep("liquidity_sweep")
    folder = Path(tempfile.mkdtemp(prefix="vostro-bench-sweep-"))
    began = time.perf_counter()
    run_sweep(plan, data_dir, folder / "dask", scale=scale, days=days, workers=workers)
    parallel_s = time.perf_counter() - began
    began = time.perf_counter()
    for n, (_label, _point, s) in enumerate(plan.runs()):
        run_one(s, str(data_dir), str(folder / f"serial-{n}"), scale, days)
    serial_s = time.perf_counter() - began
    return {
        "scenarios": len(plan.runs()),
        "workers": workers,
        "days": days,
        "scale": scale,
        "dask_seconds": round(parallel_s, 1),
        "serial_seconds": round(serial_s, 1),
        "speedup": round(serial_s / parallel_s, 2),
    }

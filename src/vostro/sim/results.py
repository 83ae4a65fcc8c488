"""A run's measures as tables and a summary, read back from the store the engine wrote.

Tables (Parquet and CSV in the run folder): `days` (per day and currency), `surplus` (per day
and Russian bank), `providers` (per day, FX provider and currency), `remittances` (per
remittance), `segments` (per segment), `payments` (every payment of the year with its outcome).
`summary.json` holds the year's key figures (see `summary`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from vostro.participants.model import Purpose
from vostro.sim import calendars
from vostro.sim.measures import (
    Legs,
    delay_indicator,
    liquidity_bounds,
    quantiles_s,
    used_liquidity,
)
from vostro.sim.runner import EngineRun, day_start_ns
from vostro.sim.workload import (
    BANKS,
    CURRENCIES,
    INR_PER_USD_E1,
    OUTSIDE,
    PARTICIPANTS,
    RATE_E4,
    Workload,
)
from vostro.store import frames
from vostro.units import NS_PER_S

TARGETS_USD = {"fy2025_trade": 68_700_000_000_00, "trade_2030": 100_000_000_000_00}
REFUSED_OFFERED = {"AM04"}  # refused for liquidity: the payment was offered for settlement


@dataclass
class Outcomes:
    """Per workload row that went through vostro, in workload order (index `row`)."""

    row: np.ndarray
    state: list[str]
    reason: list[str | None]
    created: np.ndarray
    updated: np.ndarray
    source: np.ndarray
    target: np.ndarray
    fee: np.ndarray
    cost_bps: list[str]
    provider: list[str | None]
    sender: list[str]
    queued: np.ndarray  # when it first queued (ns), -1 if it never did


def outcomes(w: Workload, run: EngineRun, store: Any) -> Outcomes:
    cols = frames.payment_outcomes(store)
    at = {u: n for n, u in enumerate(cols["uetr"])}
    rows = np.flatnonzero(w.through_vostro)
    index = [at[run.uetrs[r]] for r in rows.tolist()]  # every one was submitted and stored

    def pick(name: str) -> list[Any]:
        return [cols[name][i] for i in index]

    queued_at = frames.queued_at(store)
    queued = np.array([queued_at.get(run.uetrs[r] or "", -1) for r in rows.tolist()], np.int64)
    return Outcomes(
        rows,
        pick("state"),
        pick("reason_code"),
        np.array(pick("created_at"), np.int64),
        np.array(pick("updated_at"), np.int64),
        np.array(pick("source_amount_minor"), np.int64),
        np.array(pick("target_amount_minor"), np.int64),
        np.array(pick("fee_minor"), np.int64),
        pick("cost_bps"),
        pick("fx_provider"),
        pick("debtor_agent"),
        queued,
    )


def actual_legs(w: Workload, o: Outcomes, mask: np.ndarray) -> Legs:
    """The offered payments' liquidity movements as the engine priced them, in arrival order."""
    remit = w.remittance_mask()
    when, who, cur, delta = [], [], [], []
    for k in np.flatnonzero(mask).tolist():
        n = int(o.row[k])
        payer, payee, c = int(w.payer[n]), int(w.payee[n]), int(w.currency[n])
        t = int(o.created[k])  # the tick it was submitted in
        if not remit[n]:
            amount = int(o.source[k])
            when += [t, t]
            who += [payer, payee]
            cur += [c, c]
            delta += [-amount - int(o.fee[k]), amount]
            continue
        provider = BANKS.index(o.provider[k] or BANKS[0])
        sender = PARTICIPANTS.index(o.sender[k])
        when += [t] * 4
        who += [sender, provider, provider, payee]
        cur += [1, 1, 0, 0]
        delta += [
            -int(o.source[k]) - int(o.fee[k]),
            int(o.source[k]),
            -int(o.target[k]),
            int(o.target[k]),
        ]
    return Legs(
        np.array(when, np.int64),
        np.array(who, np.int64),
        np.array(cur, np.int64),
        np.array(delta, np.int64),
    )


@dataclass
class Posted:
    """The ledger's posted transfers and who owns each account, read once for all measures."""

    transfers: dict[str, np.ndarray]
    owners: dict[int, tuple[str, str, str]]

    @classmethod
    def read(cls, store: Any) -> Posted:
        return cls(frames.posted_transfers(store), frames.account_owners(store))


def day_rows(w: Workload, store: Any, o: Outcomes, posted: Posted) -> list[dict[str, Any]]:
    """One row per day and currency (see `measures`)."""
    starts = np.array([day_start_ns(d) for d in w.days], np.int64)
    used = used_liquidity(posted.transfers, posted.owners, starts)
    offset = _offset_by_day(frames.settlement_reports(store), starts)
    waited = o.updated - o.queued
    day = w.day[o.row]
    currency = w.currency[o.row]
    settled = np.array([s == "settled" for s in o.state])
    offered = np.array(
        [s != "rejected" or r in REFUSED_OFFERED for s, r in zip(o.state, o.reason, strict=True)]
    )
    out = []
    for d, when in enumerate(w.days):
        today = day == d
        bounds = liquidity_bounds(actual_legs(w, o, today & offered), len(PARTICIPANTS))
        end = int(starts[d]) + calendars.DAY_CLOSE_S * NS_PER_S
        for c, code in enumerate(CURRENCIES):
            mine = today & (currency == c)
            value = o.source[mine]
            upper = sum(u for (_, cc), (u, _) in bounds.items() if cc == c)
            lower = sum(low for (_, cc), (_, low) in bounds.items() if cc == c)
            p50, p95 = quantiles_s(waited[mine & (o.queued >= 0)])
            unsettled = mine & ~settled & np.array([r == "AM04" for r in o.reason])
            settled_value = int(o.source[mine & settled].sum())
            off = min(offset.get((d, code), 0), settled_value)
            out.append(
                {
                    "date": when,
                    "currency": code,
                    "payments": int(mine.sum()),
                    "value_minor": int(value.sum()),
                    "settled_gross_minor": settled_value - off,
                    "settled_offset_minor": off,
                    "upper_bound_minor": upper,
                    "lower_bound_minor": lower,
                    "used_minor": used.get((d, code), 0),
                    "unsettled_eod_minor": int(o.source[unsettled].sum()),
                    "delay_indicator": delay_indicator(
                        value[offered[mine]],
                        o.created[mine][offered[mine]],
                        np.where(settled[mine], o.updated[mine], -1)[offered[mine]],
                        np.full(int(offered[mine].sum()), end, np.int64),
                    ),
                    "queue_p50_s": p50,
                    "queue_p95_s": p95,
                    "usd_per_unit": _usd_per_unit(code, int(w.usd_rub_e4[d])),
                }
            )
    return out


def queue_waits(o: Outcomes) -> np.ndarray:
    """Nanoseconds each payment that queued waited, to settlement or refusal, over the run."""
    return (o.updated - o.queued)[o.queued >= 0]


def _usd_per_unit(code: str, usd_rub_e4: int) -> float:
    return 10 / INR_PER_USD_E1 if code == "INR" else RATE_E4 / usd_rub_e4


def _offset_by_day(reports: list[dict[str, Any]], starts: np.ndarray) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    for r in reports:
        d = int(np.searchsorted(starts, int(r["at"]), side="right") - 1)
        key = (d, r["currency"])
        out[key] = out.get(key, 0) + int(r.get("gross_minor", 0))
    return out


def write_table(rows: list[dict[str, Any]] | dict[str, Any], folder: Path, name: str) -> None:
    table = pa.Table.from_pylist(rows) if isinstance(rows, list) else pa.table(rows)
    pq.write_table(table, folder / f"{name}.parquet")
    pacsv.write_csv(table, folder / f"{name}.csv")  # type: ignore[attr-defined]


def interest_by_day(posted: Posted, starts: np.ndarray) -> dict[tuple[int, str], int]:
    """(day, Russian bank) → interest credited that day, from the ledger's interest transfers."""
    t, owners = posted.transfers, posted.owners
    mine = t["code"] == int(Purpose.INTEREST)
    out: dict[tuple[int, str], int] = {}
    for ts, credit, amount in zip(
        t["timestamp"][mine], t["credit"][mine], t["amount"][mine], strict=True
    ):
        d = int(np.searchsorted(starts, int(ts), side="right") - 1)
        bic = owners.get(int(credit), ("?", "", ""))[0]
        out[(d, bic)] = out.get((d, bic), 0) + int(amount)
    return out


def surplus_rows(w: Workload, run: EngineRun, posted: Posted) -> list[dict[str, Any]]:
    starts = np.array([day_start_ns(d) for d in w.days], np.int64)
    interest = interest_by_day(posted, starts)
    total: dict[str, int] = {}
    out = []
    for row in run.surplus:
        d = w.days.index(row["date"])  # type: ignore[arg-type]
        bic = str(row["bic"])
        total[bic] = total.get(bic, 0) + interest.get((d, bic), 0)
        out.append({**row, "interest_minor": total[bic]})
    return out


def remittance_rows(w: Workload, o: Outcomes) -> dict[str, Any]:
    remit = w.remittance_mask()[o.row]
    settled = np.array([s == "settled" for s in o.state])
    keep = np.flatnonzero(remit & settled)
    return {
        "date": [w.days[int(w.day[o.row[k]])] for k in keep.tolist()],
        "cost_pct": [float(Decimal(o.cost_bps[k]) / 100) for k in keep.tolist()],
        "amount_usd": [int(w.usd_cents[o.row[k]]) for k in keep.tolist()],
    }


def segment_rows(w: Workload) -> list[dict[str, Any]]:
    out = []
    for n, spec in enumerate(w.segments):
        mine = w.segment == n
        out.append(
            {
                "segment": spec.tag,
                "direction": spec.direction,
                "payments": int(mine.sum()),
                "value_usd": int(w.usd_cents[mine].sum()),
                "through_vostro_usd": int(w.usd_cents[mine & (w.currency != OUTSIDE)].sum()),
            }
        )
    return out


def write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")

"""A currency's day report: turnover, payments by state, liquidity used, the day's upper and
lower bound of liquidity, and time in queue.

The bounds are the payment-system simulation literature's (Leinonen & Soramäki): the **upper
bound** is what every participant would need to settle each of the day's settled payments on
arrival, in arrival order (the largest running net outflow of each, summed); the **lower bound**
is what the end-of-day multilateral net would need (each net payer's net outflow, summed).
**Liquidity used** is the largest running net outflow in the order the payments actually settled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from vostro.units import NS_PER_S


@dataclass(frozen=True, slots=True)
class Flow:
    """One leg of a payment in the day's currency."""

    payer: str
    payee: str
    amount_minor: int
    state: str
    arrived_at: int
    queued_at: int | None
    settled_at: int | None


def _peak_outflows(flows: list[Flow], key: str) -> int:
    """Σ over participants of the largest running net outflow, in the order of `key`."""
    running: dict[str, int] = {}
    peak: dict[str, int] = {}
    for f in sorted(flows, key=lambda f: (getattr(f, key), f.payer, f.payee)):
        running[f.payer] = running.get(f.payer, 0) + f.amount_minor
        running[f.payee] = running.get(f.payee, 0) - f.amount_minor
        peak[f.payer] = max(peak.get(f.payer, 0), running[f.payer])
    return sum(peak.values())


def day_report(code: str, flows: list[Flow], statements: int) -> dict[str, object]:
    settled = [f for f in flows if f.state == "settled" and f.settled_at is not None]
    net: dict[str, int] = {}
    for f in settled:
        net[f.payer] = net.get(f.payer, 0) + f.amount_minor
        net[f.payee] = net.get(f.payee, 0) - f.amount_minor
    waits = np.array(
        [
            (f.settled_at - f.queued_at) / NS_PER_S
            for f in settled
            if f.queued_at is not None and f.settled_at is not None
        ]
        or [0.0]
    )
    queued = sum(1 for f in settled if f.queued_at is not None)
    return {
        "currency": code,
        "payments": len(flows),
        "by_state": dict(sorted(Counter(f.state for f in flows).items())),
        "turnover_minor": sum(f.amount_minor for f in settled),
        "upper_bound_minor": _peak_outflows(settled, "arrived_at"),
        "lower_bound_minor": sum(v for v in net.values() if v > 0),
        "liquidity_used_minor": _peak_outflows(settled, "settled_at"),
        "settled_after_queueing": queued,
        "queue_seconds_p50": round(float(np.percentile(waits, 50)), 3) if queued else None,
        "queue_seconds_p95": round(float(np.percentile(waits, 95)), 3) if queued else None,
        "statements": statements,
    }

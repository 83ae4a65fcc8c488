"""`vostro bench netting`: multilateral netting and gridlock resolution, timed with numpy.

Workload (seeded): payers and payees drawn from a Zipf-like distribution (a few large banks send
and receive much of the value), log-normal amounts around INR 50,000 in paise, never a payment to
oneself. Timed:

* `net_positions` over `payments` payments (best of five), against a baseline measured in the
  same run: one pass of numpy over the same arrays (a sum and one unweighted `bincount`), the
  physical floor of any netting;
* `lsm.resolve` on a queue of `queued` payments with scarce liquidity (each participant holds 5 %
  of its gross outgoing value, so gridlock is real);
* on a smaller instance the MIP solves within a minute, the heuristic against `lsm.optimal`
  (HiGHS): `optimal_gap_pct` is how much less value the heuristic settles at 5 % liquidity, and
  `optimal_gap_pct_by_liquidity` the same with 10, 20 and 50 % of gross outgoing value.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from vostro.errors import invariant
from vostro.settlement import lsm
from vostro.settlement.netting import I64, net_positions

LIQUIDITY_SHARE_DIVISOR = 20  # each participant holds 1/20 (5 %) of its gross outgoing value
REPEATS = 5


def workload(rng: np.random.Generator, n: int, participants: int) -> tuple[I64, I64, I64, I64]:
    weights = 1 / np.arange(1, participants + 1) ** 1.1
    weights /= weights.sum()
    payer = rng.choice(participants, n, p=weights).astype(np.int64)
    payee = rng.choice(participants, n, p=weights).astype(np.int64)
    same = payer == payee
    payee[same] = (payee[same] + 1) % participants
    amount = np.maximum(rng.lognormal(np.log(5_000_000), 1.5, n), 1).astype(np.int64)
    gross = np.zeros(participants, np.int64)
    np.add.at(gross, payer, amount)
    return payer, payee, amount, gross // LIQUIDITY_SHARE_DIVISOR


def _best_of(run: Callable[[], object], repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def run(
    *,
    payments: int = 1_000_000,
    participants: int = 200,
    queued: int = 100_000,
    mip_payments: int = 300,
    seed: int = 1,
) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    payer, payee, amount, _ = workload(rng, payments, participants)
    netting_s = _best_of(lambda: net_positions(payer, payee, amount, participants))
    baseline_s = _best_of(lambda: (amount.sum(), np.bincount(payer, minlength=participants)))
    q_payer, q_payee, q_amount, q_liquidity = workload(rng, queued, participants)
    started = time.perf_counter()
    chosen = lsm.resolve(q_payer, q_payee, q_amount, q_liquidity)
    resolver_s = time.perf_counter() - started
    invariant(
        lsm.feasible(q_payer, q_payee, q_amount, q_liquidity, chosen),
        "the resolver chose an infeasible set",
    )
    settled_pct = 100 * lsm.settled_value(q_amount, chosen) / int(q_amount.sum())
    m_payer, m_payee, m_amount, m_liquidity = workload(
        rng, mip_payments, max(2, min(participants, 20))
    )
    heuristic = lsm.settled_value(m_amount, lsm.resolve(m_payer, m_payee, m_amount, m_liquidity))
    started = time.perf_counter()
    best, proven = lsm.optimal(m_payer, m_payee, m_amount, m_liquidity, time_limit_s=60.0)
    mip_s = time.perf_counter() - started
    optimum = lsm.settled_value(m_amount, best)
    gap = 100 * (optimum - heuristic) / optimum if optimum else 0.0
    by_liquidity = {}
    for pct in (10, 20, 50):  # the same instance with more liquidity: gridlock eases
        more = m_liquidity * pct // (100 // LIQUIDITY_SHARE_DIVISOR)
        h = lsm.settled_value(m_amount, lsm.resolve(m_payer, m_payee, m_amount, more))
        o = lsm.settled_value(m_amount, lsm.optimal(m_payer, m_payee, m_amount, more)[0])
        by_liquidity[f"{pct}%"] = round(100 * (o - h) / o, 2) if o else 0.0
    return {
        "payments": payments,
        "participants": participants,
        "queued": queued,
        "netting_s": round(netting_s, 4),
        "netting_baseline_s": round(baseline_s, 4),
        "netting_ratio": round(netting_s / baseline_s, 2),
        "resolver_s": round(resolver_s, 4),
        "resolver_settled_value_pct": round(settled_pct, 2),
        "mip_payments": mip_payments,
        "mip_s": round(mip_s, 3),
        "mip_proven_optimal": proven,
        "optimal_gap_pct": round(gap, 2),
        "optimal_gap_pct_by_liquidity": by_liquidity,
    }

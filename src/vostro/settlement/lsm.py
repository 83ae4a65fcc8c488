"""The liquidity-saving mechanism: which queued payments can settle together.

Given a queue of payments in settlement order (priority, then arrival) and each participant's
available liquidity, find a set that can settle *simultaneously*: for every participant,
liquidity + received − sent >= 0 over the set. This resolves gridlock: too little liquidity to
settle payments one by one, but enough to settle them together on net.

`resolve` is the heuristic, in the spirit of Bech & Soramäki (2001), "Gridlock resolution in
interbank payment systems", Bank of Finland DP 9/2001: start from the whole queue; while some
participant's net position exceeds its liquidity, drop that participant's outgoing payments from
the *end* of its queue (latest, lowest priority first), just enough to cover its deficit; repeat
(each round drops at least one payment, so it ends). Then, in queue order, add back any dropped
payment whose payer can now afford it (rule stated: one greedy pass, repeated while it adds).

`optimal` solves the bank clearing problem exactly as a mixed-integer program with HiGHS:
maximise the settled value subject to every participant's balance (Güntzer, Jungnickel & Leclerc
(1998), "Efficient algorithms for the clearing of interbank payments", EJOR 106(1)). Its answer is
re-checked exactly in integers.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Iterator

import highspy
import numpy as np
import numpy.typing as npt

from vostro.settlement.netting import I64, sum_by

Mask = npt.NDArray[np.bool_]
BRUTE_FORCE_MAX = 16  # 2**16 subsets at most
READD_PASSES_MAX = 4  # greedy re-add passes; each must add something to continue
FEASIBILITY_TOLERANCE = 1e-9  # HiGHS's, in units of the largest amount
TIGHTEN_ROUNDS_MAX = 4  # re-solves after tightening rows HiGHS violated by a rounding sliver


def net_after(payer: I64, payee: I64, amount: I64, liquidity: I64, mask: Mask) -> I64:
    n = len(liquidity)
    return liquidity + sum_by(payee[mask], amount[mask], n) - sum_by(payer[mask], amount[mask], n)


def feasible(payer: I64, payee: I64, amount: I64, liquidity: I64, mask: Mask) -> bool:
    """Exact check: nobody ends below zero if exactly the masked payments settle."""
    return bool((net_after(payer, payee, amount, liquidity, mask) >= 0).all())


def settled_value(amount: I64, mask: Mask) -> int:
    return int(amount[mask].sum())


def resolve(payer: I64, payee: I64, amount: I64, liquidity: I64) -> Mask:
    """The largest set the drop-from-the-end rule finds, then greedily topped up."""
    payer, payee, amount, liquidity = (
        np.asarray(a, np.int64) for a in (payer, payee, amount, liquidity)
    )
    mask = np.ones(len(amount), bool)
    position = np.arange(len(amount))
    while True:
        net = net_after(payer, payee, amount, liquidity, mask)
        deficit = np.maximum(-net, 0)
        if not deficit.any():
            break
        idx = position[mask & (deficit[payer] > 0)]
        order = np.lexsort((-idx, payer[idx]))  # by payer, latest first
        chosen = idx[order]
        who, value = payer[chosen], amount[chosen]
        starts = np.r_[True, who[1:] != who[:-1]]
        running = np.cumsum(value)
        before_group = (running - value)[starts][np.cumsum(starts) - 1]
        dropped_before = running - value - before_group  # dropped so far in this payer's group
        mask[chosen[dropped_before < deficit[who]]] = False
    return _readd(payer, payee, amount, liquidity, mask)


def _readd(payer: I64, payee: I64, amount: I64, liquidity: I64, mask: Mask) -> Mask:
    net = net_after(payer, payee, amount, liquidity, mask).tolist()
    for _ in range(READD_PASSES_MAX):
        added = False
        for i in np.flatnonzero(~mask).tolist():
            p, q, a = int(payer[i]), int(payee[i]), int(amount[i])
            if net[p] >= a or p == q:
                net[p] -= a
                net[q] += a
                mask[i] = True
                added = True
        if not added:
            break
    return mask


def optimal(
    payer: I64, payee: I64, amount: I64, liquidity: I64, *, time_limit_s: float = 60.0
) -> tuple[Mask, bool]:
    """The value-maximising feasible set (HiGHS MIP) and whether it is proven optimal.

    HiGHS works in floating point within a feasibility tolerance, so its answer is re-checked in
    exact integers. A row it violated by a rounding sliver is tightened by that sliver and the
    model solved again (a few times at most); what still fails is repaired with `resolve` and
    reported as not proven.
    """
    payer, payee, amount, liquidity = (
        np.asarray(a, np.int64) for a in (payer, payee, amount, liquidity)
    )
    n = len(amount)
    mask = payer == payee  # a payment to oneself nets to zero: always settles
    cols = np.flatnonzero(~mask)
    if not cols.size:
        return mask, True
    margin = np.zeros(len(liquidity), np.int64)
    for _attempt in range(TIGHTEN_ROUNDS_MAX):
        chosen, proven = _solve(payer, payee, amount, liquidity - margin, cols, time_limit_s)
        candidate = mask.copy()
        candidate[cols[chosen]] = True
        short = -np.minimum(net_after(payer, payee, amount, liquidity, candidate), 0)
        if not short.any():
            return candidate, proven and not margin.any()
        margin = np.minimum(margin + short, liquidity)  # never below an empty set's zero
    keep = resolve(payer[candidate], payee[candidate], amount[candidate], liquidity)
    repaired = np.zeros(n, bool)
    repaired[np.flatnonzero(candidate)[keep]] = True
    return repaired, False


def _solve(
    payer: I64, payee: I64, amount: I64, bound: I64, cols: I64, time_limit_s: float
) -> tuple[Mask, bool]:
    """One MIP solve over the payments `cols`: which to settle, and whether proven optimal."""
    scale = float(max(int(amount.max()), 1))  # keep coefficients near 1 for the solver
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(cols.size), len(bound)
    lp.sense_ = highspy.ObjSense.kMaximize
    values = amount[cols].astype(np.float64) / scale
    lp.col_cost_ = values
    lp.col_lower_ = np.zeros(cols.size)
    lp.col_upper_ = np.ones(cols.size)
    lp.row_lower_ = -bound.astype(np.float64) / scale
    lp.row_upper_ = np.full(len(bound), highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * cols.size + 1, 2, dtype=np.int32)
    rows = np.column_stack([payee[cols], payer[cols]]).ravel()
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = np.column_stack([values, -values]).ravel()
    lp.integrality_ = [highspy.HighsVarType.kInteger] * int(cols.size)
    with _stdout_silenced():  # HiGHS prints a banner from C++ before any option can be set
        solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(time_limit_s))
    solver.setOptionValue("mip_rel_gap", 0.0)
    for option in ("primal_feasibility_tolerance", "mip_feasibility_tolerance"):
        solver.setOptionValue(option, FEASIBILITY_TOLERANCE)
    solver.passModel(lp)
    solver.run()
    proven = solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return np.asarray(solver.getSolution().col_value) > 0.5, proven


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null for a moment (output from native code)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def brute_force(payer: I64, payee: I64, amount: I64, liquidity: I64) -> Mask:
    """The best feasible subset by trying all of them (tests only; at most 16 payments)."""
    n = len(amount)
    if n > BRUTE_FORCE_MAX:
        raise ValueError(f"brute force takes at most {BRUTE_FORCE_MAX} payments, not {n}")
    best, best_value = np.zeros(n, bool), -1
    for bits in itertools.product((False, True), repeat=n):
        mask = np.array(bits, bool)
        value = settled_value(amount, mask)
        if value > best_value and feasible(payer, payee, amount, liquidity, mask):
            best, best_value = mask, value
    return best

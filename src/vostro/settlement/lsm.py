"""The liquidity-saving mechanism: which queued payments can settle together (gridlock resolution).

Model. A queue holds payments `payer[i] -> payee[i]` of `amount[i]` minor units, in queue order
(index 0 first: priority, then arrival). Participant p can still pay out `liquidity[p]` (its balance
above its limit). A set S of queued payments can settle *simultaneously* when every participant
stays funded: `liquidity[p] + received_S(p) - sent_S(p) >= 0`. Choosing S of maximal value is the
bank clearing problem (Güntzer, Jungnickel & Leclerc, "Efficient algorithms for the clearing of
interbank payments", EJOR 106(1), 1998), an integer program that is NP-hard; `optimal` solves it
exactly with HiGHS, `resolve` approximately and fast.

`resolve` works in three phases, all exact in int64 (Python ints in the loops):

1. Drop (vectorised), after Bech & Soramäki, "Gridlock resolution in interbank payment systems",
   Bank of Finland DP 9/2001: select every queued payment, compute net positions, and while some
   participant is short, drop outgoing payments of each short participant, just enough to cover its
   shortfall in that round, then recompute. Which payments a short participant drops, in order:
   first those whose payee can absorb the loss (the payee's position stays >= 0, so the drop
   cascades no further); among those, the smallest payment that covers the whole shortfall alone,
   else the largest first; the latest in the queue breaks ties. Within a round, drops whose payees
   could absorb each alone but not all together are postponed (by payee, in that order) unless
   nothing else would be dropped. Each round drops at least one payment, so the phase ends. Unlike
   the paper's rule (drop the last payment of each short queue), this keeps the cascade of
   shortfalls small, which decides how much value survives when liquidity is scarce.
2. Re-add (a loop over dropped payments only): in queue order, add back every dropped payment its
   payer can now fund; repeat while a pass adds something. Earlier payments get freed liquidity
   first, as in the queue itself.
3. Improve (bounded local search): for dropped payments, largest first, force one in, run the drop
   phase on the others with it protected, re-add, and keep the result if it settles more value;
   sweep again while that helps. The work is capped (`IMPROVE_WORK`), so large queues get few
   moves and stay fast, while small queues get as many as they need.

Liquidity above what a participant could ever send (its gross outflow in the queue) never matters,
so it is clipped to that; then every position lies within +/- the queue's total value, which
`validate_batch` keeps within int64, and no sum can wrap.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from vostro.errors import invariant
from vostro.settlement.netting import I64, exact_total, sum_by, validate_batch

Mask = npt.NDArray[np.bool_]

BRUTE_FORCE_MAX = 16  # 2**16 subsets: the largest exhaustive search a test should wait for
RE_ADD_PASSES_MAX = 64  # passes over the dropped payments; later passes rarely add anything
IMPROVE_WORK = 1_000_000  # payment-visits the local search may spend (one move visits the queue)
IMPROVE_SWEEPS_MAX = 32  # sweeps over the dropped payments while some move improves the value
MIP_ABS_GAP = 0.999  # objective is an integer (amounts over their gcd): a gap < 1 proves optimal
EXACT_FLOAT_MAX = 2**53  # integers up to here are exact in float64, as HiGHS stores coefficients


@dataclass(frozen=True, slots=True)
class _Queue:
    payer: I64
    payee: I64
    amount: I64
    liquidity: I64  # clipped to each participant's gross outflow in the queue

    @property
    def participants(self) -> int:
        return len(self.liquidity)


def resolve(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, liquidity: npt.ArrayLike
) -> Mask:
    """The payments that settle together: drop, re-add, improve (see the module docstring)."""
    queue = _queue(payer, payee, amount, liquidity)
    selected = _drop(queue, np.ones(len(queue.amount), np.bool_))
    invariant(selected is not None, "the drop phase covers every shortfall when nothing is fixed")
    assert selected is not None  # for mypy; `invariant` has just checked it
    selected = _improve(queue, _re_add(queue, selected))
    invariant(_funded(queue, selected), "the liquidity-saving mechanism left a participant short")
    return selected


def feasible(
    payer: npt.ArrayLike,
    payee: npt.ArrayLike,
    amount: npt.ArrayLike,
    liquidity: npt.ArrayLike,
    mask: npt.ArrayLike,
) -> bool:
    """Whether the payments in `mask` can settle together (exact, in int64)."""
    queue = _queue(payer, payee, amount, liquidity)
    return _funded(queue, _mask(mask, len(queue.amount)))


def settled_value(amount: npt.ArrayLike, mask: npt.ArrayLike) -> int:
    """The exact total of the amounts in `mask`."""
    values = np.asarray(amount)
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise ValueError("amount must be a one-dimensional integer array")
    return exact_total(values.astype(np.int64)[_mask(mask, len(values))])


def brute_force(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, liquidity: npt.ArrayLike
) -> Mask:
    """The most valuable feasible set by trying all 2**n subsets (n <= `BRUTE_FORCE_MAX`)."""
    queue = _queue(payer, payee, amount, liquidity)
    n = len(queue.amount)
    if n > BRUTE_FORCE_MAX:
        raise ValueError(f"brute_force tries at most {BRUTE_FORCE_MAX} payments, not {n}")
    subsets = (np.arange(1 << n, dtype=np.int64)[:, None] >> np.arange(n)) & 1
    # Only participants that pay or receive matter; int64 matmul is exact (no BLAS, no floats).
    touched, column = np.unique(np.concatenate([queue.payer, queue.payee]), return_inverse=True)
    effect = np.zeros((n, len(touched)), np.int64)
    rows = np.arange(n)
    np.subtract.at(effect, (rows, column[:n]), queue.amount)
    np.add.at(effect, (rows, column[n:]), queue.amount)
    funded = ((subsets @ effect + queue.liquidity[touched]) >= 0).all(axis=1)
    value = np.where(funded, subsets @ queue.amount, -1)
    return subsets[int(np.argmax(value))].astype(np.bool_)


def optimal(
    payer: npt.ArrayLike,
    payee: npt.ArrayLike,
    amount: npt.ArrayLike,
    liquidity: npt.ArrayLike,
    *,
    time_limit_s: float = 60.0,
) -> tuple[Mask, bool]:
    """The most valuable feasible set by mixed-integer programming, and whether it is proven.

    maximise sum(amount_i x_i) over binary x subject to, for each participant p,
    sum(amount_i x_i : payee_i = p) - sum(amount_i x_i : payer_i = p) >= -liquidity_p.
    Amounts and liquidities are divided by the amounts' gcd (exact: the left side is a multiple
    of it, so the bound can be floored), which keeps the objective integral. HiGHS works in
    floats, so the answer is re-checked in int64; if rounding made it infeasible it is repaired
    and reported as not proven. The heuristic answer seeds the search and is returned instead when
    the time limit leaves the solver with something worse.
    """
    queue = _queue(payer, payee, amount, liquidity)
    heuristic = resolve(queue.payer, queue.payee, queue.amount, queue.liquidity)
    if len(queue.amount) == 0:
        return heuristic, True
    x, proven = _solve_mip(queue, heuristic, time_limit_s)
    chosen = x > 0.5  # noqa: PLR2004 - a binary's midpoint
    if not _funded(queue, chosen):
        repaired = _drop(queue, chosen)
        invariant(repaired is not None, "dropping payments always restores funding")
        assert repaired is not None
        chosen, proven = _re_add(queue, repaired), False
    if exact_total(queue.amount[heuristic]) > exact_total(queue.amount[chosen]):
        return heuristic, False
    return chosen, proven


def _solve_mip(queue: _Queue, start: Mask, time_limit_s: float) -> tuple[npt.NDArray[np.float64], bool]:
    n, participants = len(queue.amount), queue.participants
    scale = int(np.gcd.reduce(queue.amount))
    amount = queue.amount // scale
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, participants
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = amount.astype(np.float64)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    sent = sum_by(queue.payer, queue.amount, participants)
    # A participant whose liquidity covers all it could send is never bound: leave its row free.
    lower = np.where(queue.liquidity >= sent, -math.inf, -(queue.liquidity // scale))
    lp.row_lower_ = lower.astype(np.float64)
    lp.row_upper_ = np.full(participants, math.inf)
    start_, index, value = _columns(queue.payer, queue.payee, amount)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start_
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    solver = _quiet_highs()
    solver.setOptionValue("time_limit", float(time_limit_s))
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.setOptionValue("mip_abs_gap", MIP_ABS_GAP)
    solver.passModel(lp)
    seed = highspy.HighsSolution()
    seed.col_value = start.astype(np.float64)
    solver.setSolution(seed)
    solver.run()
    proven = solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
    solution = solver.getSolution()
    if not solution.value_valid:
        return start.astype(np.float64), False
    return np.asarray(solution.col_value, np.float64), proven


def _columns(
    payer: I64, payee: I64, amount: I64
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """Column-wise matrix: column i holds -amount at row payer_i and +amount at row payee_i.

    A payment to oneself changes no position and gets an empty column.
    """
    moves = payer != payee
    counts = np.where(moves, 2, 0)
    start = np.zeros(len(amount) + 1, np.int32)
    np.cumsum(counts, out=start[1:])
    low, high = np.minimum(payer, payee)[moves], np.maximum(payer, payee)[moves]
    sign = np.where(payer[moves] < payee[moves], -1.0, 1.0)  # the lower row is the payer's?
    magnitude = amount[moves].astype(np.float64)
    index = np.empty(2 * len(low), np.int32)
    value = np.empty(2 * len(low), np.float64)
    index[0::2], index[1::2] = low, high
    value[0::2], value[1::2] = sign * magnitude, -sign * magnitude
    return start, index, value


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing.

    `output_flag` can only be set after construction, but the first construction in a process
    already prints a banner on file descriptor 1 (ERGO-Code/HiGHS issues 1702, 2749); that would
    corrupt the JSON a benchmark prints, so stdout is pointed at /dev/null for that one call.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    solver.setOptionValue("output_flag", False)
    return solver


def _queue(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, liquidity: npt.ArrayLike
) -> _Queue:
    limit = np.asarray(liquidity)
    if limit.ndim != 1 or limit.dtype.kind not in "iu" or len(limit) == 0:
        raise ValueError("liquidity must be a non-empty one-dimensional integer array")
    limit = limit.astype(np.int64)
    if limit.min() < 0:
        raise ValueError("liquidity must be >= 0")
    payer64, payee64, amount64 = validate_batch(payer, payee, amount, len(limit))
    sent = sum_by(payer64, amount64, len(limit))
    return _Queue(payer64, payee64, amount64, np.minimum(limit, sent))


def _mask(mask: npt.ArrayLike, n: int) -> Mask:
    array = np.asarray(mask)
    if array.shape != (n,) or array.dtype != np.bool_:
        raise ValueError(f"mask must be a boolean array of length {n}")
    return array


def _positions(queue: _Queue, selected: Mask) -> I64:
    """Liquidity plus net receipts of the selected payments, per participant."""
    out = queue.liquidity.copy()
    np.add.at(out, queue.payee[selected], queue.amount[selected])
    np.subtract.at(out, queue.payer[selected], queue.amount[selected])
    return out


def _funded(queue: _Queue, selected: Mask) -> bool:
    return bool((_positions(queue, selected) >= 0).all())


def _drop(queue: _Queue, selected: Mask, protected: int = -1) -> Mask | None:
    """Phase 1: deselect payments until nobody is short; `None` if `protected` cannot be kept."""
    selected = selected.copy()
    position = _positions(queue, selected)
    droppable = np.ones(len(selected), np.bool_)
    if protected >= 0:
        droppable[protected] = False
    while True:
        short = position < 0
        if not short.any():
            return selected
        candidates = np.flatnonzero(selected & droppable & short[queue.payer])
        can_cover = np.zeros(queue.participants, np.bool_)
        can_cover[queue.payer[candidates]] = True
        if (short & ~can_cover).any():
            return None  # only the protected payment is left to drop
        dropped = _round_of_drops(queue, position, candidates)
        selected[dropped] = False
        np.add.at(position, queue.payer[dropped], queue.amount[dropped])
        np.subtract.at(position, queue.payee[dropped], queue.amount[dropped])


def _round_of_drops(queue: _Queue, position: I64, candidates: I64) -> I64:
    """One round of the drop rule (module docstring): the payments each short payer drops now."""
    payer, payee = queue.payer[candidates], queue.payee[candidates]
    amount = queue.amount[candidates]
    shortfall = -position[payer]
    unsafe = position[payee] < amount
    covers = amount >= shortfall
    size_key = np.where(covers, amount, -amount)  # covering: smallest first; else largest first
    order = np.lexsort((-candidates, size_key, ~covers, unsafe, payer))
    payer, payee, amount = payer[order], payee[order], amount[order]
    shortfall, unsafe, candidates = shortfall[order], unsafe[order], candidates[order]
    planned = _exclusive_group_cumsum(payer, amount) < shortfall
    capped = planned.copy()
    safe = np.flatnonzero(planned & ~unsafe)
    by_payee = safe[np.argsort(payee[safe], kind="stable")]
    absorbed = _exclusive_group_cumsum(payee[by_payee], amount[by_payee]) + amount[by_payee]
    capped[by_payee[absorbed > position[payee[by_payee]]]] = False
    return candidates[capped if capped.any() else planned]


def _exclusive_group_cumsum(group: I64, values: I64) -> I64:
    """For runs of equal `group` (sorted), the sum of the earlier values of the same run."""
    if len(values) == 0:
        return values.copy()
    total = np.cumsum(values)
    starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    run = np.cumsum(np.isin(np.arange(len(group)), starts)) - 1
    before_run = (total - values)[starts]
    return total - values - before_run[run]


def _re_add(queue: _Queue, selected: Mask) -> Mask:
    """Phase 2: in queue order, add back each dropped payment its payer can now fund."""
    position = _positions(queue, selected).tolist()
    waiting = np.flatnonzero(~selected).tolist()
    payer, payee, amount = queue.payer.tolist(), queue.payee.tolist(), queue.amount.tolist()
    added: list[int] = []
    for _ in range(RE_ADD_PASSES_MAX):
        still: list[int] = []
        for i in waiting:
            if position[payer[i]] >= amount[i]:
                position[payer[i]] -= amount[i]
                position[payee[i]] += amount[i]
                added.append(i)
            else:
                still.append(i)
        if len(still) == len(waiting):
            break
        waiting = still
    result = selected.copy()
    result[added] = True
    return result


def _improve(queue: _Queue, selected: Mask) -> Mask:
    """Phase 3: force in a dropped payment, repair around it, keep it if more value settles."""
    budget = IMPROVE_WORK
    value = exact_total(queue.amount[selected])
    for _ in range(IMPROVE_SWEEPS_MAX):
        improved = False
        waiting = np.flatnonzero(~selected)
        for i in waiting[np.argsort(-queue.amount[waiting], kind="stable")].tolist():
            budget -= len(selected)
            if budget < 0:
                return selected
            if selected[i]:
                continue
            trial = selected.copy()
            trial[i] = True
            repaired = _drop(queue, trial, protected=i)
            if repaired is None:
                continue
            trial = _re_add(queue, repaired)
            trial_value = exact_total(queue.amount[trial])
            if trial_value > value:
                selected, value, improved = trial, trial_value, True
        if not improved:
            break
    return selected

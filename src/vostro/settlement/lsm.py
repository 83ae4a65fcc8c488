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
   shortfall in that round, then recompute. A short participant drops the shortest prefix, covering
   its shortfall, of its selected outgoing payments in this order: first those whose payee can
   absorb the loss (the payee's position stays >= 0, so the drop cascades no further), then the
   rest; within each of the two, either (a) payments that cover the whole shortfall alone,
   smallest first, then the others, largest first, or (b) the others first, largest first, then
   the covering ones; it takes whichever of (a) and (b) drops less value. The latest in the queue
   breaks ties. Safe drops into one payee beyond what it can absorb together (in queue order) are
   postponed to the next round, unless that would leave the round empty. Unlike the paper's rule
   (drop the last payment of each short queue), this keeps the overshoot and the cascade of
   shortfalls small, which decides how much value survives when liquidity is scarce. Each round
   drops at least one payment, so the phase ends; and since with next to no liquidity shortfalls
   can ripple on for thousands of rounds, once the rounds have visited `DROP_WORK` payments each
   short participant drops everything it still sends, which leaves it never short again: at most
   one more round per participant.
2. Re-add (a loop over dropped payments only): in queue order, add back every dropped payment its
   payer can now fund; repeat while a pass adds something. Earlier payments get freed liquidity
   first, as in the queue itself.
3. Improve (bounded local search, a loop over moves): a move forces some dropped payments in,
   runs the drop phase on the others with those protected, re-adds, and is kept if more value
   settles. First chains: up to `CHAIN_DEPTH` dropped payments, each paid out of what the previous
   one brought (a chain may close into a cycle), starting from the largest dropped payments; these
   open circulations that no single payment can. Then single dropped payments, largest first.
   Each kind is swept while it improves, and the two alternate while either does. The work is
   capped (`IMPROVE_WORK` payment-visits), so a queue of 100,000 gets a few moves and stays fast
   while a queue of hundreds gets as many as it needs. It is a heuristic: the problem is NP-hard,
   and on small queues whose optimum hangs on a few large payments balancing exactly, `optimal`
   can settle markedly more.

Liquidity above what a participant could ever send (its gross outflow in the queue) never matters,
so it is clipped to that; then every position lies within +/- the queue's total value, which
`validate_batch` keeps within int64, and no sum can wrap.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from vostro.errors import InvariantViolation, invariant
from vostro.settlement.netting import I64, exact_total, int64_array, sum_by, validate_batch

Mask = npt.NDArray[np.bool_]

BRUTE_FORCE_MAX = 16  # 2**16 subsets: the largest exhaustive search a test should wait for
# Payment-visits of the gentle drop rounds (~0.1 s) before short participants drop all they send:
# realistic queues settle in ~20 rounds, but with next to no liquidity shortfalls ripple on.
DROP_WORK = 2_000_000
RE_ADD_PASSES_MAX = 64  # passes over the dropped payments; later passes rarely add anything
IMPROVE_WORK = 2_000_000  # payment-visits the local search may spend (a move visits the queue)
IMPROVE_SWEEPS_MAX = 32  # sweeps over one kind of move while some move improves the value
IMPROVE_ROUNDS_MAX = 3  # alternations of chain and single moves; a third rarely finds anything
CHAIN_STARTS = 40  # the largest dropped payments a chain may start from
CHAIN_BRANCHING = 6  # the largest dropped payments of a payee a chain may continue with
CHAIN_DEPTH = 3  # payments in the longest chain forced in at once
MIP_ABS_GAP = 0.999  # objective is an integer (amounts over their gcd): a gap < 1 proves optimal
TIGHTEN_ROUNDS_MAX = 4  # re-solves after rounding left someone short; a sliver each time
# HiGHS accepts a binary within 1e-6 of 0 or 1 by default; 1e-6 of a large amount is money, and a
# sliver of a payment would also inflate the dual bound. At 1e-9 its answers come out integral.
MIP_INTEGRALITY_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class _Queue:
    payer: I64
    payee: I64
    amount: I64
    liquidity: I64  # clipped to each participant's gross outflow in the queue
    as_lists: tuple[list[int], list[int], list[int]]  # payer, payee, amount for the Python loops

    @property
    def participants(self) -> int:
        return len(self.liquidity)


def resolve(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, liquidity: npt.ArrayLike
) -> Mask:
    """The payments that settle together: drop, re-add, improve (see the module docstring)."""
    queue = _queue(payer, payee, amount, liquidity)
    everything = np.ones(len(queue.amount), np.bool_)
    selected = _improve(queue, _re_add(queue, _drop_all(queue, everything)))
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
    values = int64_array("amount", amount)
    return exact_total(values[_mask(mask, len(values))])


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
    best: Mask = subsets[int(np.argmax(value))].astype(np.bool_)
    return best


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
    of it, so the bound can be floored), which keeps the objective integral. HiGHS computes in
    floats and accepts a binary within a tolerance of 0 or 1 (`MIP_INTEGRALITY_TOLERANCE`), so the
    rounded answer is re-checked in int64; a participant it leaves short gets its row tightened by
    the shortfall and the model is solved again (`TIGHTEN_ROUNDS_MAX` times at most, then the set
    is repaired by the drop phase). The answer is proven when its exact value reaches the first
    solve's dual bound (less than one unit of the gcd away). The heuristic answer seeds the search
    and is returned instead when the time limit leaves the solver with something worse.
    """
    queue = _queue(payer, payee, amount, liquidity)
    heuristic = resolve(queue.payer, queue.payee, queue.amount, queue.liquidity)
    if len(queue.amount) == 0:
        return heuristic, True
    chosen, proven = _Mip(queue, heuristic).solve(time_limit_s)
    if exact_total(queue.amount[heuristic]) > exact_total(queue.amount[chosen]):
        return heuristic, False
    return chosen, proven


class _Mip:
    """The bank clearing problem in HiGHS, in units of the amounts' gcd."""

    def __init__(self, queue: _Queue, start: Mask) -> None:
        self.queue, self.start = queue, start
        self.scale = int(np.gcd.reduce(queue.amount))
        sent = sum_by(queue.payer, queue.amount, queue.participants)
        # A participant whose liquidity covers all it could send is never bound: its row is free.
        self.binding = queue.liquidity < sent
        self.lower = np.where(self.binding, -(queue.liquidity // self.scale), 0)
        self.solver = _quiet_highs()
        self.solver.setOptionValue("mip_rel_gap", 0.0)
        self.solver.setOptionValue("mip_abs_gap", MIP_ABS_GAP)
        self.solver.setOptionValue("mip_feasibility_tolerance", MIP_INTEGRALITY_TOLERANCE)
        self.solver.passModel(self._model())
        seed = highspy.HighsSolution()
        seed.col_value = start.astype(np.float64)
        seed.value_valid = True
        self.solver.setSolution(seed)

    def _model(self) -> highspy.HighsLp:
        n, participants = len(self.queue.amount), self.queue.participants
        amount = self.queue.amount // self.scale
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, participants
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = amount.astype(np.float64)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.ones(n)
        lp.row_lower_ = np.where(self.binding, self.lower.astype(np.float64), -math.inf)
        lp.row_upper_ = np.full(participants, math.inf)
        starts, index, value = _columns(self.queue.payer, self.queue.payee, amount)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        return lp

    def solve(self, time_limit_s: float) -> tuple[Mask, bool]:
        deadline = time.monotonic() + time_limit_s
        self._run(time_limit_s)
        upper_bound = self.solver.getInfo().mip_dual_bound
        chosen = self.start
        for _ in range(TIGHTEN_ROUNDS_MAX + 1):
            solution = self.solver.getSolution()
            if not solution.value_valid:
                return self.start, False
            chosen = np.asarray(solution.col_value) > 0.5  # a binary's midpoint
            shortfall = self._shortfall(chosen)
            if not shortfall.any():
                value = exact_total(self.queue.amount[chosen]) // self.scale
                return chosen, value >= upper_bound - MIP_ABS_GAP
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for row in np.flatnonzero(shortfall).tolist():
                self.lower[row] += int(shortfall[row])
                self.solver.changeRowBounds(row, float(self.lower[row]), math.inf)
            self._run(remaining)
        return _re_add(self.queue, _drop_all(self.queue, chosen)), False

    def _run(self, time_limit_s: float) -> None:
        self.solver.setOptionValue("time_limit", float(time_limit_s))
        self.solver.run()

    def _shortfall(self, chosen: Mask) -> I64:
        """Per participant, by how many gcd units `chosen` leaves it short (exact; 0 if funded)."""
        position = _positions(self.queue, chosen)
        units = -(position // self.scale)  # ceil(-position / scale) for a short participant
        return np.where(position < 0, units, 0)


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
    sign = np.where(payer[moves] < payee[moves], -1.0, 1.0)  # -1: the lower row is the payer's
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
        solver = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves it unannotated
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    solver.setOptionValue("output_flag", False)
    return solver


def _queue(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, liquidity: npt.ArrayLike
) -> _Queue:
    limit = int64_array("liquidity", liquidity)
    if len(limit) == 0:
        raise ValueError("liquidity must have one entry per participant, at least one")
    if limit.min() < 0:
        raise ValueError("liquidity must be >= 0")
    payer64, payee64, amount64 = validate_batch(payer, payee, amount, len(limit))
    sent = sum_by(payer64, amount64, len(limit))
    lists = (payer64.tolist(), payee64.tolist(), amount64.tolist())
    return _Queue(payer64, payee64, amount64, np.minimum(limit, sent), lists)


def _mask(mask: npt.ArrayLike, n: int) -> Mask:
    array = np.asarray(mask)
    if array.shape != (n,) or (n and array.dtype != np.bool_):
        raise ValueError(f"mask must be a boolean array of length {n}")
    return array.astype(np.bool_, copy=False)


def _positions(queue: _Queue, selected: Mask) -> I64:
    """Liquidity plus net receipts of the selected payments, per participant."""
    out = queue.liquidity.copy()
    np.add.at(out, queue.payee[selected], queue.amount[selected])
    np.subtract.at(out, queue.payer[selected], queue.amount[selected])
    return out


def _funded(queue: _Queue, selected: Mask) -> bool:
    return bool((_positions(queue, selected) >= 0).all())


def _drop_all(queue: _Queue, selected: Mask) -> Mask:
    """`_drop` with nothing protected, escalating when its work runs out, which always succeeds:
    a participant with no payment left to drop sends nothing, so it cannot be short."""
    funded = _drop(queue, selected, _Work(DROP_WORK))
    if funded is None:
        raise InvariantViolation("the drop phase left a shortfall it could have dropped")
    return funded


class _Work:
    """An allowance of payment-visits, shared by the steps of one phase."""

    def __init__(self, allowance: int) -> None:
        self.left = allowance

    def spend(self, visits: int) -> None:
        self.left -= visits

    @property
    def exhausted(self) -> bool:
        return self.left <= 0


def _drop(queue: _Queue, selected: Mask, work: _Work, protected: Sequence[int] = ()) -> Mask | None:
    """Phase 1: deselect payments until nobody is short; `None` if `protected` cannot all stay.

    Without protected payments, exhausted `work` escalates (short participants drop all they
    send); with them (a local-search move), it abandons the move: `None`.
    """
    selected = selected.copy()
    position = _positions(queue, selected)
    droppable = np.ones(len(selected), np.bool_)
    droppable[list(protected)] = False
    while True:
        short = position < 0
        if not short.any():
            return selected
        candidates = np.flatnonzero(selected & droppable & short[queue.payer])
        can_cover = np.zeros(queue.participants, np.bool_)
        can_cover[queue.payer[candidates]] = True
        if (short & ~can_cover).any() or (work.exhausted and len(protected)):
            return None  # someone is short with only protected payments to drop, or out of work
        if work.exhausted:
            dropped = candidates
        else:
            work.spend(len(candidates))
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
    plans = []
    for covering_first in (True, False):
        order = np.lexsort((-candidates, size_key, covers != covering_first, unsafe, payer))
        enough = _exclusive_group_cumsum(payer[order], amount[order]) >= shortfall[order]
        plan = np.ones(len(candidates), np.bool_)
        plan[order[enough]] = False
        plans.append(plan)
    # Each payer follows the plan that drops less value (less overshoot beyond its shortfall).
    cost = [sum_by(payer, np.where(plan, amount, 0), queue.participants) for plan in plans]
    planned = np.where((cost[0] <= cost[1])[payer], plans[0], plans[1])
    return candidates[_absorbable(payee, amount, position, candidates, planned & ~unsafe, planned)]


def _absorbable(
    payee: I64, amount: I64, position: I64, queue_index: I64, safe: Mask, planned: Mask
) -> Mask:
    """`planned` without the safe drops a payee could absorb each alone but not all together.

    The payee absorbs them in queue order; the later ones are postponed to the next round, when
    their payers choose again knowing its new position. If that would postpone everything,
    nothing is.
    """
    chosen = np.flatnonzero(safe)
    by_payee = chosen[np.lexsort((queue_index[chosen], payee[chosen]))]
    absorbed = _exclusive_group_cumsum(payee[by_payee], amount[by_payee]) + amount[by_payee]
    capped = planned.copy()
    capped[by_payee[absorbed > position[payee[by_payee]]]] = False
    return capped if capped.any() else planned


def _exclusive_group_cumsum(group: I64, values: I64) -> I64:
    """For runs of equal `group` (sorted), the sum of the earlier values of the same run."""
    if len(values) == 0:
        return values.copy()
    is_start = np.empty(len(group), np.bool_)
    is_start[0] = True
    np.not_equal(group[1:], group[:-1], out=is_start[1:])
    before: I64 = np.cumsum(values) - values  # over the whole array, re-based at each run start
    run_base: I64 = before[is_start][np.cumsum(is_start) - 1]
    return before - run_base


def _re_add(queue: _Queue, selected: Mask) -> Mask:
    """Phase 2: in queue order, add back each dropped payment its payer can now fund.

    A payment refused in one pass can only be accepted in a later one if its payer received
    something meanwhile, so later passes look only at the payments of such payers.
    """
    position = _positions(queue, selected).tolist()
    payer, payee, amount = queue.as_lists
    waiting = np.flatnonzero(~selected)
    look_at = waiting.tolist()
    added: list[int] = []
    for _ in range(RE_ADD_PASSES_MAX):
        raised = np.zeros(queue.participants, np.bool_)
        for i in look_at:
            if position[payer[i]] >= amount[i]:
                position[payer[i]] -= amount[i]
                position[payee[i]] += amount[i]
                raised[payee[i]] = True
                added.append(i)
        if not raised.any():
            break
        result = selected.copy()
        result[added] = True
        waiting = waiting[~result[waiting]]
        look_at = waiting[raised[queue.payer[waiting]]].tolist()
    result = selected.copy()
    result[added] = True
    return result


def _improve(queue: _Queue, selected: Mask) -> Mask:
    """Phase 3: force in dropped chains, then single dropped payments, while value rises."""
    search = _Search(queue, selected)
    for _ in range(IMPROVE_ROUNDS_MAX):
        before = search.value
        search.sweep(_chain_moves)
        search.sweep(_single_moves)
        if search.value == before or search.work.exhausted:
            break
    return search.selected


class _Search:
    """Local search state: the best set so far, its value, and the work left (`IMPROVE_WORK`)."""

    def __init__(self, queue: _Queue, selected: Mask) -> None:
        self.queue, self.selected = queue, selected
        self.value = exact_total(queue.amount[selected])
        self.work = _Work(IMPROVE_WORK)

    def sweep(self, moves: Callable[[_Queue, Mask], Iterator[list[int]]]) -> None:
        """Try each move (payments to force in); keep those that settle more; repeat if any did."""
        for _ in range(IMPROVE_SWEEPS_MAX):
            improved = False
            for forced in list(moves(self.queue, self.selected)):
                self.work.spend(len(self.selected))  # positions and re-add: a pass over the queue
                if self.work.exhausted:
                    return
                if self.selected[forced].any():
                    continue  # an earlier move this sweep already settled part of it
                trial = self.selected.copy()
                trial[forced] = True
                repaired = _drop(self.queue, trial, self.work, protected=forced)
                if repaired is None:
                    continue
                trial = _re_add(self.queue, repaired)
                trial_value = exact_total(self.queue.amount[trial])
                if trial_value > self.value:
                    self.selected, self.value, improved = trial, trial_value, True
            if not improved:
                return


def _single_moves(queue: _Queue, selected: Mask) -> Iterator[list[int]]:
    """Each dropped payment on its own, the largest first."""
    for i in _dropped_largest_first(queue, selected):
        yield [i]


def _chain_moves(queue: _Queue, selected: Mask) -> Iterator[list[int]]:
    """Chains of 2..`CHAIN_DEPTH` dropped payments, each paid out of what the previous brought.

    A chain starts at one of the `CHAIN_STARTS` largest dropped payments and continues with one of
    the `CHAIN_BRANCHING` largest dropped payments of its payee. Forcing a chain in together settles
    circulations that no single payment could open (a chain may close into a cycle).
    """
    dropped = _dropped_largest_first(queue, selected)
    paid_by: dict[int, list[int]] = {}
    for i in dropped:
        paid_by.setdefault(queue.as_lists[0][i], []).append(i)
    payee = queue.as_lists[1]
    stack = [[i] for i in reversed(dropped[:CHAIN_STARTS])]
    while stack:
        chain = stack.pop()
        if len(chain) > 1:
            yield chain
        if len(chain) < CHAIN_DEPTH:
            following = paid_by.get(payee[chain[-1]], [])[:CHAIN_BRANCHING]
            stack.extend([*chain, j] for j in reversed(following) if j not in chain)


def _dropped_largest_first(queue: _Queue, selected: Mask) -> list[int]:
    waiting = np.flatnonzero(~selected)
    ordered: list[int] = waiting[np.argsort(-queue.amount[waiting], kind="stable")].tolist()
    return ordered

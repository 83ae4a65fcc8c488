"""Netting and the liquidity-saving mechanism against exact Python-int references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vostro.settlement import lsm
from vostro.settlement.netting import INT64_MAX, bilateral_net, net_positions

Batch = tuple[np.ndarray, np.ndarray, np.ndarray, int]
Queue = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@st.composite
def batches(
    draw: st.DrawFn, max_payments: int = 40, max_participants: int = 8, max_amount: int = 2**40
) -> Batch:
    participants = draw(st.integers(1, max_participants))
    n = draw(st.integers(0, max_payments))
    index = st.lists(st.integers(0, participants - 1), min_size=n, max_size=n)
    payer, payee = draw(index), draw(index)
    amount = draw(st.lists(st.integers(1, max_amount), min_size=n, max_size=n))
    return (*(np.array(x, np.int64) for x in (payer, payee, amount)), participants)


@st.composite
def queues(
    draw: st.DrawFn, max_payments: int = 40, max_participants: int = 8, max_amount: int = 2**40
) -> Queue:
    """A queue between 2+ participants, nobody paying itself, liquidity often scarce."""
    participants = draw(st.integers(2, max_participants))
    n = draw(st.integers(0, max_payments))
    payer = draw(st.lists(st.integers(0, participants - 1), min_size=n, max_size=n))
    shift = draw(st.lists(st.integers(1, participants - 1), min_size=n, max_size=n))
    payee = [(a + s) % participants for a, s in zip(payer, shift, strict=True)]
    amount = draw(st.lists(st.integers(1, max_amount), min_size=n, max_size=n))
    scarce = st.integers(0, max_amount // 4) | st.just(0)
    liquidity = draw(st.lists(scarce, min_size=participants, max_size=participants))
    arrays = [np.array(x, np.int64) for x in (payer, payee, amount, liquidity)]
    return arrays[0], arrays[1], arrays[2], arrays[3]


def reference_net(payer: np.ndarray, payee: np.ndarray, amount: np.ndarray, n: int) -> list[int]:
    net = [0] * n
    for a, b, x in zip(payer.tolist(), payee.tolist(), amount.tolist(), strict=True):
        net[a] -= x
        net[b] += x
    return net


def balances_after(queue: Queue, mask: np.ndarray) -> list[int]:
    payer, payee, amount, liquidity = queue
    after = liquidity.tolist()
    rows = zip(payer.tolist(), payee.tolist(), amount.tolist(), mask.tolist(), strict=True)
    for a, b, x, take in rows:
        if take:
            after[a] -= x
            after[b] += x
    return after


@settings(max_examples=150, deadline=None)
@given(batch=batches())
def test_net_positions_sum_to_zero_and_equal_a_python_int_reference(batch: Batch) -> None:
    payer, payee, amount, participants = batch
    net = net_positions(payer, payee, amount, participants)
    assert net.dtype == np.int64
    assert net.tolist() == reference_net(payer, payee, amount, participants)
    assert sum(net.tolist()) == 0


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n=st.integers(1, 3), participants=st.integers(1, 4))
def test_net_positions_stay_exact_for_amounts_near_two_to_the_sixty_two(
    data: st.DataObject, n: int, participants: int
) -> None:
    # As large as int64 allows for n payments: one just below 2**63, two near 2**62, three ~2**61.
    top = INT64_MAX // n
    amount = data.draw(st.lists(st.integers(top - 2**40, top), min_size=n, max_size=n))
    index = st.lists(st.integers(0, participants - 1), min_size=n, max_size=n)
    payer, payee = np.array(data.draw(index)), np.array(data.draw(index))
    net = net_positions(payer, payee, np.array(amount, np.int64), participants)
    assert net.tolist() == reference_net(payer, payee, np.array(amount), participants)


def test_a_batch_worth_more_than_int64_is_refused() -> None:
    with pytest.raises(ValueError, match="64-bit"):
        net_positions(np.array([0, 1]), np.array([1, 0]), np.array([2**62, 2**62]), 2)


@settings(max_examples=100, deadline=None)
@given(batch=batches(max_participants=6))
def test_bilateral_net_is_antisymmetric_and_its_rows_give_the_net_positions(batch: Batch) -> None:
    payer, payee, amount, participants = batch
    pairs = bilateral_net(payer, payee, amount, participants)
    assert (pairs == -pairs.T).all()
    assert (-pairs.sum(axis=1)).tolist() == reference_net(payer, payee, amount, participants)


@settings(max_examples=150, deadline=None)
@given(queue=queues())
def test_resolve_never_leaves_any_participant_below_zero(queue: Queue) -> None:
    chosen = lsm.resolve(*queue)
    assert chosen.dtype == np.bool_ and chosen.shape == queue[2].shape
    assert min(balances_after(queue, chosen)) >= 0
    assert lsm.feasible(*queue, chosen)


@settings(max_examples=60, deadline=None)
@given(queue=queues(max_payments=10, max_participants=5, max_amount=1_000))
def test_optimal_equals_brute_force_and_resolve_never_settles_more(queue: Queue) -> None:
    best, proven = lsm.optimal(*queue)
    optimum = lsm.settled_value(queue[2], best)
    heuristic = lsm.settled_value(queue[2], lsm.resolve(*queue))
    assert proven
    assert min(balances_after(queue, best)) >= 0
    assert optimum == lsm.settled_value(queue[2], lsm.brute_force(*queue))
    assert heuristic <= optimum


@settings(max_examples=60, deadline=None)
@given(queue=queues(max_payments=30, max_amount=2**50))
def test_with_ample_liquidity_the_whole_queue_settles(queue: Queue) -> None:
    payer, payee, amount, _ = queue
    ample = np.full(len(queue[3]), int(amount.sum()) if len(amount) else 0, np.int64)
    assert lsm.resolve(payer, payee, amount, ample).all()


@pytest.mark.parametrize(
    ("payer", "payee", "amount"),
    [
        ([0, 1], [1], [5, 5]),  # lengths differ
        ([0], [2], [5]),  # payee out of range
        ([-1], [1], [5]),  # payer out of range
        ([0], [1], [0]),  # an amount that is not positive
        ([0], [1], [5.0]),  # money as a float
        ([0], [1], [2**63]),  # beyond a signed 64-bit integer
        ([[0]], [[1]], [[5]]),  # not one-dimensional
    ],
)
def test_mismatched_or_malformed_batches_raise_value_error(
    payer: list[int], payee: list[int], amount: list[int]
) -> None:
    with pytest.raises(ValueError):
        net_positions(payer, payee, amount, 2)
    with pytest.raises(ValueError):
        lsm.resolve(payer, payee, amount, [0, 0])


@pytest.mark.parametrize("liquidity", [[], [0, -1], [0.0, 0.0]])
def test_liquidity_that_is_empty_negative_or_float_raises_value_error(
    liquidity: list[float],
) -> None:
    with pytest.raises(ValueError):
        lsm.resolve([0], [1], [5], liquidity)


def test_a_mask_of_the_wrong_length_or_type_raises_value_error() -> None:
    for mask in (np.ones(2, bool), np.ones(1, np.int64)):
        with pytest.raises(ValueError):
            lsm.feasible([0], [1], [5], [0, 0], mask)

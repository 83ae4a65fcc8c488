"""Netting and gridlock resolution: invariants on random instances."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vostro.settlement import lsm
from vostro.settlement.netting import net_positions


@st.composite
def instances(
    draw: st.DrawFn, max_payments: int = 10, max_participants: int = 5, max_amount: int = 1_000
) -> tuple[np.ndarray, ...]:
    parts = draw(st.integers(2, max_participants))
    n = draw(st.integers(1, max_payments))
    payer = draw(st.lists(st.integers(0, parts - 1), min_size=n, max_size=n))
    shift = draw(st.lists(st.integers(1, parts - 1), min_size=n, max_size=n))
    payee = [(a + s) % parts for a, s in zip(payer, shift, strict=True)]
    amount = draw(st.lists(st.integers(1, max_amount), min_size=n, max_size=n))
    liquidity = draw(st.lists(st.integers(0, max_amount), min_size=parts, max_size=parts))
    return tuple(np.array(x, np.int64) for x in (payer, payee, amount, liquidity))


@settings(max_examples=200, deadline=None)
@given(data=instances(max_payments=60, max_participants=12, max_amount=2**55))
def test_net_positions_are_exact_and_sum_to_zero_per_currency(data):
    payer, payee, amount, liquidity = data
    nets = net_positions(payer, payee, amount, len(liquidity))
    expected = [0] * len(liquidity)
    for a, b, x in zip(payer.tolist(), payee.tolist(), amount.tolist(), strict=True):
        expected[a] -= x
        expected[b] += x
    assert nets.tolist() == expected
    assert sum(nets.tolist()) == 0


@settings(max_examples=200, deadline=None)
@given(data=instances(max_payments=40, max_participants=8))
def test_a_resolved_set_never_leaves_anyone_below_its_limit(data):
    payer, payee, amount, liquidity = data
    chosen = lsm.resolve(payer, payee, amount, liquidity)
    after = liquidity.tolist()
    for a, b, x, take in zip(
        payer.tolist(), payee.tolist(), amount.tolist(), chosen.tolist(), strict=True
    ):
        if take:
            after[a] -= x
            after[b] += x
    assert min(after) >= 0


@settings(max_examples=60, deadline=None)
@given(data=instances(max_payments=10, max_participants=5))
def test_heuristic_never_beats_the_optimum_which_matches_brute_force(data):
    payer, payee, amount, liquidity = data
    heuristic = lsm.settled_value(amount, lsm.resolve(payer, payee, amount, liquidity))
    best, proven = lsm.optimal(payer, payee, amount, liquidity)
    optimum = lsm.settled_value(amount, best)
    brute = lsm.settled_value(amount, lsm.brute_force(payer, payee, amount, liquidity))
    assert lsm.feasible(payer, payee, amount, liquidity, best)
    assert proven and optimum == brute
    assert heuristic <= optimum


def test_textbook_gridlock_settles_all_three_with_no_liquidity():
    payer, payee = np.array([0, 1, 2]), np.array([1, 2, 0])
    amount, liquidity = np.array([100, 100, 100]), np.zeros(3, np.int64)
    assert lsm.resolve(payer, payee, amount, liquidity).all()
    assert lsm.optimal(payer, payee, amount, liquidity)[0].all()


def test_partial_gridlock_releases_the_cycle_and_keeps_the_unfundable_payment():
    payer, payee = np.array([0, 1, 2, 1]), np.array([1, 2, 0, 0])
    amount, liquidity = np.array([100, 100, 100, 5_000]), np.array([50, 0, 0])
    assert lsm.resolve(payer, payee, amount, liquidity).tolist() == [True, True, True, False]

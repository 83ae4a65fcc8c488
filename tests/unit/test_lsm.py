"""Gridlock resolution on small queues whose answer is known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from vostro.settlement import lsm

A, B, C = 0, 1, 2


def test_a_textbook_gridlock_of_three_banks_settles_all_three_payments() -> None:
    # A owes B, B owes C, C owes A, 100 each, and nobody holds any money: only together.
    payer, payee, amount = [A, B, C], [B, C, A], [100, 100, 100]
    liquidity = [0, 0, 0]
    assert lsm.resolve(payer, payee, amount, liquidity).tolist() == [True, True, True]
    best, proven = lsm.optimal(payer, payee, amount, liquidity)
    assert best.all() and proven


def test_a_partial_gridlock_releases_the_cycle_and_leaves_the_unfundable_payment_queued() -> None:
    # The cycle nets to zero; B's extra 5,000 to A has nothing behind it.
    payer, payee, amount = [A, B, C, B], [B, C, A, A], [100, 100, 100, 5_000]
    liquidity = [50, 0, 0]
    assert lsm.resolve(payer, payee, amount, liquidity).tolist() == [True, True, True, False]
    best, proven = lsm.optimal(payer, payee, amount, liquidity)
    assert best.tolist() == [True, True, True, False] and proven


def test_a_payment_funded_only_by_the_liquidity_of_its_payer_settles_alone() -> None:
    assert lsm.resolve([A], [B], [70], [70, 0]).tolist() == [True]
    assert lsm.resolve([A], [B], [71], [70, 0]).tolist() == [False]


def test_when_only_one_of_two_equal_payments_fits_the_earlier_in_the_queue_settles() -> None:
    assert lsm.resolve([A, A], [B, C], [100, 100], [100, 0, 0]).tolist() == [True, False]


def test_a_shortfall_is_covered_by_dropping_what_the_payee_can_absorb() -> None:
    # A is 60 short. Dropping its latest payment, A->B, would leave B unable to pay C (60 settles);
    # dropping A->C instead costs nothing further (C pays nobody), so 160 settles.
    payer, payee, amount = [A, A, B], [C, B, C], [60, 80, 80]
    chosen = lsm.resolve(payer, payee, amount, [80, 0, 0])
    assert chosen.tolist() == [False, True, True]


def test_the_empty_queue_settles_nothing_and_is_trivially_optimal() -> None:
    empty: list[int] = []
    assert lsm.resolve(empty, empty, empty, [0]).tolist() == []
    best, proven = lsm.optimal(empty, empty, empty, [0])
    assert best.tolist() == [] and proven


def test_a_payment_to_oneself_changes_no_position_and_always_settles() -> None:
    assert lsm.resolve([A], [A], [10**12], [0]).tolist() == [True]
    best, proven = lsm.optimal([A], [A], [10**12], [0])
    assert best.tolist() == [True] and proven


def test_feasible_and_settled_value_are_exact_beyond_two_to_the_fifty_three() -> None:
    big = 2**60 + 1  # float64 would round it
    payer, payee, amount = [A, B], [B, A], [big, big - 1]  # A's net outflow is exactly 1
    both = np.array([True, True])
    assert lsm.feasible(payer, payee, amount, [1, 0], both)
    assert not lsm.feasible(payer, payee, amount, [0, 0], both)
    assert lsm.settled_value(amount, np.array([True, True])) == 2 * big - 1
    assert lsm.resolve(payer, payee, amount, [0, 0]).tolist() == [False, False]
    assert lsm.resolve(payer, payee, amount, [1, 0]).tolist() == [True, True]


def test_brute_force_refuses_more_than_sixteen_payments() -> None:
    n = lsm.BRUTE_FORCE_MAX + 1
    with pytest.raises(ValueError, match="at most"):
        lsm.brute_force([A] * n, [B] * n, [1] * n, [0, 0])

"""Multilateral and bilateral net positions of a payment batch, exact in 64-bit integers.

A batch is three equal-length int64 arrays: `payer[i]` pays `amount[i]` minor units (> 0) to
`payee[i]`, participants being numbered 0..n-1. A participant's multilateral net position is what
it receives minus what it sends; the positions of a batch sum to zero, and in deferred net
settlement (DNS) only these n numbers move money, instead of every gross payment
(BIS CPSS, "Real-time gross settlement systems", 1997, §3; Bech & Soramäki, "Gridlock resolution in
interbank payment systems", Bank of Finland DP 9/2001, §2, for the same position used inside an
RTGS queue).

Money is never a float here. `np.bincount(..., weights=...)` sums in float64 and is inexact above
2**53, so sums are scattered with `np.add.at` on int64, which is exact and (numpy >= 2) about as
fast as one weighted `bincount`. Integer addition wraps silently on overflow, so
`validate_batch` refuses any batch whose total value exceeds int64: then every partial sum of any
subset, per participant or per pair, is bounded by that total and cannot wrap.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
INT64_MAX = int(np.iinfo(np.int64).max)
LOW_BITS = 32  # exact totals split amounts in two halves, each summing without overflow
BILATERAL_MAX_PARTICIPANTS = 2048  # a dense n x n int64 matrix of 32 MiB at most


def validate_batch(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, participants: int
) -> tuple[I64, I64, I64]:
    """The batch as int64 arrays, or `ValueError` if it is malformed.

    Refused: arrays that are not one-dimensional integer arrays of one length, participant indices
    outside 0..participants-1, amounts <= 0, and batches whose total value exceeds int64 (see the
    module docstring). A payment from a participant to itself is allowed; it nets to zero.
    """
    if participants < 1:
        raise ValueError(f"participants must be >= 1, not {participants}")
    arrays = (
        int64_array("payer", payer),
        int64_array("payee", payee),
        int64_array("amount", amount),
    )
    payer64, payee64, amount64 = arrays
    if not len(payer64) == len(payee64) == len(amount64):
        lengths = ", ".join(str(len(a)) for a in arrays)
        raise ValueError(f"payer, payee and amount differ in length ({lengths})")
    if len(amount64) == 0:
        return arrays
    for name, index in (("payer", payer64), ("payee", payee64)):
        if index.min() < 0 or index.max() >= participants:
            raise ValueError(f"{name} index outside 0..{participants - 1}")
    if amount64.min() <= 0:
        raise ValueError("every amount must be > 0")
    # max * count bounds the total; only when that bound is too loose is the exact total taken.
    if int(amount64.max()) * len(amount64) > INT64_MAX and exact_total(amount64) > INT64_MAX:
        raise ValueError("the batch's total value exceeds a signed 64-bit integer")
    return arrays


def exact_total(amount: I64) -> int:
    """The exact sum of int64 values as a Python int (never wraps).

    Each value is split at bit 32 (the high half keeps the sign); each half is below 2**32 in
    magnitude, so each half's sum fits int64 for fewer than 2**31 values.
    """
    high = int((amount >> LOW_BITS).sum())
    low = int((amount & ((1 << LOW_BITS) - 1)).sum())
    return (high << LOW_BITS) + low


def sum_by(index: I64, values: I64, size: int) -> I64:
    """Per-index sum of `values` (int64, exact) over 0..size-1.

    The caller guarantees that no partial sum overflows, for example by `validate_batch`.
    """
    out = np.zeros(size, np.int64)
    np.add.at(out, index, values)
    return out


def net_positions(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, participants: int
) -> I64:
    """Per participant, value received minus value sent over the batch (sums to zero)."""
    payer64, payee64, amount64 = validate_batch(payer, payee, amount, participants)
    return _net(payer64, payee64, amount64, participants)


def bilateral_net(
    payer: npt.ArrayLike, payee: npt.ArrayLike, amount: npt.ArrayLike, participants: int
) -> I64:
    """The n x n matrix whose [i, j] is what i owes j minus what j owes i (antisymmetric).

    A positive entry is the net obligation of i to j after bilateral offsetting. Dense, so limited
    to `BILATERAL_MAX_PARTICIPANTS` participants.
    """
    if participants > BILATERAL_MAX_PARTICIPANTS:
        raise ValueError(
            f"bilateral_net supports at most {BILATERAL_MAX_PARTICIPANTS} participants"
        )
    payer64, payee64, amount64 = validate_batch(payer, payee, amount, participants)
    flat = np.zeros(participants * participants, np.int64)
    np.add.at(flat, payer64 * participants + payee64, amount64)
    gross = flat.reshape(participants, participants)
    return gross - gross.T


def _net(payer: I64, payee: I64, amount: I64, participants: int) -> I64:
    """`net_positions` of a batch already validated."""
    out = sum_by(payee, amount, participants)
    np.subtract.at(out, payer, amount)
    return out


def int64_array(name: str, values: npt.ArrayLike) -> I64:
    """`values` as a one-dimensional int64 array, or `ValueError` naming `name`."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if array.size == 0:
        return np.zeros(0, np.int64)  # `np.asarray([])` is float64; nothing to coerce
    # Only integers: a float or bool would be coerced silently, a Python int beyond 64 bits
    # arrives as an object array.
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, not {array.dtype}")
    if array.dtype == np.uint64 and int(array.max()) > INT64_MAX:
        raise ValueError(f"{name} holds a value beyond a signed 64-bit integer")
    return array.astype(np.int64, copy=False)

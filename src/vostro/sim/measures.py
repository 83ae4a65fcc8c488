"""The measures of a simulated year, from what the engine wrote (Leinonen & Soramäki, Bank of
Finland DP 16/1999, and the BoF-PSS simulators).

For each day and currency:
- **upper bound** of liquidity: the sum over participants of the largest cumulative net outflow
  of its day's payments settled one by one on arrival, in arrival order — what settles
  everything at once;
- **lower bound**: the sum over participants of its end-of-day net outflow (the multilateral net);
- **liquidity used**: the same largest cumulative net outflow, but of what the ledger actually
  posted on the participant's settlement (or vostro) account that day, payments' transfers only;
- **liquidity saved**: upper bound minus used;
- **value settled gross** (one payment at a time) and **by offset** (in LSM runs and window
  closes, from the settlement runs' reports);
- **delay indicator ρ**: sum of value x delay over sum of value x the longest possible delay (to
  the end of the day), unsettled payments counting the longest; 0 is no delay, 1 nothing settled;
- **time in queue**, p50 and p95, of the payments that queued, to settlement or refusal;
- **value unsettled at end of day**: payments still queued at the day's end, refused then.
The payments' legs for the bounds come from the stored payments (amounts, fees, FX payouts), so
every figure traces to the ledger's transfers or the payment records beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import numpy as np

from vostro.participants.model import Purpose
from vostro.sim.corridor import FX_PROVIDERS
from vostro.sim.workload import (
    BANKS,
    CURRENCIES,
    INR_PER_USD_E1,
    PARTICIPANTS,
    RATE_E4,
    SENDERS,
    Workload,
    div_half_even,
)
from vostro.units import NS_PER_S

PAYMENT_CODES = [
    int(c)
    for c in (
        Purpose.PAYMENT,
        Purpose.FX_LEG,
        Purpose.FEE,
        Purpose.RETURN,
        Purpose.LSM_CREDIT,
        Purpose.LSM_DEBIT,
        Purpose.NET_DEBIT,
        Purpose.NET_CREDIT,
    )
]
Bounds = dict[tuple[int, int], tuple[int, int]]  # (participant, currency) -> (upper, lower)


@dataclass(frozen=True)
class Legs:
    """Liquidity movements: when (the tick it arrived in), participant, currency index, signed
    amount."""

    tick: np.ndarray
    who: np.ndarray
    currency: np.ndarray
    delta: np.ndarray


def liquidity_bounds(legs: Legs, participants: int) -> Bounds:
    """Per participant and currency: (upper bound, lower bound) of the movements. Payments that
    arrive in one tick go through one group commit, where one does not yet fund another: within
    a tick, outflows come before inflows."""
    order = np.lexsort((legs.delta > 0, legs.tick))
    who, currency, delta = legs.who[order], legs.currency[order], legs.delta[order]
    out: Bounds = {}
    for c in range(len(CURRENCIES)):
        for n in range(participants):
            mine = (who == n) & (currency == c)
            if not mine.any():
                continue
            out[(n, c)] = peak_and_net(delta[mine])
    return out


def peak_and_net(delta: np.ndarray) -> tuple[int, int]:
    """(largest cumulative net outflow, end net outflow), neither below 0."""
    cum = -np.cumsum(delta)
    return max(0, int(cum.max())), max(0, int(cum[-1]))


def planned_legs(w: Workload, rows: np.ndarray, day: int, fee_of: Any) -> Legs:
    """The day's payments as liquidity movements before they are sent, erring on the side of
    need: a remittance's rupees paid out at the reference rate rounded up (the provider pays out
    less, after its spread), received after the spread rounded down."""
    rate = w.inr_per_rub(day)
    keep = 1 - Decimal(w.scenario.fx.spread_bps) / 10_000
    tick = w.scenario.settlement.tick_seconds
    when, who, cur, delta = [], [], [], []
    remit = w.remittance_mask()
    for n in rows.tolist():
        amount = int(w.amount_minor[n])
        payer, payee = int(w.payer[n]), int(w.payee[n])
        c = int(w.currency[n])
        t = int(w.at_s[n]) // tick
        if not remit[n]:
            when += [t, t]
            who += [payer, payee]
            cur += [c, c]
            delta += [-amount, amount]
            continue
        sender = PARTICIPANTS.index(SENDERS[BANKS[payer]])
        provider = BANKS.index(FX_PROVIDERS[n % len(FX_PROVIDERS)])
        paid = int((Decimal(amount) * rate).to_integral_value(ROUND_CEILING))
        received = int((Decimal(amount) * rate * keep).to_integral_value(ROUND_FLOOR)) - 1
        when += [t] * 4
        who += [sender, provider, provider, payee]
        cur += [1, 1, 0, 0]
        delta += [-(amount + fee_of(amount)), amount, -paid, received]
    return Legs(
        np.array(when, np.int64),
        np.array(who, np.int64),
        np.array(cur, np.int64),
        np.array(delta, np.int64),
    )


def used_liquidity(
    transfers: dict[str, np.ndarray],
    owners: dict[int, tuple[str, str, str]],
    day_starts_ns: np.ndarray,
) -> dict[tuple[int, str], int]:
    """(day, currency) → the sum over participants of the largest cumulative net outflow of the
    payment transfers the ledger posted on its settlement or vostro account that day."""
    pay = np.isin(transfers["code"], PAYMENT_CODES)
    ts, debit = transfers["timestamp"][pay], transfers["debit"][pay]
    credit, amount = transfers["credit"][pay], transfers["amount"][pay]
    day = np.searchsorted(day_starts_ns, ts, side="right") - 1
    out: dict[tuple[int, str], int] = {}
    for seq, (_bic, code, kind) in owners.items():
        if kind not in ("settlement", "vostro"):
            continue
        mine = (debit == seq) | (credit == seq)
        if not mine.any():
            continue
        signed = np.where(credit[mine] == seq, amount[mine], -amount[mine])
        days = day[mine]
        for d in np.unique(days).tolist():
            peak, _ = peak_and_net(signed[days == d])
            out[(d, code)] = out.get((d, code), 0) + peak
    return out


def to_usd_cents(minor: int, code: str, usd_rub_e4: int) -> int:
    """Minor units to US cents at the reference rate (INR 84.5; the day's USD/RUB), half even."""
    if code == "INR":
        return int(div_half_even(np.array([minor * 10]), INR_PER_USD_E1)[0])
    return int(div_half_even(np.array([minor * RATE_E4]), usd_rub_e4)[0])


def delay_indicator(
    value: np.ndarray, arrival: np.ndarray, settled: np.ndarray, end: np.ndarray
) -> float:
    """ρ = Σ v·(settled − arrival) / Σ v·(end − arrival); an unsettled payment (settled < 0)
    counts the longest delay. In [0, 1]; 0 for a day with nothing to delay."""
    longest = np.maximum(end - arrival, 0).astype(float)
    delay = np.where(settled >= 0, np.minimum(settled, end) - arrival, longest)
    delay = np.clip(delay, 0, longest)
    weight = value.astype(float)
    denominator = float((weight * longest).sum())
    if denominator <= 0:
        return 0.0
    return float(min(1.0, max(0.0, (weight * delay).sum() / denominator)))


def quantiles_s(waits_ns: np.ndarray) -> tuple[float, float]:
    if not waits_ns.size:
        return 0.0, 0.0
    p50, p95 = np.percentile(waits_ns / NS_PER_S, [50, 95])
    return round(float(p50), 3), round(float(p95), 3)

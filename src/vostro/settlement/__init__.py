"""Settlement of interbank payments: real-time gross settlement (RTGS) with a queue and a
liquidity-saving mechanism, and deferred net settlement. In RTGS each payment settles
individually and at once if its payer has the liquidity; otherwise it waits in a queue ordered by
priority and arrival, and the liquidity-saving mechanism periodically looks for a set of queued
payments that can settle simultaneously because their inflows fund their outflows (gridlock
resolution). Deferred net settlement instead settles a whole batch by moving only each
participant's multilateral net position at the end of a window.
"""

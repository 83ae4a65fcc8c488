"""Units every part counts in, defined once: time in nanoseconds (every stored time is UTC
nanoseconds since the epoch) and basis points."""

from __future__ import annotations

NS_PER_S = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_S
BPS = 10_000  # basis points in one whole: a spread of 100 bp is 1 %

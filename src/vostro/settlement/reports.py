"""The report each settlement run leaves: an LSM run over a queue, or a window's close.

Gross value is what the settled payments were worth; net value the liquidity actually used (the
sum of net debits, fees included); the difference is the liquidity the run saved, in money and
per cent of the gross. Time in the queue is counted from each obligation's arrival.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORTS_LISTED_MAX = 50  # runs listed at a time, newest first (an operator's screen)


@dataclass
class SettlementReport:
    kind: str  # lsm | window
    currency: str
    gross_minor: int = 0
    net_minor: int = 0  # liquidity actually used: the sum of net debits
    saved_minor: int = 0
    saved_pct: str = "0"
    settled: int = 0
    still_queued: int = 0
    rejected: int = 0
    mean_queue_s: float = 0.0
    p95_queue_s: float = 0.0
    window_id: int | None = None
    optimal: bool = False
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None  # the stored run's id, once stored


def with_savings(report: SettlementReport) -> SettlementReport:
    """The report with its savings filled in from its gross and net values."""
    report.saved_minor = report.gross_minor - report.net_minor
    if report.gross_minor:
        report.saved_pct = f"{100 * report.saved_minor / report.gross_minor:.2f}"
    return report

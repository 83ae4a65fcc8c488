"""The screening step of a payment's life. Compliance fills it with sanctions screening; until a
list is configured, `NoScreening` passes every payment and says so in the payment's history."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from vostro.payments.model import Payment


class Decision(StrEnum):
    PASS = "pass"  # noqa: S105 (a decision, not a password)
    HOLD = "hold"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    decision: Decision
    reason: str
    list_version: str | None = None


class Screener(Protocol):
    def screen(self, payment: Payment) -> ScreeningResult: ...


class NoScreening:
    """Passes everything, stating that nothing was screened."""

    def screen(self, payment: Payment) -> ScreeningResult:
        del payment
        return ScreeningResult(
            Decision.PASS,
            "not screened: no sanctions list is configured, so every party passed",
        )

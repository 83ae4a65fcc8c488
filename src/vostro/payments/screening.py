"""The screening step of a payment's life, as the lifecycle sees it: a `Screener` decides on a
payment's parties. Compliance fills it with sanctions screening (`compliance.screener`
ListScreener, which the platform passes to the lifecycle); until a list is loaded it passes
every payment and says so in the payment's history (`NoScreening` does the same when the
platform screens nothing).
"""

from __future__ import annotations

from typing import Protocol

from vostro.compliance.results import NOT_SCREENED, Decision, ScreeningResult
from vostro.payments.model import Payment


class Screener(Protocol):
    def screen(self, payment: Payment) -> ScreeningResult: ...


class NoScreening:
    """Passes everything, stating that nothing was screened."""

    def screen(self, payment: Payment) -> ScreeningResult:
        del payment
        return ScreeningResult(Decision.PASS, NOT_SCREENED)

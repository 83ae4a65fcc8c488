"""The outcome of screening a payment's parties: a decision, a sentence for the payment's
history, the list versions used, and every match found (`Finding`), stored with the payment
(the `screenings` table) in the same unit of work as its state change."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    PASS = "pass"  # noqa: S105 (a decision, not a password)
    HOLD = "hold"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Finding:
    """One party's best match on one list: which name matched which listed name, how, how well."""

    role: str  # debtor | creditor | debtor agent | creditor agent
    party: str  # the name (or identifier) as the payment gave it
    list_name: str
    list_version: str
    entity_id: str
    listed_name: str
    score: float
    hit: bool
    how: str  # "identifier" | "name" | "name, across scripts (Cyrillic/Latin)"
    reason: str
    override_id: int | None = None  # set when a remembered false positive let it pass

    @property
    def holds(self) -> bool:
        return self.hit and self.override_id is None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    decision: Decision
    reason: str
    list_version: str | None = None  # "name@version, ..." of every list used
    lists: dict[str, str] = field(default_factory=dict)  # list name → version
    findings: tuple[Finding, ...] = ()
    score: float | None = None  # the best score of any finding

    @property
    def screened(self) -> bool:
        """Whether any list was used (`NoScreening` uses none, and nothing is recorded)."""
        return bool(self.lists)


NOT_SCREENED = "not screened: no sanctions list is configured, so every party passed"

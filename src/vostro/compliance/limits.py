"""Payment limits an operator sets: a maximum per payment and a maximum per day, by payer (or
every payer) and flow (or every flow), in the currency the payer sends.

Every limit that applies to a payment must hold (a limit for one payer does not lift a limit for
all payers): a payment from SBININBB of a trade flow in INR answers to the limits keyed
(SBININBB, trade, INR), (SBININBB, *, INR), (*, trade, INR) and (*, *, INR).

Per day means the payer's accepted total on the current UTC day (by the service's clock): the sum
of its payments in that currency (and flow, for a flow's limit) that were not rejected, the new one
included. A breach is refused at validation, before anything is reserved: AM02 over a per-payment
maximum, AM14 over a daily limit (see `payments.model.Reason`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from vostro.errors import VostroError
from vostro.ledger.types import INT64_MAX
from vostro.money import currency
from vostro.units import NS_PER_DAY

ALL = "*"  # every payer, or every flow
FLOWS = ("trade", "remittance", "transfer", "return")
LIMITS_MAX = 10_000  # limits one operator may keep (bounds every listing and lookup)


class LimitError(VostroError, ValueError):
    """A limit that cannot be set as given; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Limit:
    participant: str  # a BIC, or "*"
    flow: str  # one of FLOWS, or "*"
    currency: str
    per_payment_max_minor: int | None
    per_day_max_minor: int | None
    set_at: int
    set_by: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def scope(self) -> str:
        who = "every payer" if self.participant == ALL else self.participant
        what = "every flow" if self.flow == ALL else f"{self.flow} payments"
        return f"{who}, {what} in {self.currency}"


def day_bounds(now_ns: int) -> tuple[int, int]:
    """The UTC day holding `now_ns`, as [start, end) in nanoseconds."""
    start = now_ns - now_ns % NS_PER_DAY
    return start, start + NS_PER_DAY


def new_limit(
    participant: str,
    flow: str,
    code: str,
    *,
    per_payment_max_minor: int | None,
    per_day_max_minor: int | None,
    at_ns: int,
    actor: str,
) -> Limit:
    """A limit for one scope, or `LimitError` saying what is wrong with it. `participant` must
    already be a normalised, registered BIC or "*" (the caller checks it against the registry)."""
    check_scope(flow, code)
    for label, value in (
        ("per-payment maximum", per_payment_max_minor),
        ("per-day maximum", per_day_max_minor),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT64_MAX
        ):
            raise LimitError(f"the {label} must be a positive whole number of minor units")
    if per_payment_max_minor is None and per_day_max_minor is None:
        raise LimitError("give a per-payment maximum, a per-day maximum, or both")
    if not actor:
        raise LimitError("a limit needs the name of who set it (for the audit log)")
    return Limit(participant, flow, code, per_payment_max_minor, per_day_max_minor, at_ns, actor)


def check_scope(flow: str, code: str) -> None:
    if flow != ALL and flow not in FLOWS:
        raise LimitError(f"flow {flow!r} is not one of {', '.join(FLOWS)} or {ALL}")
    currency(code)  # UnknownCurrency, a clear error, for anything not ISO 4217

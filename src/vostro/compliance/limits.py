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

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from vostro import audit
from vostro.errors import VostroError
from vostro.ledger.types import INT64_MAX
from vostro.money import currency
from vostro.store.schema import payment_limits

ALL = "*"  # every payer, or every flow
FLOWS = ("trade", "remittance", "transfer", "return")
DAY_NS = 86_400 * 10**9
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
    start = now_ns - now_ns % DAY_NS
    return start, start + DAY_NS


class Limits:
    """The limits table: set and remove (audited), and the limits that apply to a payment."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], int] = time.time_ns) -> None:
        self.engine = engine
        self.clock = clock

    def set(
        self,
        participant: str,
        flow: str,
        code: str,
        *,
        per_payment_max_minor: int | None,
        per_day_max_minor: int | None,
        actor: str,
        origin: str | None = None,
    ) -> Limit:
        """Set (or replace) the limit for one scope. `participant` must already be a normalised,
        registered BIC or "*" (the caller checks it against the registry)."""
        _check_scope(flow, code)
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
        limit = Limit(
            participant, flow, code, per_payment_max_minor, per_day_max_minor, self.clock(), actor
        )
        key = _key(participant, flow, code)
        with self.engine.begin() as conn:
            existing = conn.execute(sa.select(payment_limits).where(key)).first()
            if existing is None and _count(conn) >= LIMITS_MAX:
                raise LimitError(f"at most {LIMITS_MAX} limits may be set; remove one first")
            conn.execute(payment_limits.delete().where(key))
            conn.execute(payment_limits.insert().values(**limit.as_dict()))
            audit.record(
                conn,
                actor,
                "limit.set",
                f"{participant}/{flow}/{code}",
                origin=origin,
                per_payment_max_minor=per_payment_max_minor,
                per_day_max_minor=per_day_max_minor,
                previous=None if existing is None else _limit(existing).as_dict(),
            )
        return limit

    def remove(
        self, participant: str, flow: str, code: str, *, actor: str, origin: str | None = None
    ) -> Limit:
        key = _key(participant, flow, code)
        with self.engine.begin() as conn:
            existing = conn.execute(sa.select(payment_limits).where(key)).first()
            if existing is None:
                raise LimitError(f"no limit is set for {participant}/{flow}/{code}")
            conn.execute(payment_limits.delete().where(key))
            audit.record(
                conn,
                actor,
                "limit.removed",
                f"{participant}/{flow}/{code}",
                origin=origin,
                previous=_limit(existing).as_dict(),
            )
        return _limit(existing)

    def all(self) -> list[Limit]:
        query = (
            sa.select(payment_limits)
            .order_by(
                payment_limits.c.participant, payment_limits.c.flow, payment_limits.c.currency
            )
            .limit(LIMITS_MAX)
        )
        with self.engine.connect() as conn:
            return [_limit(row) for row in conn.execute(query)]

    def applicable(self, payer: str, flow: str, code: str) -> list[Limit]:
        """Every limit a payment from `payer` of `flow` in `code` answers to."""
        query = sa.select(payment_limits).where(
            payment_limits.c.participant.in_((payer, ALL)),
            payment_limits.c.flow.in_((flow, ALL)),
            payment_limits.c.currency == code,
        )
        with self.engine.connect() as conn:
            return [_limit(row) for row in conn.execute(query)]


def _check_scope(flow: str, code: str) -> None:
    if flow != ALL and flow not in FLOWS:
        raise LimitError(f"flow {flow!r} is not one of {', '.join(FLOWS)} or {ALL}")
    currency(code)  # UnknownCurrency, a clear error, for anything not ISO 4217


def _key(participant: str, flow: str, code: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        payment_limits.c.participant == participant,
        payment_limits.c.flow == flow,
        payment_limits.c.currency == code,
    )


def _count(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(payment_limits)).scalar_one())


def _limit(row: sa.Row[Any]) -> Limit:
    return Limit(
        row.participant,
        row.flow,
        row.currency,
        row.per_payment_max_minor,
        row.per_day_max_minor,
        row.set_at,
        row.set_by,
    )

"""Fees and the all-in cost of a payment to its sender.

A participant's fee schedule is a fixed part plus a percentage of the amount sent, capped: the
operator charges it in the currency the payment is sent in. The all-in cost (the public target of
SDG 10.c: under 3 %) adds the FX margin, i.e. what the payee lost against the reference rate,
valued back in the source currency at that reference rate.

Rounding: the percentage part rounds half-to-even to the minor unit; the margin's value in the
source currency rounds half-to-even too; the cost in basis points is exact to 1/100 bp
(half-to-even). No float is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Protocol

from vostro.errors import VostroError
from vostro.money import currency
from vostro.participants.ports import ParticipantsUnit
from vostro.participants.registry import Registry
from vostro.units import BPS


class InvalidFeeSchedule(VostroError, ValueError):
    """A fee schedule that cannot be applied."""


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """What the operator charges a participant per payment sent in `currency`."""

    currency: str
    fixed_minor: int = 0
    rate_bps: int = 0
    cap_minor: int | None = None

    def __post_init__(self) -> None:
        currency(self.currency)
        if self.fixed_minor < 0 or not 0 <= self.rate_bps <= BPS:
            raise InvalidFeeSchedule("fees are non-negative and at most 100 %")
        if self.cap_minor is not None and self.cap_minor < self.fixed_minor:
            raise InvalidFeeSchedule("the cap must be at least the fixed fee")

    def fee(self, amount_minor: int) -> int:
        """Fixed + amount × rate (half-to-even to the minor unit), then capped."""
        variable = _round(Decimal(amount_minor) * self.rate_bps / BPS)
        total = self.fixed_minor + variable
        return min(total, self.cap_minor) if self.cap_minor is not None else total


@dataclass(frozen=True, slots=True)
class Cost:
    """The all-in cost of one payment to its sender, in the source currency."""

    fee_minor: int
    fx_margin_source_minor: int
    total_minor: int
    total_bps: Decimal  # of the amount sent, to 1/100 basis point

    @property
    def percent(self) -> Decimal:
        return self.total_bps / 100


def all_in_cost(
    amount_minor: int,
    fee_minor: int,
    fx_margin_target_minor: int = 0,
    reference_rate: Decimal | None = None,
    source: str | None = None,
    target: str | None = None,
) -> Cost:
    """Fee plus the FX margin (given in the target currency, valued at the reference rate)."""
    margin_source = 0
    if fx_margin_target_minor:
        if reference_rate is None or source is None or target is None:
            raise ValueError("an FX margin needs the reference rate and both currencies")
        scale = Decimal(10) ** (currency(source).exponent - currency(target).exponent)
        with localcontext() as ctx:
            ctx.prec = 34
            margin_source = _round(Decimal(fx_margin_target_minor) / reference_rate * scale)
    total = fee_minor + margin_source
    with localcontext() as ctx:
        ctx.prec = 34
        bps = (Decimal(total) * BPS / Decimal(amount_minor)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_EVEN
        )
    return Cost(fee_minor, margin_source, total, bps)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class FeeRepository(Protocol):
    def put(self, bic: str, schedule: FeeSchedule) -> None: ...

    def get(self, bic: str, code: str) -> FeeSchedule: ...


class FeesUnit(ParticipantsUnit, Protocol):
    fees: FeeRepository


class FeeSchedules:
    """The operator's fee schedule per participant and currency (none set: no fee)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def set(self, uow: FeesUnit, bic: str, schedule: FeeSchedule, *, actor: str) -> None:
        participant = self.registry.get(uow, bic)
        uow.fees.put(participant.bic, schedule)
        values = {
            "fixed_minor": schedule.fixed_minor,
            "rate_bps": schedule.rate_bps,
            "cap_minor": schedule.cap_minor,
        }
        uow.audit.record(
            actor, "fees.set", participant.bic, currency=schedule.currency, schedule=values
        )

    def get(self, uow: FeesUnit, bic: str, currency_code: str) -> FeeSchedule:
        return uow.fees.get(bic, currency_code)

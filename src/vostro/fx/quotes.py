"""FX quotes: a provider's standing rate turned into a firm price for one payment.

The model follows Nexus: an FX provider posts a `StandingRate` for a currency pair, a spread below
the reference rate in basis points, by tiers of source amount; a bigger amount never gets a worse
spread. `make_quote` fixes, for one source amount, the customer rate, the exact amount the payee
receives and the provider's margin. A `Quote` is honoured for `QUOTE_TTL_S` seconds (10 minutes);
after that `check_quote` refuses it, and it is never re-priced: the sender asks for a new one.

Rounding, stated once:

* customer rate = reference rate x (10000 - spread_bps) / 10000, quantized to 10 decimal places
  with ROUND_HALF_EVEN (never above the reference rate, since that is already on the grid);
* amounts are converted exactly in minor units, source x rate x 10^(exponent of target -
  exponent of source), and rounded DOWN to a whole minor unit: the payee never receives a
  fraction the rate does not give;
* the margin, in target minor units, is what the payee would receive at the reference rate
  (rounded down the same way) minus what they receive; it is never negative.
"""

from __future__ import annotations

import json
import uuid
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from itertools import pairwise

from vostro.errors import MoneyError, invariant
from vostro.fx.errors import FxError, QuoteExpired, QuoteMismatch
from vostro.fx.rates import ReferenceRate, quantize_rate
from vostro.money import AMOUNT_MAX, currency, format_amount
from vostro.units import BPS, NS_PER_S

QUOTE_TTL_S = 600

_CTX = Context(prec=34, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Tier:
    """From `min_source_minor` (inclusive) upward, the provider's spread is `spread_bps`."""

    min_source_minor: int
    spread_bps: int

    def __post_init__(self) -> None:
        if not _is_int(self.min_source_minor) or self.min_source_minor < 0:
            raise FxError(
                f"tier minimum must be a whole number of minor units >= 0, not "
                f"{self.min_source_minor!r}"
            )
        if not _is_int(self.spread_bps) or not 0 <= self.spread_bps <= BPS:
            raise FxError(f"tier spread must be 0..{BPS} basis points, not {self.spread_bps!r}")


@dataclass(frozen=True, slots=True)
class StandingRate:
    """A provider's standing offer for `source_currency`→`target_currency`, tiered by amount.

    Tiers start at 0, rise strictly by `min_source_minor`, and never worsen the spread as the
    amount grows; otherwise the standing rate is refused with `FxError`.
    """

    provider_id: str
    source_currency: str
    target_currency: str
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.provider_id, str) or not self.provider_id.strip():
            raise FxError(f"a standing rate needs a provider id, not {self.provider_id!r}")
        currency(self.source_currency)
        currency(self.target_currency)
        where = (
            f"standing rate of {self.provider_id} ({self.source_currency}→{self.target_currency})"
        )
        if self.source_currency == self.target_currency:
            raise FxError(f"{where}: source and target currency are the same")
        if not isinstance(self.tiers, tuple) or not self.tiers:
            raise FxError(f"{where}: tiers must be a non-empty tuple of Tier")
        if not all(isinstance(tier, Tier) for tier in self.tiers):
            raise FxError(f"{where}: every tier must be a Tier")
        if self.tiers[0].min_source_minor != 0:
            raise FxError(f"{where}: the first tier must start at 0 so every amount has a spread")
        for lower, upper in pairwise(self.tiers):
            if upper.min_source_minor <= lower.min_source_minor:
                raise FxError(
                    f"{where}: tier minimums must rise strictly, "
                    f"{upper.min_source_minor} follows {lower.min_source_minor}"
                )
            if upper.spread_bps > lower.spread_bps:
                raise FxError(
                    f"{where}: a bigger amount cannot get a worse spread, "
                    f"{upper.spread_bps} bps follows {lower.spread_bps} bps"
                )

    def spread_bps_for(self, source_minor: int) -> int:
        """The spread of the tier with the largest minimum not above `source_minor`."""
        if not _is_int(source_minor) or source_minor < 0:
            raise MoneyError(
                f"a source amount is a whole number of minor units >= 0, not {source_minor!r}"
            )
        position = bisect_right(self.tiers, source_minor, key=lambda tier: tier.min_source_minor)
        return self.tiers[position - 1].spread_bps  # position >= 1: the first tier starts at 0


@dataclass(frozen=True, slots=True)
class Quote:
    """A firm price for one payment, valid from `created_at` until `expires_at` (UTC).

    `rate` is the customer rate (target major units per source major unit), `reference_rate` the
    rate it was derived from, and `margin_minor` the provider's margin in TARGET minor units.
    """

    id: str
    provider_id: str
    source_currency: str
    target_currency: str
    source_amount_minor: int
    target_amount_minor: int
    rate: Decimal
    reference_rate: Decimal
    spread_bps: int
    margin_minor: int
    created_at: datetime
    expires_at: datetime

    def __post_init__(self) -> None:
        # Naive datetimes would make check_quote fail with TypeError instead of an answer.
        for name in ("created_at", "expires_at"):
            moment = getattr(self, name)
            if not isinstance(moment, datetime) or moment.utcoffset() is None:
                raise FxError(f"quote {self.id}: {name} must be a timezone-aware datetime")
        if self.expires_at <= self.created_at:
            raise FxError(f"quote {self.id}: expires_at must be after created_at")


def convert_minor(
    amount_minor: int, rate: Decimal, source: str, target: str, rounding: str = ROUND_FLOOR
) -> int:
    """`amount_minor` of `source` in minor units of `target` at `rate`, rounded once.

    Computes amount x rate x 10^(exponent of target - exponent of source) exactly (with as many
    digits as the product needs) and rounds it to a whole minor unit with `rounding`, a
    `decimal` rounding mode. The default ROUND_FLOOR rounds toward negative infinity, so for a
    payment the payee never receives a fraction the rate does not give.
    """
    if not _is_int(amount_minor):
        raise MoneyError(f"an amount is an integer number of minor units, not {amount_minor!r}")
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise MoneyError(f"a conversion rate must be a positive, finite Decimal, not {rate!r}")
    shift = currency(target).exponent - currency(source).exponent
    amount = Decimal(amount_minor)
    # A product has at most as many digits as its factors together: with that precision the
    # multiplication is exact, and the Inexact trap would say so loudly if it ever were not.
    digits = len(amount.as_tuple().digits) + len(rate.as_tuple().digits)
    exact = Context(prec=digits, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
    scaled = exact.multiply(amount, rate).scaleb(shift, exact)
    return int(scaled.to_integral_value(rounding=rounding))


def customer_rate(reference_rate: Decimal, spread_bps: int) -> Decimal:
    """reference x (10000 - spread) / 10000, quantized to 10 places with ROUND_HALF_EVEN.

    Never above the reference rate: the exact value is at most the reference, which already lies
    on the 10-place grid, so rounding to the nearest grid point cannot pass it.
    """
    if not _is_int(spread_bps) or not 0 <= spread_bps <= BPS:
        raise FxError(f"a spread is 0..{BPS} basis points, not {spread_bps!r}")
    return quantize_rate(_CTX.divide(_CTX.multiply(reference_rate, Decimal(BPS - spread_bps)), BPS))


def make_quote(
    standing: StandingRate,
    reference: ReferenceRate,
    source_amount_minor: int,
    now: datetime,
    *,
    quote_id: str | None = None,
    ttl_s: int = QUOTE_TTL_S,
) -> Quote:
    """Price `source_amount_minor` of the standing rate's source currency, valid for `ttl_s`.

    The customer rate is the reference rate less the tier's spread, quantized to 10 places
    (ROUND_HALF_EVEN). The target amount is source x rate converted exactly to target minor units
    and rounded DOWN: the payee never receives a fraction the rate does not give. The margin is
    floor(source x reference rate) - target, in target minor units, and is never negative.
    Raises `QuoteMismatch` when the reference rate is for another pair, `MoneyError` for a bad
    amount, and `FxError` when the payee would receive less than one minor unit.
    """
    _check_pair(standing, reference)
    if not _is_int(source_amount_minor) or not 0 < source_amount_minor <= AMOUNT_MAX:
        raise MoneyError(
            f"a source amount is a positive whole number of minor units, "
            f"not {source_amount_minor!r}"
        )
    created_at = _utc(now)
    if not _is_int(ttl_s) or ttl_s <= 0:
        raise FxError(f"a quote's time to live is a positive number of seconds, not {ttl_s!r}")
    if quote_id is not None and (not isinstance(quote_id, str) or not quote_id.strip()):
        raise FxError(f"a quote id must be a non-empty string, not {quote_id!r}")
    source, target = standing.source_currency, standing.target_currency
    spread = standing.spread_bps_for(source_amount_minor)
    rate = customer_rate(reference.rate, spread)
    if rate == 0:
        raise FxError(f"{standing.provider_id}'s spread of {spread} bps leaves no rate to quote")
    target_minor = convert_minor(source_amount_minor, rate, source, target)
    if target_minor < 1:
        raise FxError(
            f"{format_amount(source_amount_minor, source)} converts to less than one "
            f"minor unit of {target}; there is nothing to pay"
        )
    if target_minor > AMOUNT_MAX:
        raise MoneyError("the converted amount exceeds the largest amount a ledger holds")
    at_reference = convert_minor(source_amount_minor, reference.rate, source, target)
    # The customer rate never exceeds the reference rate and flooring is monotone.
    invariant(at_reference >= target_minor, f"negative margin quoting {source}→{target}")
    return Quote(
        id=quote_id if quote_id is not None else uuid.uuid4().hex,
        provider_id=standing.provider_id,
        source_currency=source,
        target_currency=target,
        source_amount_minor=source_amount_minor,
        target_amount_minor=target_minor,
        rate=rate,
        reference_rate=reference.rate,
        spread_bps=spread,
        margin_minor=at_reference - target_minor,
        created_at=created_at,
        expires_at=created_at + timedelta(seconds=ttl_s),
    )


def check_quote(
    quote: Quote,
    now: datetime,
    *,
    provider_id: str | None = None,
    source_currency: str | None = None,
    target_currency: str | None = None,
    source_amount_minor: int | None = None,
) -> None:
    """Refuse a quote that has expired (at `expires_at` exactly, too) or does not match.

    Raises `QuoteExpired` when `now >= expires_at`, and `QuoteMismatch` naming the first field
    that differs from a given expectation (None means "not checked").
    """
    if _utc(now) >= quote.expires_at:
        raise QuoteExpired(
            f"quote {quote.id} expired at {quote.expires_at.isoformat()}; "
            "request a new quote; an expired quote is never re-priced"
        )
    expected = {
        "provider_id": provider_id,
        "source_currency": source_currency,
        "target_currency": target_currency,
        "source_amount_minor": source_amount_minor,
    }
    for field, wanted in expected.items():
        actual = getattr(quote, field)
        if wanted is not None and actual != wanted:
            raise QuoteMismatch(f"quote {quote.id} has {field} {actual!r}, expected {wanted!r}")


def _check_pair(standing: StandingRate, reference: ReferenceRate) -> None:
    if (reference.base, reference.quote) != (standing.source_currency, standing.target_currency):
        raise QuoteMismatch(
            f"reference rate is {reference.base}→{reference.quote} but {standing.provider_id}'s "
            f"standing rate is {standing.source_currency}→{standing.target_currency}"
        )


def _utc(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise FxError(f"now must be a timezone-aware datetime, not {moment!r}")
    return moment.astimezone(UTC)


def _is_int(value: object) -> bool:
    """True for a real int; bool is an int subclass but True is not an amount."""
    return isinstance(value, int) and not isinstance(value, bool)


def tiers_json(standing: StandingRate) -> str:
    """The standing rate's tiers as stored and audited: `[[min_source_minor, spread_bps], ...]`."""
    return json.dumps([[t.min_source_minor, t.spread_bps] for t in standing.tiers])


def utc_from_ns(ns: int) -> datetime:
    """A timestamp in nanoseconds as a UTC datetime (to the microsecond, truncated)."""
    seconds, rest = divmod(ns, NS_PER_S)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest // 1000)


def ns_from_utc(moment: datetime) -> int:
    return int(moment.timestamp()) * NS_PER_S + moment.microsecond * 1000

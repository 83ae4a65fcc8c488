from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vostro.errors import MoneyError
from vostro.fx import (
    QUOTE_TTL_S,
    FxError,
    QuoteExpired,
    QuoteMismatch,
    ReferenceRate,
    StandingRate,
    Tier,
    check_quote,
    convert_minor,
    customer_rate,
    make_quote,
)
from vostro.money import currency

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
DAY = date(2026, 11, 27)
RUB_INR = ReferenceRate("RUB", "INR", Decimal("1.0526315789"), DAY, "CBR")

TIERED = StandingRate(
    "acme-fx",
    "RUB",
    "INR",
    (Tier(0, 150), Tier(10_000_00, 100), Tier(1_000_000_00, 50)),
)


def standing(source="RUB", target="INR", spread_bps=100):
    return StandingRate("acme-fx", source, target, (Tier(0, spread_bps),))


def quote_of(amount_minor=45_000_00, **kwargs):
    return make_quote(TIERED, RUB_INR, amount_minor, NOW, quote_id="q-1", **kwargs)


# --- Standing rates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ((), "non-empty tuple"),
        ([Tier(0, 100)], "non-empty tuple"),
        ((Tier(1, 100),), "first tier must start at 0"),
        ((Tier(0, 100), Tier(500, 50), Tier(400, 40)), "must rise strictly, 400 follows 500"),
        ((Tier(0, 100), Tier(0, 50)), "must rise strictly, 0 follows 0"),
        ((Tier(0, 100), Tier(500, 120)), "cannot get a worse spread, 120 bps follows 100 bps"),
        (((0, 100),), "every tier must be a Tier"),
    ],
)
def test_standing_rate_with_badly_ordered_or_missing_tiers_is_refused(tiers, message):
    with pytest.raises(FxError, match=message):
        StandingRate("acme-fx", "RUB", "INR", tiers)


@pytest.mark.parametrize(
    ("minimum", "spread", "message"),
    [
        (-1, 100, "tier minimum must be a whole number"),
        (True, 100, "tier minimum must be a whole number"),
        (0, 10_001, "tier spread must be 0..10000"),
        (0, -1, "tier spread must be 0..10000"),
        (0, 1.5, "tier spread must be 0..10000"),
    ],
)
def test_tier_outside_its_bounds_is_refused(minimum, spread, message):
    with pytest.raises(FxError, match=message):
        Tier(minimum, spread)


def test_standing_rate_needs_a_provider_and_two_different_currencies():
    with pytest.raises(FxError, match="needs a provider id"):
        StandingRate("", "RUB", "INR", (Tier(0, 100),))
    with pytest.raises(FxError, match="source and target currency are the same"):
        StandingRate("acme-fx", "RUB", "RUB", (Tier(0, 100),))


def test_spread_improves_as_the_amount_reaches_each_tier():
    assert TIERED.spread_bps_for(0) == 150
    assert TIERED.spread_bps_for(9_999_99) == 150
    assert TIERED.spread_bps_for(10_000_00) == 100
    assert TIERED.spread_bps_for(999_999_99) == 100
    assert TIERED.spread_bps_for(1_000_000_00) == 50
    assert TIERED.spread_bps_for(10**15) == 50
    with pytest.raises(MoneyError):
        TIERED.spread_bps_for(-1)


# --- Quotes ---------------------------------------------------------------------------------------


def test_quote_for_45000_roubles_gives_the_exact_rupees_and_margin():
    quote = quote_of(45_000_00)
    # 1.0526315789 x 0.99 = 1.04210526311 -> 1.0421052631 (10 places, half-even)
    assert quote.rate == Decimal("1.0421052631")
    assert quote.spread_bps == 100
    # 4,500,000 kopecks x 1.0421052631 = 4,689,473.68395 paise -> rounded down
    assert quote.target_amount_minor == 4_689_473
    # at the reference rate: 4,736,842.10505 -> 4,736,842 paise; the margin is the difference
    assert quote.margin_minor == 4_736_842 - 4_689_473 == 47_369
    assert quote.reference_rate == Decimal("1.0526315789")
    assert (quote.id, quote.provider_id) == ("q-1", "acme-fx")
    assert (quote.source_currency, quote.target_currency) == ("RUB", "INR")
    assert quote.source_amount_minor == 45_000_00
    assert quote.created_at == NOW
    assert quote.expires_at == NOW + timedelta(seconds=600) == NOW + timedelta(minutes=10)


def test_quote_times_are_kept_in_utc_and_ids_are_random_by_default():
    ist = timezone(timedelta(hours=5, minutes=30))
    first = make_quote(TIERED, RUB_INR, 100, NOW.astimezone(ist))
    second = make_quote(TIERED, RUB_INR, 100, NOW)
    assert first.created_at == NOW and first.created_at.tzinfo is UTC
    assert first.id != second.id and len(first.id) == 32


def test_quote_from_a_reference_rate_for_another_pair_is_a_mismatch():
    with pytest.raises(QuoteMismatch, match="reference rate is INR→RUB but acme-fx's"):
        make_quote(TIERED, ReferenceRate("INR", "RUB", Decimal("0.95"), DAY, "CBR"), 100, NOW)


@pytest.mark.parametrize("amount", [0, -100, True, 1.5, "100", 2**63])
def test_quote_for_an_amount_that_is_not_positive_whole_minor_units_is_refused(amount):
    with pytest.raises(MoneyError, match="positive whole number of minor units"):
        make_quote(TIERED, RUB_INR, amount, NOW)


def test_quote_needs_a_timezone_aware_now():
    with pytest.raises(FxError, match="timezone-aware"):
        make_quote(TIERED, RUB_INR, 100, datetime(2026, 11, 27, 9, 30))


def test_quote_that_would_pay_less_than_one_minor_unit_is_refused():
    inr_jpy = ReferenceRate("INR", "JPY", Decimal("1.77"), DAY, "test")
    with pytest.raises(FxError, match=r"0\.01 INR converts to less than one minor unit of JPY"):
        make_quote(standing("INR", "JPY"), inr_jpy, 1, NOW)


def test_a_spread_of_the_whole_rate_leaves_nothing_to_quote():
    with pytest.raises(FxError, match="leaves no rate to quote"):
        make_quote(standing(spread_bps=10_000), RUB_INR, 100, NOW)


def test_conversion_respects_each_currencys_minor_unit():
    # 1,000 JPY (exponent 0) at 0.0025 BHD = 2.500 BHD = 2,500 fils (exponent 3)
    assert convert_minor(1000, Decimal("0.0025"), "JPY", "BHD") == 2500
    # 1.00 USD = 0.37 BHD at 0.376; 100 cents -> 376 fils
    assert convert_minor(100, Decimal("0.376"), "USD", "BHD") == 376
    # 0.99 INR at 1.77 JPY = 1.7523 JPY -> 1 JPY down, 2 JPY half-even
    assert convert_minor(99, Decimal("1.77"), "INR", "JPY") == 1
    assert convert_minor(99, Decimal("1.77"), "INR", "JPY", ROUND_HALF_EVEN) == 2


def test_quote_whose_target_exceeds_the_largest_ledger_amount_is_refused():
    huge_rate = ReferenceRate("RUB", "INR", Decimal(10**9), DAY, "test")
    with pytest.raises(MoneyError, match="largest amount a ledger holds"):
        make_quote(standing(spread_bps=0), huge_rate, 10**12, NOW)


def test_conversion_of_the_largest_amount_is_exact():
    huge = 2**63 - 1
    expected = math.floor(Fraction(huge) * Fraction("1.0000000001"))
    assert convert_minor(huge, Decimal("1.0000000001"), "RUB", "INR") == expected


def test_conversion_refuses_float_rates_and_float_amounts():
    with pytest.raises(MoneyError, match="positive, finite Decimal"):
        convert_minor(100, 0.94, "INR", "RUB")
    with pytest.raises(MoneyError, match="integer number of minor units"):
        convert_minor(1.0, Decimal("0.94"), "INR", "RUB")


# --- Checking quotes ------------------------------------------------------------------------------


def test_quote_is_honoured_until_the_second_before_it_expires():
    quote = quote_of()
    check_quote(quote, NOW)
    check_quote(quote, NOW + timedelta(seconds=QUOTE_TTL_S) - timedelta(microseconds=1))


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=1), timedelta(days=1)])
def test_quote_is_refused_at_expiry_exactly_and_after(late):
    quote = quote_of()
    with pytest.raises(QuoteExpired, match="expired at 2026-11-27T09:40:00") as caught:
        check_quote(quote, quote.expires_at + late)
    assert "request a new quote; an expired quote is never re-priced" in str(caught.value)


def test_quote_expiry_is_compared_in_absolute_time_whatever_the_timezone():
    quote = quote_of()
    moscow = timezone(timedelta(hours=3))
    with pytest.raises(QuoteExpired):
        check_quote(quote, datetime(2026, 11, 27, 12, 40, tzinfo=moscow))
    check_quote(quote, datetime(2026, 11, 27, 12, 39, 59, tzinfo=moscow))


def test_shorter_time_to_live_is_honoured():
    quote = quote_of(ttl_s=30)
    with pytest.raises(QuoteExpired):
        check_quote(quote, NOW + timedelta(seconds=30))


@pytest.mark.parametrize(
    ("expectation", "field"),
    [
        ({"provider_id": "other-fx"}, "provider_id"),
        ({"source_currency": "INR"}, "source_currency"),
        ({"target_currency": "RUB"}, "target_currency"),
        ({"source_amount_minor": 45_000_01}, "source_amount_minor"),
    ],
)
def test_quote_used_for_something_else_is_a_mismatch_naming_the_field(expectation, field):
    with pytest.raises(QuoteMismatch, match=f"quote q-1 has {field} "):
        check_quote(quote_of(), NOW, **expectation)


def test_quote_matching_every_expectation_passes():
    check_quote(
        quote_of(),
        NOW,
        provider_id="acme-fx",
        source_currency="RUB",
        target_currency="INR",
        source_amount_minor=45_000_00,
    )


# --- Properties -----------------------------------------------------------------------------------

PAIRS = [("RUB", "INR"), ("INR", "RUB"), ("INR", "JPY"), ("JPY", "BHD"), ("USD", "RUB")]


def expected_rate(reference, spread):
    """The stated rule, spelled out independently: x (10000 - spread) / 10000, half-even."""
    exact = Fraction(reference) * (10_000 - spread) / 10_000  # exact: a Fraction never rounds
    tenths = exact * 10**10
    down = math.floor(tenths)
    rest = tenths - down
    up = rest > Fraction(1, 2) or (rest == Fraction(1, 2) and down % 2 == 1)
    return Decimal(down + up).scaleb(-10)


@given(
    pair=st.sampled_from(PAIRS),
    amount=st.integers(min_value=1, max_value=10**12),
    reference=st.decimals(min_value=Decimal("0.0000000001"), max_value=Decimal(10_000), places=10),
    spread=st.integers(min_value=0, max_value=10_000),
)
def test_a_quote_never_gives_the_payee_more_than_the_reference_rate(
    pair, amount, reference, spread
):
    source, target = pair
    ref = ReferenceRate(source, target, reference, DAY, "test")
    scale = Fraction(10) ** (currency(target).exponent - currency(source).exponent)
    at_reference = math.floor(amount * Fraction(reference) * scale)
    rate = expected_rate(reference, spread)
    expected_target = math.floor(amount * Fraction(rate) * scale)
    if expected_target < 1:
        with pytest.raises(FxError, match=r"less than one minor unit|leaves no rate"):
            make_quote(standing(source, target, spread), ref, amount, NOW)
        return
    quote = make_quote(standing(source, target, spread), ref, amount, NOW)
    assert quote.rate == rate <= reference
    assert quote.target_amount_minor == expected_target
    assert quote.target_amount_minor <= at_reference
    assert quote.target_amount_minor <= amount * Fraction(reference) * scale
    assert quote.margin_minor >= 0
    assert quote.target_amount_minor + quote.margin_minor == at_reference


def test_customer_rate_refuses_a_spread_outside_0_to_10000_bps():
    with pytest.raises(FxError, match=r"0\.\.10000 basis points"):
        customer_rate(Decimal("1.05"), 10_001)

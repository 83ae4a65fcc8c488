from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vostro.errors import MoneyError, UnknownCurrency
from vostro.money import AMOUNT_MAX, currency, currency_by_ledger, format_amount, parse_amount


def test_rupee_and_rouble_come_from_iso_4217_data():
    inr, rub = currency("INR"), currency("RUB")
    assert (inr.numeric, inr.exponent, inr.ledger) == (356, 2, 356)
    assert (rub.numeric, rub.exponent) == (643, 2)
    assert currency("JPY").exponent == 0
    assert currency("BHD").exponent == 3
    assert currency_by_ledger(643).code == "RUB"


def test_amount_with_thousands_separators_parses_to_minor_units():
    assert parse_amount("1,234.56 INR") == (123456, currency("INR"))
    assert parse_amount("1234.5 RUB")[0] == 123450
    assert parse_amount("7 INR")[0] == 700
    assert parse_amount("-0.01 INR")[0] == -1
    assert parse_amount("1,000 JPY")[0] == 1000
    assert parse_amount("1.234 BHD")[0] == 1234


def test_too_many_decimals_is_refused_not_rounded():
    with pytest.raises(MoneyError, match="3 decimal places; INR allows 2"):
        parse_amount("1.005 INR")
    with pytest.raises(MoneyError, match="JPY allows 0"):
        parse_amount("1.5 JPY")


@pytest.mark.parametrize("code", ["ABC", "inr", "Rub", "XAU", "RU", ""])
def test_unknown_lowercase_or_unitless_currency_is_refused(code):
    with pytest.raises(UnknownCurrency):
        currency(code)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "INR",
        "12,34.00 INR",
        "1.2.3 INR",
        "1e3 INR",
        "₹100",
        "100 inr",
        "1,234.56",
        "0x10 INR",
        " 1 000 INR",
    ],
)
def test_malformed_amounts_are_refused_with_a_message(text):
    with pytest.raises(MoneyError):
        parse_amount(text)


def test_amount_beyond_64_bits_is_refused():
    with pytest.raises(MoneyError, match="largest amount"):
        parse_amount(f"{AMOUNT_MAX + 1} JPY")


def test_expected_currency_is_enforced():
    with pytest.raises(MoneyError, match="expected RUB"):
        parse_amount("10.00 INR", expected="RUB")


def test_formatting_is_exact_and_grouped():
    assert format_amount(123456, "INR") == "1,234.56 INR"
    assert format_amount(-5, "RUB") == "-0.05 RUB"
    assert format_amount(1000, "JPY") == "1,000 JPY"
    assert format_amount(1234, "BHD", grouping=False) == "1.234 BHD"


@pytest.mark.parametrize("bad", [1.5, True, "100"])
def test_formatting_refuses_anything_but_an_integer(bad):
    with pytest.raises(MoneyError):
        format_amount(bad, "INR")  # type: ignore[arg-type]


@given(
    st.integers(min_value=-AMOUNT_MAX, max_value=AMOUNT_MAX),
    st.sampled_from(["INR", "RUB", "JPY", "BHD"]),
)
def test_format_then_parse_round_trips(minor, code):
    assert parse_amount(format_amount(minor, code)) == (minor, currency(code))

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from vostro.errors import UnknownCurrency
from vostro.fx import (
    FxError,
    RateBook,
    RateFileError,
    RateUnavailable,
    ReferenceRate,
    load_cbr_xml,
    load_csv,
)

CBR_DAY = date(2026, 11, 27)

CBR_TEXT = """<?xml version="1.0" encoding="windows-1251"?>
<ValCurs Date="27.11.2026" name="Foreign Currency Market">
<Valute ID="R01235"><NumCode>840</NumCode><CharCode>USD</CharCode><Nominal>1</Nominal>\
<Name>Доллар США</Name><Value>78,5000</Value><VunitRate>78,5</VunitRate></Valute>
<Valute ID="R01239"><NumCode>978</NumCode><CharCode>EUR</CharCode><Nominal>1</Nominal>\
<Name>Евро</Name><Value>90,1234</Value><VunitRate>90,1234</VunitRate></Valute>
<Valute ID="R01270"><NumCode>356</NumCode><CharCode>INR</CharCode><Nominal>10</Nominal>\
<Name>Индийских рупий</Name><Value>9,1234</Value><VunitRate>0,91234</VunitRate></Valute>
<Valute ID="R01375"><NumCode>156</NumCode><CharCode>CNY</CharCode><Nominal>1</Nominal>\
<Name>Юань</Name><Value>10,8765</Value><VunitRate>10,8765</VunitRate></Valute>
<Valute ID="R01230"><NumCode>784</NumCode><CharCode>AED</CharCode><Nominal>1</Nominal>\
<Name>Дирхам ОАЭ</Name><Value>21,3739</Value><VunitRate>21,3739</VunitRate></Valute>
<Valute ID="R01589"><NumCode>960</NumCode><CharCode>XDR</CharCode><Nominal>1</Nominal>\
<Name>СДР (специальные права заимствования)</Name><Value>104,5678</Value>\
<VunitRate>104,5678</VunitRate></Valute>
</ValCurs>
"""
CBR_XML = CBR_TEXT.encode("windows-1251")


def cbr_with(valute: str, date_attr: str = 'Date="27.11.2026"') -> bytes:
    """A one-entry CBR file, to show what a single bad field does."""
    return (
        f'<?xml version="1.0" encoding="windows-1251"?>\n'
        f'<ValCurs {date_attr} name="Foreign Currency Market">{valute}</ValCurs>'
    ).encode("windows-1251")


GOOD_INR = (
    '<Valute ID="R01270"><CharCode>INR</CharCode><Nominal>10</Nominal>'
    "<Value>9,1234</Value></Valute>"
)


def rate(base, quote, value, day=CBR_DAY, source="test"):
    return ReferenceRate(base, quote, Decimal(value), day, source)


# --- Bank of Russia XML ---------------------------------------------------------------------------


def test_cbr_fixture_really_is_windows_1251_and_not_utf8():
    with pytest.raises(UnicodeDecodeError):
        CBR_XML.decode("utf-8")


def test_cbr_file_gives_roubles_per_one_unit_dividing_value_by_nominal():
    rates = {r.base: r for r in load_cbr_xml(CBR_XML)}
    assert list(rates) == ["USD", "EUR", "INR", "CNY", "AED"]
    assert rates["USD"].rate == Decimal("78.5")
    assert rates["INR"].rate == Decimal("0.91234")  # 10 INR = 9.1234 RUB
    assert rates["AED"].rate == Decimal("21.3739")
    for each in rates.values():
        assert (each.quote, each.as_of, each.source) == ("RUB", CBR_DAY, "CBR")
        assert each.rate.as_tuple().exponent == -10  # quantized to 10 places


def test_cbr_entry_without_a_minor_unit_such_as_the_sdr_is_skipped():
    assert "XDR" not in {r.base for r in load_cbr_xml(CBR_XML)}


def test_cbr_value_over_a_large_nominal_is_rounded_half_even_to_ten_places():
    valute = (
        '<Valute ID="R01717"><CharCode>JPY</CharCode><Nominal>100</Nominal>'
        "<Value>51,123456785</Value></Valute>"
    )
    # 0.51123456785 lies halfway; half-even keeps the even last digit 0.
    assert load_cbr_xml(cbr_with(valute))[0].rate == Decimal("0.5112345678")


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        b'"&lol;&lol;&lol;&lol;">]><ValCurs Date="27.11.2026">&lol2;</ValCurs>',
        b'<?xml version="1.0"?><!DOCTYPE ValCurs SYSTEM "file:///etc/passwd"><ValCurs/>',
        b'<?xml version="1.0"?><!doctype ValCurs><ValCurs/>',
        b'<?xml version="1.0"?><ValCurs Date="27.11.2026"><!ENTITY x "y"></ValCurs>',
    ],
)
def test_cbr_file_with_a_doctype_or_entity_declaration_is_refused(payload):
    with pytest.raises(RateFileError, match="declarations are refused"):
        load_cbr_xml(payload)


def test_cbr_file_in_utf16_is_refused_because_the_dtd_check_could_not_see_into_it():
    with pytest.raises(RateFileError, match="NUL bytes"):
        load_cbr_xml(CBR_TEXT.replace("windows-1251", "utf-16").encode("utf-16"))


@pytest.mark.parametrize(
    ("valute", "message"),
    [
        (GOOD_INR.replace("9,1234", "9.1234"), r"Value '9\.1234' is not a number like 78,5000"),
        (GOOD_INR.replace("9,1234", "9,12x"), "Value '9,12x' is not a number"),
        (GOOD_INR.replace("9,1234", "-9,1234"), "is not a number"),
        (GOOD_INR.replace("9,1234", "0,0000"), "Value '0,0000' is not positive"),
        (GOOD_INR.replace("<Nominal>10", "<Nominal>0"), "Nominal '0' is not a positive whole"),
        (GOOD_INR.replace("<Nominal>10", "<Nominal>1,5"), "Nominal '1,5' is not a positive"),
        (GOOD_INR.replace("<Value>9,1234</Value>", ""), "<Value> is missing"),
        (GOOD_INR.replace("<Nominal>10</Nominal>", ""), "<Nominal> is missing"),
        (GOOD_INR.replace("<CharCode>INR</CharCode>", ""), "<CharCode> is missing"),
        (GOOD_INR.replace("<Value>9,1234", "<Value>"), "<Value> is missing or empty"),
        (GOOD_INR.replace("INR", "RUB"), "quotes RUB against itself"),
        (GOOD_INR + GOOD_INR, "INR appears more than once"),
    ],
)
def test_cbr_entry_with_a_malformed_or_missing_field_is_refused_naming_it(valute, message):
    with pytest.raises(RateFileError, match=message) as caught:
        load_cbr_xml(cbr_with(valute))
    if "CharCode> is missing" not in message and "more than once" not in message:
        assert "ID 'R01270'" in str(caught.value)  # says where


def test_a_malformed_value_is_refused_even_for_a_currency_that_would_be_skipped():
    valute = GOOD_INR.replace("INR", "XDR").replace("9,1234", "lots")
    with pytest.raises(RateFileError, match="Value 'lots'"):
        load_cbr_xml(cbr_with(valute))


@pytest.mark.parametrize(
    ("date_attr", "message"),
    [
        ('Date="2026-11-27"', "is not a dd.mm.yyyy date"),
        ('Date="31.02.2026"', "is not a real date"),
        ('Date=""', "is not a dd.mm.yyyy date"),
        ("", "Date None is not a dd.mm.yyyy date"),
    ],
)
def test_cbr_file_without_a_valid_date_is_refused(date_attr, message):
    with pytest.raises(RateFileError, match=message):
        load_cbr_xml(cbr_with(GOOD_INR, date_attr))


def test_cbr_file_that_is_not_xml_or_not_valcurs_is_refused():
    with pytest.raises(RateFileError, match="not readable XML"):
        load_cbr_xml(b"<ValCurs Date='27.11.2026'><Valute>")
    with pytest.raises(RateFileError, match="expected <ValCurs>"):
        load_cbr_xml(b"<Rates/>")
    with pytest.raises(RateFileError, match="no <Valute> entries"):
        load_cbr_xml(cbr_with(""))


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_rates_are_read_with_their_source():
    rates = load_csv("date,base,quote,rate\n2026-11-27,USD,INR,86.0425\n\n", "manual")
    assert rates == [rate("USD", "INR", "86.0425", source="manual")]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2026-11-27,USD,INR", "expected 4 fields"),
        ("27.11.2026,USD,INR,86.04", "date '27.11.2026' is not an ISO date"),
        ("2026-02-30,USD,INR,86.04", "date '2026-02-30' is not an ISO date"),
        ("2026-11-27,usd,INR,86.04", "must be three upper-case letters"),
        ("2026-11-27,USD,XAU,86.04", "XAU has no minor unit"),
        ("2026-11-27,USD,INR,86,04", "expected 4 fields"),
        ("2026-11-27,USD,INR,1e3", "rate '1e3' is not a number like 0.9400"),
        ("2026-11-27,USD,INR,-86.04", "is not a number"),
        ("2026-11-27,USD,INR,0.0", "must be a positive"),
        ("2026-11-27,USD,USD,1", "base and quote are both USD"),
        ("2026-11-27,USD,INR,86.05", "already given on line 2"),
    ],
)
def test_csv_bad_row_is_refused_naming_its_line_number(row, message):
    text = f"date,base,quote,rate\n2026-11-27,USD,INR,86.04\n{row}\n"
    with pytest.raises(RateFileError, match=message) as caught:
        load_csv(text, "manual")
    assert "manual rates CSV, line 3:" in str(caught.value)


def test_csv_without_the_exact_header_is_refused_at_line_one():
    with pytest.raises(RateFileError, match="line 1: header must be exactly"):
        load_csv("date,base,quote,price\n2026-11-27,USD,INR,86.04\n", "manual")
    with pytest.raises(RateFileError, match="line 1"):
        load_csv("", "manual")


def test_csv_rate_with_more_than_ten_decimals_is_rounded_half_even():
    rates = load_csv("date,base,quote,rate\n2026-11-27,USD,INR,1.000000000050\n", "m")
    assert rates[0].rate == Decimal("1.0000000000")


# --- Reference rates and the rate book ------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "quote", "value", "error", "message"),
    [
        ("INR", "INR", Decimal("0.5"), FxError, "can only have the rate 1"),
        ("INR", "RUB", Decimal(0), FxError, "positive, finite Decimal"),
        ("INR", "RUB", Decimal("-0.94"), FxError, "positive, finite Decimal"),
        ("INR", "RUB", Decimal("Infinity"), FxError, "positive, finite Decimal"),
        ("INR", "RUB", 0.94, FxError, "positive, finite Decimal"),
        ("INR", "RUB", Decimal("0.94000000001"), FxError, "more than 10 decimal places"),
        ("XDR", "RUB", Decimal("104"), UnknownCurrency, "no minor unit"),
    ],
)
def test_reference_rate_that_cannot_be_right_is_refused(base, quote, value, error, message):
    with pytest.raises(error, match=message):
        ReferenceRate(base, quote, value, CBR_DAY, "test")


def test_reference_rate_date_must_be_a_date_not_a_timestamp():
    with pytest.raises(FxError, match="as_of must be a date"):
        ReferenceRate("INR", "RUB", Decimal("0.94"), datetime(2026, 11, 27), "test")


def test_inr_to_rub_comes_directly_from_the_cbr_file():
    found = RateBook(load_cbr_xml(CBR_XML)).rate("INR", "RUB")
    assert found == rate("INR", "RUB", "0.91234", source="CBR")


def test_rub_to_inr_is_the_inverse_rounded_once_half_even():
    found = RateBook(load_cbr_xml(CBR_XML)).rate("RUB", "INR")
    assert found.rate == Decimal("1.0960826008")  # 1 / 0.91234 = 1.09608260079...
    assert (found.as_of, found.source) == (CBR_DAY, "inverse of INR/RUB (CBR)")


def test_inr_to_rub_is_crossed_through_usd_when_only_usd_pairs_are_known():
    text = "date,base,quote,rate\n2026-11-26,USD,INR,86.0425\n2026-11-27,USD,RUB,78.5\n"
    found = RateBook(load_csv(text, "manual")).rate("INR", "RUB")
    # (1 / 86.0425) x 78.5 = 0.91233983205973..., rounded once at the end. Rounding the inverse
    # leg first would have given 0.0116221635 x 78.5 = 0.9123398348: wrong in the 8th place.
    assert found.rate == Decimal("0.9123398321")
    assert found.source == "cross via USD (manual)"
    assert found.as_of == date(2026, 11, 26)  # the older leg


def test_a_pair_with_no_usd_legs_is_crossed_through_rub_from_the_cbr_file():
    found = RateBook(load_cbr_xml(CBR_XML)).rate("INR", "USD")
    assert found.rate == Decimal("0.0116221656")  # 0.91234 / 78.5
    assert found.source == "cross via RUB (CBR)"


def test_usd_is_tried_as_pivot_before_rub():
    book = RateBook(load_cbr_xml(CBR_XML))
    book.add([rate("USD", "INR", "86"), rate("USD", "CNY", "7")])
    assert book.rate("INR", "CNY").source == "cross via USD (test)"
    assert book.rate("INR", "CNY").rate == Decimal("0.0813953488")  # 7 / 86


def test_rate_is_the_latest_dated_on_or_before_the_requested_day():
    book = RateBook(
        [
            rate("INR", "RUB", "0.93", date(2026, 11, 25)),
            rate("INR", "RUB", "0.95", date(2026, 11, 27)),
            rate("INR", "RUB", "0.94", date(2026, 11, 26)),
        ]
    )
    assert book.rate("INR", "RUB", date(2026, 11, 26)).rate == Decimal("0.94")
    assert book.rate("INR", "RUB", date(2026, 11, 30)).rate == Decimal("0.95")
    assert book.rate("INR", "RUB").rate == Decimal("0.95")
    with pytest.raises(RateUnavailable, match="on or before 2026-11-24"):
        book.rate("INR", "RUB", date(2026, 11, 24))


def test_a_currency_against_itself_is_the_identity_rate():
    found = RateBook().rate("INR", "INR", CBR_DAY)
    assert (found.rate, found.as_of, found.source) == (Decimal(1), CBR_DAY, "identity")


def test_pair_that_nothing_connects_is_unavailable_with_a_clear_message():
    book = RateBook([rate("INR", "RUB", "0.94")])
    with pytest.raises(RateUnavailable, match=r"no CNY/AED rate: .* no cross via USD or RUB"):
        book.rate("CNY", "AED")


def test_same_rate_twice_is_ignored_but_a_conflicting_one_is_refused_whole():
    book = RateBook([rate("INR", "RUB", "0.94")])
    book.add([rate("INR", "RUB", "0.9400")])
    with pytest.raises(FxError, match="conflicting INR/RUB rates on 2026-11-27"):
        book.add([rate("USD", "RUB", "78.5"), rate("INR", "RUB", "0.95")])
    with pytest.raises(RateUnavailable):
        book.rate("USD", "RUB")  # nothing of the refused batch was added

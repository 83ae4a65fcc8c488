"""The text types: what each accepts and refuses, why, and that the pattern the OpenAPI document
shows is the same rule; text from elsewhere made safe for XML, terminals and JSON lines."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from vostro import text
from vostro.errors import InvalidText, NotACurrency, UnknownCurrency
from vostro.money import currency
from vostro.text import (
    END_TO_END_ID,
    FORBIDDEN_RANGES,
    PARTICIPANT_NAME,
    PARTY_NAME,
    QUOTE_ID,
    REASON,
    for_xml,
    json_escaped,
    shown,
)

TYPES = [
    text.MAX16_TEXT,
    text.MAX35_TEXT,
    text.MAX140_TEXT,
    PARTICIPANT_NAME,
    REASON,
    text.LABEL,
    END_TO_END_ID,
    text.MESSAGE_ID,
    QUOTE_ID,
]
# One of each kind of character refused, and the neighbours that are fine.
REFUSED = [
    "\x00",  # NUL
    "\x01",
    "\t",
    "\n",
    "\r",
    "\x1b",  # ESC
    "\x7f",  # DEL
    "\x85",  # NEL, C1
    "\x9b",  # CSI, C1
    "\u2028",
    "\u2029",
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u2066",
    "\ud800",  # a lone surrogate
    "\udfff",
    "\ufdd0",
    "\ufffe",
    "\uffff",
    "\U0001fffe",
    "\U0010ffff",
]
FINE = ["\x20", "\x7e", "\xa0", "\u200c", "\u200d", "\u2027", "\u202f", "\ufdcf", "\ufffd"]
NASTY = st.sampled_from(REFUSED + FINE + list("[]<>&'\"\\_"))
RESTRICTED = st.sampled_from(list("aZ09/-?:().,'+ "))  # the identifiers' set, slash included
ANY_TEXT = st.text(
    st.one_of(st.characters(codec=None, exclude_categories=()), NASTY, RESTRICTED),
    max_size=40,
)


@pytest.mark.parametrize(
    "name",
    [
        "Сергей Иванов",  # Cyrillic
        "राम कुमार शर्मा",  # Devanagari
        "क्\u200dष",  # Devanagari with ZERO WIDTH JOINER
        "OOO «Фармимпекс»",
        "张伟",
        "José Müller-Øster",
        "[red]x[/red] <b>&amp;</b> :smile:",  # markup is just characters here
        "Ivan 🙂",
    ],
)
def test_names_of_every_script_are_free_text(name: str) -> None:
    assert PARTY_NAME.problem(name) is None
    assert PARTICIPANT_NAME.valid(name) == name


@pytest.mark.parametrize("character", REFUSED)
def test_each_forbidden_character_is_refused_naming_its_code_point_and_place(
    character: str,
) -> None:
    problem = PARTY_NAME.problem(f"Ivan{character}ov")
    assert problem is not None
    assert f"U+{ord(character):04X}" in problem and "at character 5" in problem
    assert character not in problem  # the sentence never carries the character itself


@pytest.mark.parametrize("character", FINE)
def test_the_neighbours_of_the_forbidden_ranges_are_fine(character: str) -> None:
    assert PARTY_NAME.problem(f"a{character}b") is None


def test_a_refusal_names_the_field() -> None:
    with pytest.raises(InvalidText, match=r"^debtor_name holds U\+0000 NULL, a control"):
        PARTY_NAME.check("debtor_name", "Ivan\x00ov")
    assert isinstance(InvalidText("x"), ValueError)  # pydantic reports it as a field's error
    assert PARTY_NAME.check("debtor_name", None) is None


def test_lengths_are_counted_in_characters() -> None:
    assert text.MAX35_TEXT.problem("Ж" * 35) is None
    assert "36 characters long" in (text.MAX35_TEXT.problem("Ж" * 36) or "")
    assert PARTICIPANT_NAME.problem("") == "must not be empty"
    assert PARTY_NAME.problem("") is None


@pytest.mark.parametrize(
    "identifier",
    ["REMIT-2026-0001", "Scenario01EtoEId001", "A/B", "(x) +1.5, 'y': z?", "a b", "X"],
)
def test_identifiers_in_the_restricted_set_are_accepted(identifier: str) -> None:
    assert END_TO_END_ID.problem(identifier) is None


@pytest.mark.parametrize(
    ("identifier", "words"),
    [
        ("/INV-1", "starts or ends with '/'"),
        ("INV-1/", "starts or ends with '/'"),
        ("INV//1", "contains '//'"),
        ("INV_1", "U+005F LOW LINE at character 4, outside the ISO 20022 restricted"),
        ("Счёт-1", "U+0421 CYRILLIC CAPITAL LETTER ES at character 1"),
        ("E\x01X", "U+0001, a control character, at character 2"),
        ("", "must not be empty"),
        ("X" * 36, "36 characters long"),
    ],
)
def test_identifiers_outside_the_restricted_set_are_refused(identifier: str, words: str) -> None:
    assert words in (END_TO_END_ID.problem(identifier) or "")


@settings(max_examples=500)
@given(value=ANY_TEXT)
def test_the_published_pattern_is_the_rule_itself(value: str) -> None:
    """What the OpenAPI document tells a client is exactly what the service checks (a lone
    surrogate, which no JSON text carries as a string, is refused by the rule alone)."""
    surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    for kind in TYPES:
        by_pattern = re.fullmatch(kind.pattern, value) is not None and not surrogate
        by_length = kind.min_chars <= len(value) <= kind.max_chars
        assert (by_pattern and by_length) == (kind.problem(value) is None), (kind.name, value)


@pytest.mark.parametrize("kind", [PARTY_NAME, END_TO_END_ID])
def test_the_published_pattern_reads_the_same_in_a_json_schema_validator(kind: Any) -> None:
    """jsonschema-rs (Rust, ECMA-262 semantics; what Schemathesis checks with) must take the
    pattern as a regular expression and agree with the rule."""
    import jsonschema_rs

    valid = jsonschema_rs.validator_for({"type": "string", "pattern": kind.pattern}).is_valid
    for value in [*REFUSED[:13], *REFUSED[15:], *FINE, "Сергей", "a/b", "/a", "a//b", "a\n"]:
        assert valid(value) == (kind.problem(value) is None), (kind.name, value)


@settings(max_examples=300)
@given(value=ANY_TEXT)
def test_accepted_text_and_cleaned_text_are_always_xml(value: str) -> None:
    element = etree.Element("Nm")
    if PARTY_NAME.problem(value) is None:
        element.text = value  # lxml refuses anything XML 1.0 cannot carry
    element.text = for_xml(value, 140)
    assert etree.fromstring(etree.tostring(element)).text == element.text


@settings(max_examples=300)
@given(value=ANY_TEXT)
def test_shown_text_holds_nothing_a_terminal_obeys(value: str) -> None:
    printed = shown(value)
    assert text.forbidden(printed) is None
    assert printed == value or "\\" in printed
    for low, high, _ in FORBIDDEN_RANGES:
        assert not any(low <= ord(c) <= high for c in printed)


@settings(max_examples=300)
@given(value=ANY_TEXT)
def test_json_lines_keep_the_text_and_lose_the_control_characters(value: str) -> None:
    line = json_escaped(json.dumps({"name": value}, ensure_ascii=False))
    assert text.forbidden(line) is None and "\n" not in line
    assert json.loads(line) == {"name": value}


def test_shown_writes_escapes_a_person_can_read() -> None:
    assert shown("\x1b[31mred\u202e\x00") == "\\x1b[31mred\\u202e\\x00"
    assert shown("Сергей [bold]") == "Сергей [bold]"


@pytest.mark.parametrize("code", ["XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "XUA", "XBA"])
def test_metals_units_of_account_and_testing_codes_are_not_money(code: str) -> None:
    with pytest.raises(NotACurrency, match="no minor unit"):
        currency(code)


@pytest.mark.parametrize("code", ["BOV", "CLF", "COU", "MXV", "USN", "UYI", "CHE", "CHW"])
def test_iso_4217_funds_codes_are_not_money(code: str) -> None:
    with pytest.raises(NotACurrency, match="funds code"):
        currency(code)


def test_currencies_that_look_special_still_settle() -> None:
    assert [currency(c).exponent for c in ("XOF", "XAF", "XCD", "XPF", "INR", "RUB")] == [
        0,
        0,
        2,
        0,
        2,
        2,
    ]
    with pytest.raises(UnknownCurrency) as caught:
        currency("ABC")
    assert not isinstance(caught.value, NotACurrency)


@pytest.mark.parametrize("suffix", ["\n", "\x00", " "])
def test_a_bic_a_uetr_or_a_list_name_with_a_trailing_line_break_is_refused(suffix: str) -> None:
    """`re.match` with `$` lets a final line break through: these are matched whole."""
    from vostro.compliance.admin import LIST_NAME_RE, _check_list
    from vostro.participants.bic import InvalidBic, normalize_bic
    from vostro.payments.lifecycle import check_uetr
    from vostro.payments.model import PaymentRejected

    with pytest.raises(InvalidBic):
        normalize_bic("SBININBB" + suffix)
    with pytest.raises(PaymentRejected):
        check_uetr("3f2b8c1e-7d4a-4b9e-9c21-5a6d7e8f9a01" + suffix)
    assert LIST_NAME_RE.fullmatch("sanctions" + suffix) is None
    with pytest.raises(ValueError, match="list name"):
        _check_list("sanctions" + suffix, b"x", "csv")


def test_log_lines_are_one_line_of_json_whatever_they_carry() -> None:
    import logging

    from vostro.service.logs import JsonFormatter

    record = logging.makeLogRecord(
        {"msg": "request", "path": "/v1/x\x85\u2028\u202e\ud800\n", "name": "Сергей"}
    )
    line = JsonFormatter().format(record)
    assert "\n" not in line and text.forbidden(line) is None
    assert json.loads(line)["path"] == "/v1/x\x85\u2028\u202e\ud800\n"
    assert "Сергей" in line  # readable, not escaped

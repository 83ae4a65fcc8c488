"""Money: integer minor units and ISO 4217 currencies.

An amount is always an `int` number of minor units (paise for INR, kopecks for RUB). Currency
metadata (alphabetic code, numeric code, minor-unit exponent) comes from the maintained `iso4217`
data package, never from a hand-written table. Parsing is strict: a string with more decimals than
the currency allows, an unknown or lowercase code, or stray characters is refused with a message
saying exactly what is wrong. Formatting is exact (no floats anywhere).

Only money settles: the codes ISO 4217 keeps for precious metals (XAU, XAG, XPT, XPD), units of
account (XDR, XUA, XSU, the bond market units XBA-XBD), testing (XTS) and "no currency" (XXX) have
no minor unit, and its funds codes (BOV, CLF, COU, MXV, USN, UYI, CHE, CHW: marked `IsFund` in the
published table) name instruments, not currencies. Both are refused as `NotACurrency`, wherever a
code is read: the API, the command line, and every ISO 20022 message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import iso4217

from vostro.errors import MoneyError, NotACurrency, UnknownCurrency

# Largest amount (and balance) a ledger holds: a signed 64-bit integer, which both SQLite and
# PostgreSQL store natively. INR 92 quadrillion in paise is far beyond any real balance.
AMOUNT_MAX = 2**63 - 1

_AMOUNT_RE = re.compile(
    r"""^\s*(?P<sign>[-+])?
        (?P<int>\d{1,3}(?:,\d{3})+|\d+)
        (?:\.(?P<frac>\d+))?
        \s+(?P<code>[A-Za-z]{3})\s*$""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency with a minor unit."""

    code: str
    numeric: int
    exponent: int
    name: str

    @property
    def ledger(self) -> int:
        """The ledger number of this currency: its ISO 4217 numeric code (INR 356, RUB 643)."""
        return self.numeric


@cache
def currency(code: str) -> Currency:
    """The currency for an upper-case ISO 4217 alphabetic code, or `UnknownCurrency`."""
    if not isinstance(code, str) or len(code) != 3 or not code.isascii() or not code.isupper():
        raise UnknownCurrency(f"currency code {code!r} must be three upper-case letters (ISO 4217)")
    try:
        entry = iso4217.Currency(code)
    except ValueError:
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency") from None
    if entry.exponent is None:
        # Gold, SDR, test codes and the like have no minor unit and cannot be settled here.
        raise NotACurrency(
            f"{code} has no minor unit in ISO 4217 ({entry.currency_name}): a commodity, a "
            "unit of account or a testing code, not money that settles"
        )
    if code in funds_codes():
        raise NotACurrency(
            f"{code} ({entry.currency_name}) is an ISO 4217 funds code, not money that settles"
        )
    return Currency(code, int(entry.number), int(entry.exponent), str(entry.currency_name))


_FUND_RE = re.compile(r'<CcyNm IsFund="true">[^<]*</CcyNm>\s*<Ccy>([A-Z]{3})</Ccy>')


@cache
def funds_codes() -> frozenset[str]:
    """The codes the ISO 4217 table (as the `iso4217` package ships it) marks `IsFund`."""
    table = (resources.files("iso4217") / "table.xml").read_text(encoding="utf-8")
    return frozenset(_FUND_RE.findall(table))


@cache
def currency_by_ledger(ledger: int) -> Currency:
    """The currency whose ISO 4217 numeric code is `ledger`."""
    for entry in iso4217.Currency:
        if entry.number == ledger and entry.exponent is not None:
            return currency(entry.code)  # a funds code is refused there
    raise UnknownCurrency(f"no ISO 4217 currency has numeric code {ledger}")


def parse_amount(text: str, expected: str | None = None) -> tuple[int, Currency]:
    """Parse `"1,234.56 INR"` into `(123456, INR)`.

    Thousands separators must be regular groups of three; decimals may be fewer than the
    currency's exponent but never more (no silent rounding). Negative amounts are allowed here
    (statements show them); the ledger itself refuses amounts below one minor unit.
    """
    match = _AMOUNT_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise MoneyError(
            f"cannot read {text!r} as an amount: write digits, an optional decimal part and a "
            "currency code, for example '1,234.56 INR'"
        )
    ccy = currency(match["code"])
    if expected is not None and ccy.code != expected:
        raise MoneyError(f"amount {text!r} is in {ccy.code}, expected {expected}")
    frac = match["frac"] or ""
    if len(frac) > ccy.exponent:
        raise MoneyError(
            f"{text.strip()!r} has {len(frac)} decimal places; {ccy.code} allows {ccy.exponent}"
        )
    minor = int(match["int"].replace(",", "")) * 10**ccy.exponent
    minor += int(frac.ljust(ccy.exponent, "0")) if ccy.exponent else 0
    if match["sign"] == "-":
        minor = -minor
    if abs(minor) > AMOUNT_MAX:
        raise MoneyError(f"{text.strip()!r} exceeds the largest amount a ledger holds")
    return minor, ccy


def format_amount(minor: int, code: str, *, grouping: bool = True) -> str:
    """Format `123456, "INR"` as `"1,234.56 INR"`: exact, with the currency's exponent."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise MoneyError(f"an amount is an integer number of minor units, not {minor!r}")
    ccy = currency(code)
    sign = "-" if minor < 0 else ""
    units, fraction = divmod(abs(minor), 10**ccy.exponent)
    whole = f"{units:,}" if grouping else str(units)
    if ccy.exponent == 0:
        return f"{sign}{whole} {ccy.code}"
    return f"{sign}{whole}.{fraction:0{ccy.exponent}d} {ccy.code}"


@cache
def settled_codes() -> tuple[str, ...]:
    """Every ISO 4217 code vostro can settle (those with a minor unit, funds codes left out),
    sorted."""
    funds = funds_codes()
    return tuple(
        sorted(e.code for e in iso4217.Currency if e.exponent is not None and e.code not in funds)
    )

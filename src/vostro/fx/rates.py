"""Reference FX rates: what one unit of a currency is worth in another, on a date.

A `ReferenceRate` says how many major units of `quote` one major unit of `base` buys
(INR→RUB 0.9400 means 1 INR = 0.94 RUB), as of which date, and where the figure came from. Rates
are `Decimal`, never float. Every stored or computed rate has at most 10 decimal places: it is
quantized to `RATE_PLACES` with ROUND_HALF_EVEN, and whatever leads up to it (a division by the
Bank of Russia's nominal, an inversion, a cross through a pivot) is computed in a local context of
34 significant digits, so that each rate is rounded once, at the end.

Rates come from the Bank of Russia daily XML (`load_cbr_xml`), which quotes every currency in
roubles per `Nominal` units, or from a plain CSV (`load_csv`). A `RateBook` holds them and answers
`rate(base, quote, on)` with the latest rate on or before `on`: the pair's own rate, else the
inverse of the reverse pair, else a cross through USD and then through RUB.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

from vostro.errors import UnknownCurrency
from vostro.fx.errors import FxError, RateFileError, RateUnavailable
from vostro.money import currency

RATE_PLACES = Decimal("1E-10")

# Intermediate results keep 34 significant digits (IEEE decimal128), far more than the 10 places
# a rate keeps, so rounding happens once, in `quantize_rate`. A local context: the thread's
# default context is global state that other code may change.
_CTX = Context(prec=34, rounding=ROUND_HALF_EVEN)

# Pivots tried, in order, when a pair has neither a rate nor a reverse rate. USD is the usual
# vehicle currency; RUB connects everything in the Bank of Russia file, which quotes against RUB.
PIVOTS = ("USD", "RUB")

_CBR_SOURCE = "CBR"
_CSV_HEADER = "date,base,quote,rate"
# [0-9], not \d: \d also matches Arabic-Indic and other Unicode digits.
_CBR_DATE_RE = re.compile(r"^([0-9]{2})\.([0-9]{2})\.([0-9]{4})$")
_CBR_NUMBER_RE = re.compile(r"^[0-9]+(?:,[0-9]+)?$")
_WHOLE_RE = re.compile(r"^[0-9]+$")
_ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DOT_NUMBER_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")


def quantize_rate(value: Decimal) -> Decimal:
    """`value` rounded to 10 decimal places with ROUND_HALF_EVEN: the one rounding of a rate."""
    try:
        return value.quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN, context=_CTX)
    except InvalidOperation:
        raise FxError(f"rate {value} is too large to hold with 10 decimal places") from None


@dataclass(frozen=True, slots=True)
class ReferenceRate:
    """`rate` major units of `quote` for ONE major unit of `base`, as of a date, from `source`.

    The rate must be a positive, finite `Decimal` with at most 10 decimal places (quantize it with
    `quantize_rate`; nothing here rounds silently). `base` and `quote` differ, except in the
    identity rate 1 that `RateBook.rate` gives for a currency against itself.
    """

    base: str
    quote: str
    rate: Decimal
    as_of: date
    source: str

    def __post_init__(self) -> None:
        currency(self.base)
        currency(self.quote)
        pair = f"{self.base}/{self.quote}"
        if not isinstance(self.rate, Decimal) or not self.rate.is_finite() or self.rate <= 0:
            raise FxError(f"{pair} rate must be a positive, finite Decimal, not {self.rate!r}")
        if self.base == self.quote and self.rate != 1:
            raise FxError(f"{pair}: a currency against itself can only have the rate 1")
        if quantize_rate(self.rate) != self.rate:
            raise FxError(f"{pair} rate {self.rate} has more than 10 decimal places")
        # datetime is a subclass of date; a timestamp here would make comparisons fail later.
        if not isinstance(self.as_of, date) or isinstance(self.as_of, datetime):
            raise FxError(f"{pair} as_of must be a date, not {self.as_of!r}")
        if not isinstance(self.source, str) or not self.source.strip():
            raise FxError(f"{pair} rate needs a source naming where it came from")


# --- Bank of Russia daily XML ----------------------------------------------------------------


def load_cbr_xml(data: bytes) -> list[ReferenceRate]:
    """Read the Bank of Russia daily rates file (https://www.cbr.ru/scripts/XML_daily.asp).

    Each `<Valute>` gives `Value` roubles (decimal comma) for `Nominal` units of `CharCode`; the
    result is `CharCode`→RUB at Value / Nominal, quantized to 10 places (ROUND_HALF_EVEN), as of
    the root's `Date` (dd.mm.yyyy), with source "CBR". Codes that are not ISO 4217 currencies with
    a minor unit (the SDR, XDR, for one) are skipped: they cannot be settled. Anything else wrong
    (a missing field, a malformed or non-positive number, a bad date) raises `RateFileError`.
    """
    root = _parse_xml(data)
    if root.tag != "ValCurs":
        raise RateFileError(f"CBR rates file: root element is <{root.tag}>, expected <ValCurs>")
    as_of = _cbr_date(root.get("Date"))
    valutes = root.findall("Valute")
    if not valutes:
        raise RateFileError("CBR rates file: <ValCurs> holds no <Valute> entries")
    rates: list[ReferenceRate] = []
    seen: set[str] = set()
    for index, valute in enumerate(valutes, start=1):
        rate = _cbr_valute(valute, index, as_of)
        if rate is None:
            continue
        if rate.base in seen:
            raise RateFileError(f"CBR rates file: {rate.base} appears more than once")
        seen.add(rate.base)
        rates.append(rate)
    return rates


def _parse_xml(data: bytes) -> ET.Element:
    """Parse `data` after refusing DTDs: entity declarations are how XML bombs expand."""
    if not isinstance(data, bytes | bytearray):
        raise RateFileError(f"CBR rates file must be given as bytes, not {type(data).__name__}")
    # The byte search below is sound only for ASCII-compatible encodings (windows-1251, UTF-8);
    # UTF-16 and UTF-32 contain NUL bytes, which XML 1.0 never allows in a document anyway.
    if b"\x00" in data:
        raise RateFileError("CBR rates file: NUL bytes (UTF-16/32?) are not accepted")
    upper = bytes(data).upper()
    for declaration in (b"<!DOCTYPE", b"<!ENTITY"):
        if declaration in upper:
            raise RateFileError(
                f"CBR rates file: {declaration.decode()} declarations are refused "
                "(a rates file never needs one; they can expand into an XML bomb)"
            )
    try:
        # Expat reads the declared encoding itself (CBR files are windows-1251).
        return ET.fromstring(data)  # noqa: S314 - no DTD can reach the parser, checked above
    except (ET.ParseError, LookupError, ValueError) as exc:
        # LookupError: unknown declared encoding; ValueError: multi-byte encoding expat lacks.
        raise RateFileError(f"CBR rates file is not readable XML: {exc}") from None


def _cbr_date(text: str | None) -> date:
    match = _CBR_DATE_RE.match(text.strip()) if text is not None else None
    if match is None:
        raise RateFileError(f"CBR rates file: ValCurs Date {text!r} is not a dd.mm.yyyy date")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise RateFileError(f"CBR rates file: ValCurs Date {text!r} is not a real date") from None


def _cbr_valute(valute: ET.Element, index: int, as_of: date) -> ReferenceRate | None:
    """The rate one `<Valute>` gives, or None when its code cannot be settled."""
    where = f"CBR rates file, Valute #{index} (ID {valute.get('ID')!r})"
    code = _cbr_field(valute, "CharCode", where)
    where = f"{where} {code}"
    nominal_text = _cbr_field(valute, "Nominal", where)
    value_text = _cbr_field(valute, "Value", where)
    if not _WHOLE_RE.match(nominal_text) or int(nominal_text) == 0:
        raise RateFileError(f"{where}: Nominal {nominal_text!r} is not a positive whole number")
    if not _CBR_NUMBER_RE.match(value_text):
        raise RateFileError(f"{where}: Value {value_text!r} is not a number like 78,5000")
    value = Decimal(value_text.replace(",", "."))
    if value == 0:
        raise RateFileError(f"{where}: Value {value_text!r} is not positive")
    try:
        currency(code)
    except UnknownCurrency:
        return None  # the SDR (XDR) and the like: no minor unit, nothing to settle in
    if code == "RUB":
        raise RateFileError(f"{where}: the file quotes RUB against itself")
    try:
        rate = quantize_rate(_CTX.divide(value, Decimal(int(nominal_text))))
        return ReferenceRate(code, "RUB", rate, as_of, _CBR_SOURCE)
    except FxError as exc:
        raise RateFileError(f"{where}: {exc}") from None


def _cbr_field(valute: ET.Element, name: str, where: str) -> str:
    element = valute.find(name)
    text = element.text.strip() if element is not None and element.text is not None else ""
    if not text:
        raise RateFileError(f"{where}: <{name}> is missing or empty")
    return text


# --- CSV ---------------------------------------------------------------------------------------


def load_csv(text: str, source: str) -> list[ReferenceRate]:
    """Read rates from CSV text with the header exactly `date,base,quote,rate`.

    Each row is an ISO date (2026-11-27), two upper-case ISO 4217 codes and a rate written with a
    dot (0.94), meaning 1 `base` = rate `quote`. Rates with more than 10 decimals are quantized to
    10 (ROUND_HALF_EVEN). Blank lines are ignored; any other bad row raises `RateFileError` naming
    its line number (the header is line 1), as does a pair given twice for the same date.
    """
    lines = text.removeprefix("\ufeff").splitlines()  # a BOM is an editor's, not the header's
    if not lines or lines[0] != _CSV_HEADER:
        found = lines[0] if lines else ""
        raise RateFileError(
            f"{source} rates CSV, line 1: header must be exactly {_CSV_HEADER!r}, found {found!r}"
        )
    rates: list[ReferenceRate] = []
    seen: dict[tuple[date, str, str], int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        rate = _csv_row(line, number, source)
        key = (rate.as_of, rate.base, rate.quote)
        if key in seen:
            raise RateFileError(
                f"{source} rates CSV, line {number}: {rate.base}/{rate.quote} on {rate.as_of} "
                f"was already given on line {seen[key]}"
            )
        seen[key] = number
        rates.append(rate)
    return rates


def _csv_row(line: str, number: int, source: str) -> ReferenceRate:
    where = f"{source} rates CSV, line {number}"
    fields = line.split(",")
    if len(fields) != 4:
        raise RateFileError(f"{where}: expected 4 fields (date,base,quote,rate), found {line!r}")
    day_text, base, quote, rate_text = fields
    try:
        if not _ISO_DATE_RE.match(day_text):
            raise ValueError
        as_of = date.fromisoformat(day_text)
    except ValueError:
        raise RateFileError(f"{where}: date {day_text!r} is not an ISO date (YYYY-MM-DD)") from None
    if not _DOT_NUMBER_RE.match(rate_text):
        raise RateFileError(f"{where}: rate {rate_text!r} is not a number like 0.9400")
    if base == quote:
        raise RateFileError(f"{where}: base and quote are both {base}")
    try:
        return ReferenceRate(base, quote, quantize_rate(Decimal(rate_text)), as_of, source)
    except (FxError, UnknownCurrency) as exc:
        raise RateFileError(f"{where}: {exc}") from None


# --- The rate book -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Leg:
    """One step of a conversion, before its final rounding."""

    rate: Decimal  # 34 significant digits, not yet quantized
    as_of: date
    source: str
    inverted: bool


class RateBook:
    """Reference rates by pair and date, answering `rate(base, quote, on)`.

    Rounding: a rate that has to be derived (inverted, or crossed through a pivot, each leg
    possibly inverted itself) is computed with 34 significant digits and quantized once, at the
    end, to 10 decimal places with ROUND_HALF_EVEN. A stored rate is returned as it is.
    """

    def __init__(self, rates: Iterable[ReferenceRate] = ()) -> None:
        self._dates: dict[tuple[str, str], list[date]] = {}
        self._rates: dict[tuple[str, str], list[ReferenceRate]] = {}
        self.add(rates)

    def add(self, rates: Iterable[ReferenceRate]) -> None:
        """Add rates; all or nothing.

        The same pair and date given again with the same rate is ignored (a file loaded twice);
        with a different rate it raises `FxError`, because a reference rate must be unambiguous.
        """
        staged: dict[tuple[str, str, date], ReferenceRate] = {}
        for rate in rates:
            if not isinstance(rate, ReferenceRate) or rate.base == rate.quote:
                raise FxError(f"a rate book holds rates between two currencies, not {rate!r}")
            key = (rate.base, rate.quote, rate.as_of)
            known = staged.get(key) or self._on_exactly(rate.base, rate.quote, rate.as_of)
            if known is not None and known.rate != rate.rate:
                raise FxError(
                    f"conflicting {rate.base}/{rate.quote} rates on {rate.as_of}: "
                    f"{known.rate} ({known.source}) and {rate.rate} ({rate.source})"
                )
            staged.setdefault(key, rate)
        for (base, quote, as_of), rate in staged.items():
            if self._on_exactly(base, quote, as_of) is None:
                dates = self._dates.setdefault((base, quote), [])
                position = bisect_right(dates, as_of)
                dates.insert(position, as_of)
                self._rates.setdefault((base, quote), []).insert(position, rate)

    def rate(self, base: str, quote: str, on: date | None = None) -> ReferenceRate:
        """The `base`→`quote` rate as of `on` (the latest one when `on` is None).

        Looks for the latest rate dated on or before `on`: the pair's own rate if there is one;
        else 1 / the reverse pair's rate; else rate(base→pivot) x rate(pivot→quote) through USD,
        then RUB, each leg itself direct or inverted. A cross is dated by its older leg and its
        source says how it was made ("cross via USD (CBR)"). A currency against itself is the
        identity rate 1 (dated `on`, or `date.min` when `on` is None: it always held).
        Derived rates use 34 significant digits and are quantized once, at the end, to 10
        decimal places with ROUND_HALF_EVEN. Raises `RateUnavailable` when nothing connects.
        """
        currency(base)
        currency(quote)
        if on is not None and (not isinstance(on, date) or isinstance(on, datetime)):
            raise FxError(f"rates are looked up by date, not by {on!r}")
        if base == quote:
            as_of = on if on is not None else date.min
            return ReferenceRate(base, quote, Decimal(1), as_of, "identity")
        leg = self._leg(base, quote, on)
        if leg is not None:
            source = f"inverse of {quote}/{base} ({leg.source})" if leg.inverted else leg.source
            return ReferenceRate(base, quote, quantize_rate(leg.rate), leg.as_of, source)
        for pivot in PIVOTS:
            if pivot in (base, quote):
                continue
            first, second = self._leg(base, pivot, on), self._leg(pivot, quote, on)
            if first is not None and second is not None:
                sources = ", ".join(dict.fromkeys((first.source, second.source)))
                crossed = quantize_rate(_CTX.multiply(first.rate, second.rate))
                as_of = min(first.as_of, second.as_of)
                return ReferenceRate(base, quote, crossed, as_of, f"cross via {pivot} ({sources})")
        when = f" on or before {on.isoformat()}" if on is not None else ""
        raise RateUnavailable(
            f"no {base}/{quote} rate{when}: neither pair has a rate, and no cross via "
            f"{' or '.join(PIVOTS)} connects them"
        )

    def _leg(self, base: str, quote: str, on: date | None) -> _Leg | None:
        direct = self._latest(base, quote, on)
        if direct is not None:
            return _Leg(direct.rate, direct.as_of, direct.source, inverted=False)
        reverse = self._latest(quote, base, on)
        if reverse is not None:
            inverse = _CTX.divide(Decimal(1), reverse.rate)
            return _Leg(inverse, reverse.as_of, reverse.source, inverted=True)
        return None

    def _latest(self, base: str, quote: str, on: date | None) -> ReferenceRate | None:
        rates = self._rates.get((base, quote))
        if not rates:
            return None
        if on is None:
            return rates[-1]
        position = bisect_right(self._dates[(base, quote)], on)
        return rates[position - 1] if position else None

    def _on_exactly(self, base: str, quote: str, as_of: date) -> ReferenceRate | None:
        rate = self._latest(base, quote, as_of)
        return rate if rate is not None and rate.as_of == as_of else None

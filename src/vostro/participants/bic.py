"""Business Identifier Codes (ISO 9362).

A BIC is 8 or 11 characters: a 4-letter institution code, the 2-letter ISO 3166 country code of the
institution, a 2-character location code, and an optional 3-character branch code (`XXX` is the
head office, so `SBININBBXXX` and `SBININBB` name the same institution). Location code `0` in the
second position marks a test BIC, which a live system refuses.
"""

from __future__ import annotations

import re

import pycountry

from vostro.errors import VostroError

_BIC_RE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")


class InvalidBic(VostroError, ValueError):
    """Not a well-formed BIC."""


def normalize_bic(text: str, *, allow_test: bool = False) -> str:
    """The 8-character form of a valid BIC (head-office `XXX` dropped), or `InvalidBic`."""
    if not isinstance(text, str) or not _BIC_RE.fullmatch(text):
        raise InvalidBic(
            f"{text!r} is not a BIC: expected 8 or 11 upper-case letters and digits "
            "(institution AAAA, country CC, location LL, optional branch BBB)"
        )
    country = text[4:6]
    if pycountry.countries.get(alpha_2=country) is None:
        raise InvalidBic(f"{text}: {country!r} is not an ISO 3166 country code")
    if text[7] == "0" and not allow_test:
        raise InvalidBic(f"{text} is a test BIC (location code ending in 0)")
    return text[:8] if text[8:] in ("", "XXX") else text


def bic_country(bic: str) -> str:
    return normalize_bic(bic)[4:6]


def bic_pattern() -> str:
    """The regular expression (ECMA 262 and Python alike) of exactly the BICs `normalize_bic`
    accepts: a 4-letter institution, an ISO 3166 country, a location not ending in 0 (a test
    BIC), an optional branch."""
    countries = "|".join(sorted(c.alpha_2 for c in pycountry.countries))
    return rf"^[A-Z]{{4}}({countries})[A-Z0-9][A-Z1-9]([A-Z0-9]{{3}})?$"

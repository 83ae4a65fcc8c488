"""Errors of the FX domain, all under `vostro.errors.VostroError`.

* `RateUnavailable`: no reference rate connects two currencies on the requested date.
* `RateFileError`: a rates file (Bank of Russia XML, CSV) is malformed; the message says where in
  the file and what is wrong, so the person who supplied it can fix it.
* `QuoteExpired`: a quote was presented after its time to live; it is never re-priced.
* `QuoteMismatch`: a quote does not match what it is used for (provider, currencies, amount), or a
  standing rate and a reference rate are for different currency pairs.
"""

from __future__ import annotations

from vostro.errors import VostroError


class FxError(VostroError):
    """Base of every FX rejection (rates, standing rates, quotes)."""


class RateUnavailable(FxError):
    """No reference rate, direct, inverse or crossed, connects the pair on that date."""


class RateFileError(FxError, ValueError):
    """A rates file could not be read; the message names the place and the problem."""


class QuoteExpired(FxError):
    """The quote's time to live has passed; request a new quote."""


class QuoteMismatch(FxError):
    """The quote (or reference rate) is for a different provider, pair or amount."""

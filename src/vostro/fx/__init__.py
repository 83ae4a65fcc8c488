"""Foreign exchange for settlement: reference rates, standing rates and firm quotes.

* `vostro.fx.rates`: `ReferenceRate` (major units of `quote` per ONE unit of `base`, as of a date),
  loaders for the Bank of Russia daily XML and for CSV, and `RateBook`, which finds a pair's rate
  directly, inverted, or crossed through USD then RUB.
* `vostro.fx.quotes`: a provider's tiered `StandingRate` and the `Quote` made from it, honoured
  for 10 minutes and never re-priced.
* `vostro.fx.errors`: `FxError` and its subclasses.

Rates are `Decimal` with at most 10 decimal places (ROUND_HALF_EVEN, computed with 34 significant
digits and rounded once); money stays an integer number of minor units, rounded down when
converted so that a payee never receives a fraction the rate does not give. Pure domain code: no
database, no clock (the caller passes `now`), no network.
"""

from vostro.fx.errors import FxError, QuoteExpired, QuoteMismatch, RateFileError, RateUnavailable
from vostro.fx.quotes import (
    QUOTE_TTL_S,
    Quote,
    StandingRate,
    Tier,
    check_quote,
    convert_minor,
    customer_rate,
    make_quote,
)
from vostro.fx.rates import (
    RATE_PLACES,
    RateBook,
    ReferenceRate,
    load_cbr_xml,
    load_csv,
    quantize_rate,
)

__all__ = [
    "QUOTE_TTL_S",
    "RATE_PLACES",
    "FxError",
    "Quote",
    "QuoteExpired",
    "QuoteMismatch",
    "RateBook",
    "RateFileError",
    "RateUnavailable",
    "ReferenceRate",
    "StandingRate",
    "Tier",
    "check_quote",
    "convert_minor",
    "customer_rate",
    "load_cbr_xml",
    "load_csv",
    "make_quote",
    "quantize_rate",
]

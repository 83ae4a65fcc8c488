"""The FX desk: reference rates, FX providers' standing rates, and quotes, kept in the store.

A quote is issued to one requesting participant for one amount and pair; a payment may use it
only if it names the same payer, pair and amount, before it expires, and only once. A payment that
names an expired or foreign quote is refused; it is never re-priced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from vostro.fx.errors import QuoteMismatch, RateUnavailable
from vostro.fx.ports import FxUnit
from vostro.fx.quotes import (
    Quote,
    StandingRate,
    check_quote,
    make_quote,
    tiers_json,
    utc_from_ns,
)
from vostro.fx.rates import RateBook, ReferenceRate


class FxDesk:
    def __init__(self) -> None:
        self._book: tuple[Sequence[ReferenceRate], RateBook] | None = None

    # ---------------------------------------------------------- reference rates
    def add_reference_rates(self, uow: FxUnit, rates: list[ReferenceRate], *, actor: str) -> int:
        uow.fx.put_reference_rates(rates)
        uow.audit.record(
            actor,
            "fx.reference_rates",
            "fx",
            count=len(rates),
            sources=sorted({r.source for r in rates}),
        )
        return len(rates)

    def rate_book(self, uow: FxUnit) -> RateBook:
        """The rate book of the stored rates; built again only when the store hands over other
        rates than last time (the writer's store keeps one tuple until the rates change)."""
        rates = uow.fx.reference_rates()
        built = self._book
        if built is not None and built[0] is rates:
            return built[1]
        book = RateBook()
        book.add(list(rates))
        self._book = (rates, book)
        return book

    def reference(
        self, uow: FxUnit, base: str, quote: str, on: date | None = None
    ) -> ReferenceRate:
        return self.rate_book(uow).rate(base, quote, on)

    # ----------------------------------------------------------- standing rates
    def set_standing_rate(self, uow: FxUnit, standing: StandingRate, *, actor: str) -> None:
        uow.fx.put_standing_rate(standing)
        uow.audit.record(
            actor,
            "fx.standing_rate",
            standing.provider_id,
            pair=f"{standing.source_currency}/{standing.target_currency}",
            tiers=tiers_json(standing),
        )

    def standing_rate(
        self, uow: FxUnit, provider_bic: str, source: str, target: str
    ) -> StandingRate:
        found = uow.fx.standing_rate(provider_bic, source, target)
        if found is None:
            raise RateUnavailable(f"{provider_bic} publishes no {source}→{target} rate")
        return found

    # ------------------------------------------------------------------ quotes
    def quote(
        self,
        uow: FxUnit,
        provider_bic: str,
        requested_by: str,
        source: str,
        target: str,
        source_amount_minor: int,
        now_ns: int,
    ) -> Quote:
        """A firm quote from the provider's standing rate on today's reference rate."""
        standing = self.standing_rate(uow, provider_bic, source, target)
        now = utc_from_ns(now_ns)
        reference = self.reference(uow, source, target, now.date())
        q = make_quote(standing, reference, source_amount_minor, now)
        uow.fx.add_quote(q, requested_by)
        return q

    def get_quote(self, uow: FxUnit, quote_id: str) -> tuple[Quote, str, str | None] | None:
        """The quote, who requested it, and the payment that used it (if any)."""
        return uow.fx.quote(quote_id)

    def claim(
        self,
        uow: FxUnit,
        quote_id: str,
        *,
        payer: str,
        source: str,
        target: str,
        source_amount_minor: int,
        uetr: str,
        now_ns: int,
    ) -> Quote:
        """Check the quote fits this payment and mark it used (`QuoteExpired`, `QuoteMismatch`)."""
        found = uow.fx.quote(quote_id)
        if found is None:
            raise QuoteMismatch(f"no quote has id {quote_id!r}")
        q, requested_by, used_by = found
        if requested_by != payer:
            raise QuoteMismatch(f"quote {quote_id} was issued to {requested_by}, not to {payer}")
        if used_by is not None and used_by != uetr:
            raise QuoteMismatch(f"quote {quote_id} was already used by payment {used_by}")
        if used_by is None:  # a retry of the payment that used it may present it again
            check_quote(
                q,
                utc_from_ns(now_ns),
                source_currency=source,
                target_currency=target,
                source_amount_minor=source_amount_minor,
            )
        uow.fx.mark_used(quote_id, uetr)
        return q

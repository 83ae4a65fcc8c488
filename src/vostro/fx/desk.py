"""The FX desk: reference rates, FX providers' standing rates, and quotes, kept in the store.

A quote is issued to one requesting participant for one amount and pair; a payment may use it
only if it names the same payer, pair and amount, before it expires, and only once. A payment that
names an expired or foreign quote is refused; it is never re-priced.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from vostro import audit
from vostro.fx.errors import QuoteMismatch, RateUnavailable
from vostro.fx.quotes import Quote, StandingRate, Tier, check_quote, make_quote
from vostro.fx.rates import RateBook, ReferenceRate
from vostro.store.schema import fx_quotes, reference_rates, standing_rates


def _utc(ns: int) -> datetime:
    seconds, rest = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest // 1000)


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


class FxDesk:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # ---------------------------------------------------------- reference rates
    def add_reference_rates(self, rates: list[ReferenceRate], *, actor: str) -> int:
        with self.engine.begin() as conn:
            for r in rates:
                conn.execute(
                    reference_rates.delete().where(
                        reference_rates.c.base == r.base,
                        reference_rates.c.quote == r.quote,
                        reference_rates.c.as_of == r.as_of,
                        reference_rates.c.source == r.source,
                    )
                )
                conn.execute(
                    reference_rates.insert().values(
                        base=r.base, quote=r.quote, as_of=r.as_of, source=r.source, rate=str(r.rate)
                    )
                )
            audit.record(
                conn,
                actor,
                "fx.reference_rates",
                "fx",
                count=len(rates),
                sources=sorted({r.source for r in rates}),
            )
        return len(rates)

    def rate_book(self) -> RateBook:
        book = RateBook()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(reference_rates)).all()
        book.add(ReferenceRate(r.base, r.quote, Decimal(r.rate), r.as_of, r.source) for r in rows)
        return book

    def reference(self, base: str, quote: str, on: date | None = None) -> ReferenceRate:
        return self.rate_book().rate(base, quote, on)

    # ----------------------------------------------------------- standing rates
    def set_standing_rate(self, standing: StandingRate, *, actor: str) -> None:
        tiers = json.dumps([[t.min_source_minor, t.spread_bps] for t in standing.tiers])
        key = (
            standing_rates.c.provider_bic == standing.provider_id,
            standing_rates.c.source_currency == standing.source_currency,
            standing_rates.c.target_currency == standing.target_currency,
        )
        with self.engine.begin() as conn:
            conn.execute(standing_rates.delete().where(*key))
            conn.execute(
                standing_rates.insert().values(
                    provider_bic=standing.provider_id,
                    source_currency=standing.source_currency,
                    target_currency=standing.target_currency,
                    tiers=tiers,
                )
            )
            audit.record(
                conn,
                actor,
                "fx.standing_rate",
                standing.provider_id,
                pair=f"{standing.source_currency}/{standing.target_currency}",
                tiers=tiers,
            )

    def standing_rate(self, provider_bic: str, source: str, target: str) -> StandingRate:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(standing_rates).where(
                    standing_rates.c.provider_bic == provider_bic,
                    standing_rates.c.source_currency == source,
                    standing_rates.c.target_currency == target,
                )
            ).first()
        if row is None:
            raise RateUnavailable(f"{provider_bic} publishes no {source}→{target} rate")
        tiers = tuple(Tier(int(a), int(b)) for a, b in json.loads(row.tiers))
        return StandingRate(provider_bic, source, target, tiers)

    # ------------------------------------------------------------------ quotes
    def quote(
        self,
        provider_bic: str,
        requested_by: str,
        source: str,
        target: str,
        source_amount_minor: int,
        now_ns: int,
    ) -> Quote:
        """A firm quote from the provider's standing rate on today's reference rate."""
        standing = self.standing_rate(provider_bic, source, target)
        now = _utc(now_ns)
        reference = self.reference(source, target, now.date())
        q = make_quote(standing, reference, source_amount_minor, now)
        with self.engine.begin() as conn:
            conn.execute(
                fx_quotes.insert().values(
                    id=q.id,
                    provider_bic=provider_bic,
                    requested_by_bic=requested_by,
                    source_currency=source,
                    target_currency=target,
                    source_amount_minor=q.source_amount_minor,
                    target_amount_minor=q.target_amount_minor,
                    rate=str(q.rate),
                    reference_rate=str(q.reference_rate),
                    spread_bps=q.spread_bps,
                    margin_minor=q.margin_minor,
                    created_at=_ns(q.created_at),
                    expires_at=_ns(q.expires_at),
                )
            )
        return q

    def get_quote(self, quote_id: str) -> tuple[Quote, str, str | None] | None:
        """The quote, who requested it, and the payment that used it (if any)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(fx_quotes).where(fx_quotes.c.id == quote_id)).first()
        if row is None:
            return None
        q = Quote(
            row.id,
            row.provider_bic,
            row.source_currency,
            row.target_currency,
            row.source_amount_minor,
            row.target_amount_minor,
            Decimal(row.rate),
            Decimal(row.reference_rate),
            row.spread_bps,
            row.margin_minor,
            _utc(row.created_at),
            _utc(row.expires_at),
        )
        return q, row.requested_by_bic, row.used_by_uetr

    def claim(
        self,
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
        found = self.get_quote(quote_id)
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
                _utc(now_ns),
                source_currency=source,
                target_currency=target,
                source_amount_minor=source_amount_minor,
            )
        with self.engine.begin() as conn:
            conn.execute(
                fx_quotes.update().where(fx_quotes.c.id == quote_id).values(used_by_uetr=uetr)
            )
        return q

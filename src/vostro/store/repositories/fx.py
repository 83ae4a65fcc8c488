"""The FX desk's tables: reference rates, providers' standing rates and quotes (`fx.ports`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Protocol

import sqlalchemy as sa

from vostro.fx.quotes import Quote, StandingRate, Tier, ns_from_utc, tiers_json, utc_from_ns
from vostro.fx.rates import ReferenceRate
from vostro.store.schema import fx_quotes, reference_rates, standing_rates

_ADD_QUOTE = fx_quotes.insert()
_MARK_USED = (
    fx_quotes.update()
    .where(fx_quotes.c.id == sa.bindparam("quote_id"))
    .values(used_by_uetr=sa.bindparam("uetr"))
)


class RateCache(Protocol):
    reference_rates: tuple[ReferenceRate, ...] | None
    standing_rates: dict[tuple[str, str, str], StandingRate | None]


class _UnitCache:
    def __init__(self) -> None:
        self.reference_rates: tuple[ReferenceRate, ...] | None = None
        self.standing_rates: dict[tuple[str, str, str], StandingRate | None] = {}


class SqlFx:
    """Rates read once per unit of work (the single writer keeps them across its units, in its
    caches: only it changes them), and the quotes a unit made kept at hand, so a
    group of quoted payments reads no row twice."""

    def __init__(self, conn: sa.Connection, caches: RateCache | None = None) -> None:
        self.conn = conn
        self._caches = caches or _UnitCache()
        self._quotes: dict[str, tuple[Quote, str, str | None]] = {}
        self._unwritten: dict[str, dict[str, object]] = {}

    def put_reference_rates(self, rates: list[ReferenceRate]) -> None:
        self._caches.reference_rates = None
        r = reference_rates
        for rate in rates:
            self.conn.execute(
                r.delete().where(
                    r.c.base == rate.base,
                    r.c.quote == rate.quote,
                    r.c.as_of == rate.as_of,
                    r.c.source == rate.source,
                )
            )
            self.conn.execute(
                r.insert().values(
                    base=rate.base,
                    quote=rate.quote,
                    as_of=rate.as_of,
                    source=rate.source,
                    rate=str(rate.rate),
                )
            )

    def reference_rates(self) -> tuple[ReferenceRate, ...]:
        """Every reference rate; the same tuple until they change (the desk keeps the rate book
        it built from it)."""
        if self._caches.reference_rates is None:
            rows = self.conn.execute(sa.select(reference_rates)).all()
            self._caches.reference_rates = tuple(
                ReferenceRate(r.base, r.quote, Decimal(r.rate), r.as_of, r.source) for r in rows
            )
        return self._caches.reference_rates

    def put_standing_rate(self, standing: StandingRate) -> None:
        self._caches.standing_rates.clear()
        s = standing_rates
        self.conn.execute(
            s.delete().where(
                s.c.provider_bic == standing.provider_id,
                s.c.source_currency == standing.source_currency,
                s.c.target_currency == standing.target_currency,
            )
        )
        self.conn.execute(
            s.insert().values(
                provider_bic=standing.provider_id,
                source_currency=standing.source_currency,
                target_currency=standing.target_currency,
                tiers=tiers_json(standing),
            )
        )

    def standing_rate(self, provider_bic: str, source: str, target: str) -> StandingRate | None:
        key = (provider_bic, source, target)
        cached = self._caches.standing_rates
        if key not in cached:
            cached[key] = self._read_standing_rate(*key)
        return cached[key]

    def _read_standing_rate(
        self, provider_bic: str, source: str, target: str
    ) -> StandingRate | None:
        s = standing_rates
        row = self.conn.execute(
            sa.select(s).where(
                s.c.provider_bic == provider_bic,
                s.c.source_currency == source,
                s.c.target_currency == target,
            )
        ).first()
        if row is None:
            return None
        tiers = tuple(Tier(int(a), int(b)) for a, b in json.loads(row.tiers))
        return StandingRate(provider_bic, source, target, tiers)

    def add_quote(self, q: Quote, requested_by: str) -> None:
        """Keep the quote to be written with the unit's others at `flush` (the unit's commit),
        already marked used if a payment of the same unit claims it."""
        self._quotes[q.id] = (q, requested_by, None)
        self._unwritten[q.id] = dict(
            id=q.id,
            provider_bic=q.provider_id,
            requested_by_bic=requested_by,
            source_currency=q.source_currency,
            target_currency=q.target_currency,
            source_amount_minor=q.source_amount_minor,
            target_amount_minor=q.target_amount_minor,
            rate=str(q.rate),
            reference_rate=str(q.reference_rate),
            spread_bps=q.spread_bps,
            margin_minor=q.margin_minor,
            created_at=ns_from_utc(q.created_at),
            expires_at=ns_from_utc(q.expires_at),
            used_by_uetr=None,
        )

    def flush(self) -> None:
        if self._unwritten:
            self.conn.execute(_ADD_QUOTE, list(self._unwritten.values()))
            self._unwritten.clear()

    def quote(self, quote_id: str) -> tuple[Quote, str, str | None] | None:
        """The quote, who requested it, and the payment that used it (if any)."""
        if quote_id in self._quotes:
            return self._quotes[quote_id]
        row = self.conn.execute(sa.select(fx_quotes).where(fx_quotes.c.id == quote_id)).first()
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
            utc_from_ns(row.created_at),
            utc_from_ns(row.expires_at),
        )
        return q, row.requested_by_bic, row.used_by_uetr

    def mark_used(self, quote_id: str, uetr: str) -> None:
        if quote_id in self._quotes:
            q, requested_by, _ = self._quotes[quote_id]
            self._quotes[quote_id] = (q, requested_by, uetr)
        if quote_id in self._unwritten:
            self._unwritten[quote_id]["used_by_uetr"] = uetr
            return
        self.conn.execute(_MARK_USED, {"quote_id": quote_id, "uetr": uetr})

"""What the FX desk needs from storage, and the unit of work it runs in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vostro.audit import AuditLog
from vostro.fx.quotes import Quote, StandingRate
from vostro.fx.rates import ReferenceRate


class FxRepository(Protocol):
    def put_reference_rates(self, rates: list[ReferenceRate]) -> None: ...

    def reference_rates(self) -> Sequence[ReferenceRate]: ...

    def put_standing_rate(self, standing: StandingRate) -> None: ...

    def standing_rate(self, provider_bic: str, source: str, target: str) -> StandingRate | None: ...

    def add_quote(self, q: Quote, requested_by: str) -> None: ...

    def quote(self, quote_id: str) -> tuple[Quote, str, str | None] | None: ...

    def mark_used(self, quote_id: str, uetr: str) -> None: ...


class FxUnit(Protocol):
    fx: FxRepository
    audit: AuditLog

"""The operator's side of compliance: load screening lists, decide held payments, set limits.

`Compliance` is what the entrypoints (the command line, the HTTP service) call. Its methods are
synchronous and keep no per-thread state; the service runs them on its single writer thread. Each
write is one transaction with its audit entry (who, why, and where from: `origin`), and refuses
bad input with a `ComplianceError` (or `ListError`, `LimitError`, `UnknownCurrency`) before it
changes anything.

Decisions on a held payment (DESIGN.md §7):

* `release` — the payment goes on (settles, or goes where it would have gone); with
  `remember=True` every name hit of its screening is remembered as a false positive for that
  party, entity and list version, so the next payment naming the party passes (and says so);
* `reject` — its reservation is voided and it is rejected with RR04 (a pacs.002 RJCT can be
  rendered for it: `iso20022.outbound.payment_status_report`);
* `expire_holds` — every hold past its deadline is rejected (RR04) by `system`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from vostro import audit
from vostro.compliance.limits import ALL, Limit
from vostro.compliance.lists import ScreeningList
from vostro.compliance.screener import ActiveList, ListScreener, parse_list
from vostro.compliance.store import LIST_FORMATS, ListStore, StoredList, party_key
from vostro.config import HOLD_DEADLINE_MAX_S, HOLD_DEADLINE_S, Settings
from vostro.errors import VostroError
from vostro.participants.registry import Registry
from vostro.payments.model import Hold, HoldStatus, Payment, Reason, State
from vostro.payments.repository import HOLDS_LISTED_MAX
from vostro.payments.service import PaymentService

LIST_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# A list is held in memory twice while it is replaced (old and new index); OpenSanctions' full
# sanctions collection as FollowTheMoney lines is a few hundred megabytes.
LIST_BYTES_MAX = 1 << 30
LIST_SOURCE_CHARS_MAX = 255
ACTOR_CHARS_MAX = 64  # audit_log.actor
REASON_CHARS_MAX = 1_000
SYSTEM = "system"  # the actor of automatic decisions (expiry)


class ComplianceError(VostroError, ValueError):
    """A compliance request that cannot be carried out as asked; nothing was changed."""


class NoSuchPayment(ComplianceError):
    """No payment has that UETR."""


class NotHeld(ComplianceError):
    """The payment is not waiting for a decision."""


class NoSuchList(ComplianceError):
    """No active list has that name."""


@dataclass(frozen=True, slots=True)
class HeldPayment:
    """A hold as an operator reviews it: the payment, why it is held, and until when."""

    uetr: str
    debtor_agent: str
    creditor_agent: str
    debtor_name: str
    creditor_name: str
    flow: str
    source_amount_minor: int
    source_currency: str
    target_amount_minor: int
    target_currency: str
    held_at: int
    deadline_at: int
    reserved: bool
    status: HoldStatus
    score: float | None
    reason: str  # the screening's reason: which name matched what, on which list version
    hits: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class Compliance:
    """Screening lists, held payments, remembered false positives and limits."""

    def __init__(
        self,
        payments: PaymentService,
        registry: Registry,
        *,
        threshold: float | None = None,
        hold_deadline_s: int = HOLD_DEADLINE_S,
    ) -> None:
        assert 0 < hold_deadline_s <= HOLD_DEADLINE_MAX_S, hold_deadline_s
        self.payments = payments
        self.registry = registry
        self.engine: sa.Engine = payments.repo.engine
        self.store = ListStore(self.engine)
        self.screener = (
            ListScreener(self.store)
            if threshold is None
            else ListScreener(self.store, threshold=threshold)
        )
        # Every payment is screened from now on: with no list loaded the screener passes it and
        # says so; once one is loaded (here or by another process), it screens against it.
        payments.screener = self.screener
        payments.hold_deadline_s = hold_deadline_s

    @classmethod
    def from_settings(
        cls, payments: PaymentService, registry: Registry, settings: Settings
    ) -> Compliance:
        return cls(
            payments,
            registry,
            threshold=settings.screening_threshold,
            hold_deadline_s=settings.hold_deadline_s,
        )

    @property
    def clock(self) -> Callable[[], int]:
        return self.payments.clock

    # ----------------------------------------------------------------------- lists
    def load_list(
        self,
        name: str,
        data: bytes,
        fmt: str,
        actor: str,
        origin: str | None = None,
        *,
        source: str | None = None,
        parsed: ScreeningList | None = None,
    ) -> StoredList:
        """Load (or reload) a list under `name`: parsed and indexed in full, stored, audited,
        then swapped in atomically. Loading the version already active changes nothing."""
        actor = _actor(actor)
        if not isinstance(name, str) or not LIST_NAME_RE.match(name):
            raise ComplianceError(
                f"list name {name!r}: 1-64 letters, digits, '.', '_' or '-', starting with a "
                "letter or digit"
            )
        if fmt not in LIST_FORMATS:
            raise ComplianceError(f"list format {fmt!r} is not one of {', '.join(LIST_FORMATS)}")
        if not isinstance(data, bytes) or not data:
            raise ComplianceError(f"list {name}: no data")
        if len(data) > LIST_BYTES_MAX:
            raise ComplianceError(f"list {name}: {len(data)} bytes, over {LIST_BYTES_MAX}")
        source = (source or f"{name}.{fmt}")[:LIST_SOURCE_CHARS_MAX]
        # Parsed beforehand (off the writer, so payments go on meanwhile) or here; ListError
        # names the bad line.
        screening = parsed if parsed is not None else parse_list(data, fmt, source)
        if not screening.entities:
            raise ComplianceError(f"list {name}: no entity with a name in {source}")
        previous = self._stored(name)
        if previous is not None and previous.version == screening.version:
            return previous
        stored = StoredList(
            name, fmt, screening.version, source, len(screening.entities), self.clock(), actor
        )
        with self.engine.begin() as conn:
            ListStore.put(conn, stored, data)
            audit.record(
                conn,
                actor,
                "list.loaded",
                name,
                origin=origin,
                format=fmt,
                version=stored.version,
                previous_version=previous.version if previous else None,
                entities=stored.entities,
                source=source,
            )
        self.screener.install(ActiveList(stored, screening))
        return stored

    def remove_list(
        self, name: str, actor: str, reason: str, origin: str | None = None
    ) -> StoredList:
        actor, reason = _actor(actor), _reason(reason)
        previous = self._stored(name)
        if previous is None:
            raise NoSuchList(f"no list is named {name!r}")
        with self.engine.begin() as conn:
            ListStore.remove(conn, name)
            audit.record(
                conn,
                actor,
                "list.removed",
                name,
                origin=origin,
                reason=reason,
                version=previous.version,
            )
        self.screener.drop(name)
        return previous

    def lists(self) -> list[StoredList]:
        """The active lists (as stored: every process screens with these)."""
        return self.store.lists()

    def refresh(self) -> list[str]:
        """Take up lists another process loaded or removed; returns the names that changed."""
        return self.screener.refresh()

    def _stored(self, name: str) -> StoredList | None:
        return next((s for s in self.store.lists() if s.name == name), None)

    # ----------------------------------------------------------------------- holds
    def holds(self, limit: int = HOLDS_LISTED_MAX) -> list[HeldPayment]:
        """Payments waiting for a decision, the soonest deadline first."""
        found = []
        for hold in self.payments.repo.holds(HoldStatus.HELD, limit):
            payment = self.payments.repo.get(hold.uetr)
            assert payment is not None, f"hold {hold.uetr} has no payment"
            found.append(self._view(payment, hold))
        return found

    def _view(self, p: Payment, hold: Hold) -> HeldPayment:
        screening = self._latest_screening(p.uetr)
        return HeldPayment(
            p.uetr,
            p.debtor_agent,
            p.creditor_agent,
            p.debtor_name,
            p.creditor_name,
            p.flow,
            p.source_amount_minor,
            p.source_currency,
            p.target_amount_minor,
            p.target_currency,
            hold.held_at,
            hold.deadline_at,
            hold.reserved,
            hold.status,
            screening["score"] if screening else None,
            screening["reason"] if screening else "",
            _holding(screening),
        )

    def release(
        self,
        uetr: str,
        actor: str,
        reason: str,
        remember: bool = False,
        origin: str | None = None,
    ) -> Payment:
        """Release a held payment: it settles (its funds were reserved) or goes on its way."""
        actor, reason = _actor(actor), _reason(reason)
        _, hold = self._held(uetr)
        if hold.status is not HoldStatus.HELD:  # released, then interrupted: finish it
            return self.payments.release_held(uetr, "", lambda conn: None)
        hits = _holding(self._latest_screening(uetr))
        if remember and any(h["how"] == "identifier" for h in hits):
            raise ComplianceError(
                f"payment {uetr} is held on a listed identifier, which is the listed party "
                "itself: it can be released, but not remembered as a false positive"
            )
        remembered = [
            f"{h['party']!r} ~ {h['entity_id']} ({h['list_name']}@{h['list_version']})"
            for h in hits
            if remember
        ]
        note = f"released by {actor}: {reason}" + (
            "; remembered as false positives: " + ", ".join(remembered) if remembered else ""
        )
        now = self.clock()

        def record(conn: sa.Connection) -> None:
            self.payments.repo.decide_hold(conn, uetr, HoldStatus.RELEASED, now, actor, reason)
            for h in hits if remember else []:
                ListStore.remember(
                    conn,
                    party_key(h["party"]),
                    h["entity_id"],
                    h["list_name"],
                    h["list_version"],
                    uetr=uetr,
                    at=now,
                    by=actor,
                    reason=reason,
                )
            audit.record(
                conn,
                actor,
                "hold.released",
                uetr,
                origin=origin,
                reason=reason,
                remembered=remembered,
                reserved=hold.reserved,
            )

        return self.payments.release_held(uetr, note, record)

    def reject(self, uetr: str, actor: str, reason: str, origin: str | None = None) -> Payment:
        """Reject a held payment (RR04): its reservation is voided, nothing moves."""
        actor, reason = _actor(actor), _reason(reason)
        _, hold = self._held(uetr)
        if hold.status is not HoldStatus.HELD:
            raise NotHeld(f"payment {uetr} was already {hold.status} by {hold.decided_by}")
        text = f"rejected by {actor} on sanctions review: {reason}"
        now = self.clock()

        def record(conn: sa.Connection) -> None:
            self.payments.repo.decide_hold(conn, uetr, HoldStatus.REJECTED, now, actor, reason)
            audit.record(
                conn,
                actor,
                "hold.rejected",
                uetr,
                origin=origin,
                reason=reason,
                reason_code=str(Reason.REGULATORY),
                reserved=hold.reserved,
            )

        return self.payments.reject_held(uetr, Reason.REGULATORY, text, record)

    def expire_holds(self) -> list[str]:
        """Reject (RR04) every held payment past its deadline; returns their UETRs."""
        now = self.clock()
        expired = []
        for hold in self.payments.repo.due_holds(now):
            payment = self.payments.repo.get(hold.uetr)
            if payment is None or payment.state is not State.HELD:
                continue
            waited_s = (now - hold.held_at) // 1_000_000_000
            text = (
                f"no decision on its sanctions screening hit by the deadline: rejected after "
                f"{waited_s} s on hold"
            )

            def record(conn: sa.Connection, uetr: str = hold.uetr, text: str = text) -> None:
                self.payments.repo.decide_hold(conn, uetr, HoldStatus.EXPIRED, now, SYSTEM, text)
                audit.record(
                    conn,
                    SYSTEM,
                    "hold.expired",
                    uetr,
                    reason=text,
                    reason_code=str(Reason.REGULATORY),
                )

            self.payments.reject_held(hold.uetr, Reason.REGULATORY, text, record)
            expired.append(hold.uetr)
        return expired

    def screenings(self, uetr: str) -> list[dict[str, Any]]:
        """Every screening of the payment, oldest first: decision, list versions, best score,
        reason and each match (party, listed name, entity, how, score, override)."""
        return self.payments.repo.screenings(uetr)

    def _latest_screening(self, uetr: str) -> dict[str, Any] | None:
        found = self.payments.repo.screenings(uetr)
        return found[-1] if found else None

    def _held(self, uetr: str) -> tuple[Payment, Hold]:
        payment = self.payments.repo.get(uetr) if isinstance(uetr, str) else None
        if payment is None:
            raise NoSuchPayment(f"no payment has UETR {uetr!r}")
        hold = self.payments.repo.hold(uetr)
        if payment.state is not State.HELD or hold is None:
            raise NotHeld(f"payment {uetr} is {payment.state}, not held")
        return payment, hold

    # ---------------------------------------------------------------------- limits
    def set_limit(
        self,
        participant: str,
        flow: str,
        currency: str,
        *,
        per_payment_max_minor: int | None = None,
        per_day_max_minor: int | None = None,
        actor: str,
        origin: str | None = None,
    ) -> Limit:
        """Set the per-payment and/or per-day maximum for a payer (or "*") and flow (or "*") in
        a currency; replaces the limit of that scope."""
        return self.payments.limits.set(
            self._payer(participant),
            flow,
            currency,
            per_payment_max_minor=per_payment_max_minor,
            per_day_max_minor=per_day_max_minor,
            actor=_actor(actor),
            origin=origin,
        )

    def remove_limit(
        self, participant: str, flow: str, currency: str, *, actor: str, origin: str | None = None
    ) -> Limit:
        return self.payments.limits.remove(
            self._payer(participant), flow, currency, actor=_actor(actor), origin=origin
        )

    def limits(self) -> list[Limit]:
        return self.payments.limits.all()

    def _payer(self, participant: str) -> str:
        if participant == ALL:
            return ALL
        found = self.registry.find(participant)  # InvalidBic for a malformed one
        if found is None:
            raise ComplianceError(f"{participant} is not a participant")
        return found.bic


def _holding(screening: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The findings that held the payment: hits no remembered false positive covered."""
    if screening is None:
        return []
    return [f for f in screening["findings"] if f["hit"] and f["override_id"] is None]


def _actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise ComplianceError("say who is acting (for the audit log)")
    if len(actor) > ACTOR_CHARS_MAX:
        raise ComplianceError(f"the actor's name is over {ACTOR_CHARS_MAX} characters")
    return actor.strip()


def _reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ComplianceError("a decision needs a reason (for the audit log and the history)")
    if len(reason) > REASON_CHARS_MAX:
        raise ComplianceError(f"the reason is over {REASON_CHARS_MAX} characters")
    return reason.strip()

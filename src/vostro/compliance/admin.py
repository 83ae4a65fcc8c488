"""The operator's side of compliance: load and remove screening lists, set and remove limits.

`Compliance` is what the platform exposes to the entrypoints. Each method is one command on a
unit of work and writes its audit entry (who, why, and where from: `origin`) in it; bad input is
refused with a `ComplianceError` (or `ListError`, `LimitError`, `UnknownCurrency`) before
anything changes. A loaded list is swapped into the screener only once its unit has committed.
Decisions on held payments are the payment lifecycle's (`payments.holds`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vostro.compliance.limits import ALL, LIMITS_MAX, Limit, LimitError, new_limit
from vostro.compliance.lists import ScreeningList
from vostro.compliance.ports import ComplianceUnit
from vostro.compliance.screener import ActiveList, ListScreener, parse_list
from vostro.compliance.stored import LIST_FORMATS, StoredList
from vostro.errors import VostroError
from vostro.participants.bic import normalize_bic

LIST_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# A list is held in memory twice while it is replaced (old and new index); OpenSanctions' full
# sanctions collection as FollowTheMoney lines is a few hundred megabytes.
LIST_BYTES_MAX = 1 << 30
LIST_SOURCE_CHARS_MAX = 255
ACTOR_CHARS_MAX = 64  # audit_log.actor
REASON_CHARS_MAX = 1_000
# Whether a BIC is a registered participant (given by the platform, from the registry).
ParticipantCheck = Callable[[Any, str], bool]


class ComplianceError(VostroError, ValueError):
    """A compliance request that cannot be carried out as asked; nothing was changed."""


class NoSuchList(ComplianceError):
    """No active list has that name."""


class Compliance:
    """Screening lists and limits. `is_participant(uow, bic)` says whether a BIC is registered
    (limits are set for registered payers only)."""

    def __init__(self, screener: ListScreener, participants: ParticipantCheck) -> None:
        self.screener = screener
        self.participants = participants

    # ----------------------------------------------------------------------- lists
    def load_list(
        self,
        uow: ComplianceUnit,
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
        then swapped in once committed. Loading the version already active changes nothing."""
        actor = check_actor(actor)
        _check_list(name, data, fmt)
        source = (source or f"{name}.{fmt}")[:LIST_SOURCE_CHARS_MAX]
        # Parsed beforehand (off the writer, so payments go on meanwhile) or here; ListError
        # names the bad line.
        screening = parsed if parsed is not None else parse_list(data, fmt, source)
        if not screening.entities:
            raise ComplianceError(f"list {name}: no entity with a name in {source}")
        previous = _stored(uow, name)
        if previous is not None and previous.version == screening.version:
            return previous
        stored = StoredList(
            name, fmt, screening.version, source, len(screening.entities), uow.clock(), actor
        )
        uow.lists.put(stored, data)
        uow.audit.record(
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
        uow.after_commit(lambda: self.screener.install(ActiveList(stored, screening)))
        return stored

    def remove_list(
        self, uow: ComplianceUnit, name: str, actor: str, reason: str, origin: str | None = None
    ) -> StoredList:
        actor, reason = check_actor(actor), check_reason(reason)
        previous = _stored(uow, name)
        if previous is None:
            raise NoSuchList(f"no list is named {name!r}")
        uow.lists.remove(name)
        uow.audit.record(
            actor, "list.removed", name, origin=origin, reason=reason, version=previous.version
        )
        uow.after_commit(lambda: self.screener.drop(name))
        return previous

    def lists(self, uow: ComplianceUnit) -> list[StoredList]:
        """The active lists (as stored: every process screens with these)."""
        return uow.lists.lists()

    def refresh(self, uow: ComplianceUnit) -> list[str]:
        """Take up lists another process loaded or removed; returns the names that changed."""
        del uow  # the screener reads the committed lists through its own source
        return self.screener.refresh()

    # ---------------------------------------------------------------------- limits
    def set_limit(
        self,
        uow: ComplianceUnit,
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
        payer = self._payer(uow, participant)
        limit = new_limit(
            payer,
            flow,
            currency,
            per_payment_max_minor=per_payment_max_minor,
            per_day_max_minor=per_day_max_minor,
            at_ns=uow.clock(),
            actor=check_actor(actor),
        )
        existing = uow.limits.get(payer, flow, currency)
        if existing is None and uow.limits.count() >= LIMITS_MAX:
            raise LimitError(f"at most {LIMITS_MAX} limits may be set; remove one first")
        uow.limits.put(limit)
        uow.audit.record(
            limit.set_by,
            "limit.set",
            f"{payer}/{flow}/{currency}",
            origin=origin,
            per_payment_max_minor=per_payment_max_minor,
            per_day_max_minor=per_day_max_minor,
            previous=None if existing is None else existing.as_dict(),
        )
        return limit

    def remove_limit(
        self,
        uow: ComplianceUnit,
        participant: str,
        flow: str,
        currency: str,
        *,
        actor: str,
        origin: str | None = None,
    ) -> Limit:
        payer, actor = self._payer(uow, participant), check_actor(actor)
        existing = uow.limits.get(payer, flow, currency)
        if existing is None:
            raise LimitError(f"no limit is set for {payer}/{flow}/{currency}")
        uow.limits.remove(payer, flow, currency)
        uow.audit.record(
            actor,
            "limit.removed",
            f"{payer}/{flow}/{currency}",
            origin=origin,
            previous=existing.as_dict(),
        )
        return existing

    def limits(self, uow: ComplianceUnit) -> list[Limit]:
        return uow.limits.all(LIMITS_MAX)

    def _payer(self, uow: ComplianceUnit, participant: str) -> str:
        if participant == ALL:
            return ALL
        bic = normalize_bic(participant)  # InvalidBic for a malformed one
        if not self.participants(uow, bic):
            raise ComplianceError(f"{participant} is not a participant")
        return bic


def _check_list(name: str, data: bytes, fmt: str) -> None:
    if not isinstance(name, str) or not LIST_NAME_RE.fullmatch(name):
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


def _stored(uow: ComplianceUnit, name: str) -> StoredList | None:
    return next((s for s in uow.lists.lists() if s.name == name), None)


def check_actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise ComplianceError("say who is acting (for the audit log)")
    if len(actor) > ACTOR_CHARS_MAX:
        raise ComplianceError(f"the actor's name is over {ACTOR_CHARS_MAX} characters")
    return actor.strip()


def check_reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ComplianceError("a decision needs a reason (for the audit log and the history)")
    if len(reason) > REASON_CHARS_MAX:
        raise ComplianceError(f"the reason is over {REASON_CHARS_MAX} characters")
    return reason.strip()

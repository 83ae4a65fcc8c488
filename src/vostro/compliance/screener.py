"""Sanctions screening of a payment's parties against every active list (`Screener` for the
payment service).

Parties screened: the debtor's and the creditor's names (fuzzy, across scripts, by
`compliance.lists.screen_name`), and the debtor's and creditor's agents by BIC (exact identifier
matches, in both the 8- and 11-character forms). A name scoring at least the threshold
(`VOSTRO_SCREENING_THRESHOLD`) is a hit, and so is every exact identifier match; any hit holds the
payment, except a name hit an operator has released as a false positive for that party, entity and
list version (`compliance.stored`). Identifier hits are never overridden: a listed BIC is the
listed bank, not a look-alike.

**Reloading never interrupts screening.** The active lists are one immutable tuple. A reload
parses and indexes the new list completely first, then replaces the tuple in one assignment (under
a lock that only reloaders take); a screening reads the tuple once and uses that snapshot
throughout, so it sees either the old lists or the new ones, never a mixture or a half-built
index. Stored lists are parsed on first use, not when a process opens the platform.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from vostro.compliance.lists import (
    Match,
    ScreeningList,
    parse_csv,
    parse_ftm,
    screen_name,
)
from vostro.compliance.ports import ListSource
from vostro.compliance.results import NOT_SCREENED, Decision, Finding, ScreeningResult
from vostro.compliance.stored import Override, StoredList, party_key
from vostro.config import HIT_THRESHOLD
from vostro.errors import invariant

MATCHES_PER_PARTY_MAX = 5  # candidates kept per party and list (the best, and every hit)
REASON_HITS_MAX = 5  # hits spelled out in a payment's history (all are kept in `screenings`)


class Parties(Protocol):
    """What screening reads of a payment (`payments.model.Payment` has it)."""

    debtor_name: str
    creditor_name: str
    debtor_agent: str
    creditor_agent: str


@dataclass(frozen=True, slots=True)
class ActiveList:
    stored: StoredList
    screening: ScreeningList


@dataclass(frozen=True, slots=True)
class Party:
    role: str
    name: str
    identifiers: tuple[str, ...] = ()


def parse_list(data: bytes, fmt: str, source: str) -> ScreeningList:
    """Parse and index a list's bytes (`ListError` names the bad line)."""
    return parse_csv(data, source) if fmt == "csv" else parse_ftm(data, source)


class ListScreener:
    """Screens payments against the active lists; thread-safe, with atomic reloads."""

    def __init__(self, store: ListSource, *, threshold: float = HIT_THRESHOLD) -> None:
        invariant(0 < threshold <= 100, f"a screening threshold is in (0, 100], not {threshold}")
        self.store = store
        self.threshold = threshold
        self._active: tuple[ActiveList, ...] | None = None  # None until first read
        self._lock = threading.Lock()  # taken by loaders only, never by a screening

    # --------------------------------------------------------------- active lists
    def active(self) -> tuple[ActiveList, ...]:
        snapshot = self._active
        if snapshot is None:
            with self._lock:
                if self._active is None:
                    self._active = tuple(self._parse_stored(self.store.lists()))
                snapshot = self._active
        return snapshot

    def install(self, active: ActiveList) -> None:
        """Make a fully built list active, replacing the one of the same name in one step."""
        with self._lock:
            current = self._active
            if current is None:
                current = tuple(self._parse_stored(self.store.lists()))
            kept = [a for a in current if a.stored.name != active.stored.name]
            self._active = tuple(sorted([*kept, active], key=lambda a: a.stored.name))

    def drop(self, name: str) -> None:
        with self._lock:
            if self._active is not None:
                self._active = tuple(a for a in self._active if a.stored.name != name)

    def refresh(self) -> list[str]:
        """Catch up with lists another process loaded or removed; returns the names changed.
        Screening goes on with the old lists while the changed ones are parsed."""
        self.active()
        with self._lock:
            stored = {s.name: s for s in self.store.lists()}
            current = {a.stored.name: a for a in self._active or ()}
            changed = sorted(
                name
                for name in set(stored) | set(current)
                if name not in stored
                or name not in current
                or stored[name].version != current[name].stored.version
            )
            fresh = self._parse_stored([stored[n] for n in changed if n in stored])
            merged = {n: a for n, a in current.items() if n in stored}
            merged.update((a.stored.name, a) for a in fresh)
            self._active = tuple(merged[n] for n in sorted(merged))
        return changed

    def _parse_stored(self, lists: Sequence[StoredList]) -> list[ActiveList]:
        parsed = []
        for stored in lists:
            data = self.store.data(stored.name)
            if data is None:  # removed meanwhile
                continue
            parsed.append(ActiveList(stored, parse_list(data, stored.format, stored.source)))
        return parsed

    # ------------------------------------------------------------------ screening
    def screen(self, payment: Parties) -> ScreeningResult:
        lists = self.active()  # one snapshot for the whole screening
        if not lists:
            return ScreeningResult(Decision.PASS, NOT_SCREENED)
        findings = [
            finding
            for active in lists
            for party in parties(payment)
            for finding in self._screen_party(active, party)
        ]
        findings = self._apply_overrides(findings)
        versions = {a.stored.name: a.stored.version for a in lists}
        return _result(findings, versions)

    def _screen_party(self, active: ActiveList, party: Party) -> list[Finding]:
        if not party.name.strip() and not party.identifiers:
            return []
        matches = screen_name_safely(
            active.screening, party, threshold=self.threshold, limit=MATCHES_PER_PARTY_MAX
        )
        hits = [m for m in matches if m.hit]
        kept = hits or sorted(matches, key=lambda m: -m.score)[:1]
        return [_finding(active, party, m) for m in kept]

    def _apply_overrides(self, findings: list[Finding]) -> list[Finding]:
        name_hits = [f for f in findings if f.hit and f.how != "identifier"]
        if not name_hits:
            return findings
        known: dict[tuple[str, str, str, str], Override] = {
            (o.party_key, o.entity_id, o.list_name, o.list_version): o
            for o in self.store.overrides(
                (party_key(f.party) for f in name_hits), (f.list_version for f in name_hits)
            )
        }
        result = []
        for f in findings:
            key = (party_key(f.party), f.entity_id, f.list_name, f.list_version)
            override = known.get(key) if f.hit and f.how != "identifier" else None
            if override is None:
                result.append(f)
                continue
            result.append(replace(f, override_id=override.id))
        return result


def parties(payment: Parties) -> list[Party]:
    """Everyone a payment names: the debtor and creditor, and their agents (by BIC)."""
    return [
        Party("debtor", payment.debtor_name),
        Party("creditor", payment.creditor_name),
        Party("debtor agent", "", bic_forms(payment.debtor_agent)),
        Party("creditor agent", "", bic_forms(payment.creditor_agent)),
    ]


def bic_forms(bic: str) -> tuple[str, ...]:
    """A BIC as lists may hold it: 8 characters, or 11 with the head office's `XXX`."""
    if len(bic) == 8:
        return (bic, bic + "XXX")
    if len(bic) == 11 and bic.endswith("XXX"):
        return (bic, bic[:8])
    return (bic,)


def screen_name_safely(
    screening: ScreeningList, party: Party, *, threshold: float, limit: int
) -> list[Match]:
    """`screen_name`, keeping name matches only for a party that has a name."""
    matches = screen_name(
        screening, party.name, threshold=threshold, identifiers=party.identifiers, limit=limit
    )
    if party.name.strip():
        return matches
    given = {_identifier_key(i) for i in party.identifiers}
    return [m for m in matches if _identifier_key(m.name) in given]


def _finding(active: ActiveList, party: Party, m: Match) -> Finding:
    stored = active.stored
    by_identifier = bool(party.identifiers) and _identifier_key(m.name) in {
        _identifier_key(i) for i in party.identifiers
    }
    entity = active.screening.entities.get(m.entity_id)
    caption = entity.caption if entity is not None else m.entity_id
    where = f"on list {stored.name} version {stored.version}"
    if by_identifier:
        how = "identifier"
        reason = (
            f"{party.role} identifier {m.name} is listed for {caption!r} ({m.entity_id}) {where}"
        )
        shown = m.name
    else:
        how = _how(party.name, m.name)
        reason = (
            f"{party.role} {party.name!r} ~ listed {m.name!r} ({caption}, {m.entity_id}; {how}) "
            f"{where}: score {m.score:.1f}"
        )
        shown = party.name
    return Finding(
        role=party.role,
        party=shown,
        list_name=stored.name,
        list_version=stored.version,
        entity_id=m.entity_id,
        listed_name=m.name,
        score=float(m.score),
        hit=m.hit,
        how=how,
        reason=reason,
    )


def _how(name: str, listed: str) -> str:
    ours, theirs = _script(name), _script(listed)
    if ours and theirs and ours != theirs:
        return f"name, across scripts ({ours.title()} → {theirs.title()})"
    return "name"


def _script(text: str) -> str | None:
    """The script of a text's first letter (LATIN, CYRILLIC, DEVANAGARI, ...)."""
    for ch in text:
        if ch.isalpha():
            return unicodedata.name(ch, "UNKNOWN").split(" ")[0]
    return None


def _identifier_key(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _result(findings: list[Finding], versions: dict[str, str]) -> ScreeningResult:
    used = ", ".join(f"{name}@{version}" for name, version in versions.items())
    score = max((f.score for f in findings), default=None)
    holding = [f for f in findings if f.holds]
    overridden = [f for f in findings if f.hit and f.override_id is not None]
    if holding:
        shown = "; ".join(f.reason for f in holding[:REASON_HITS_MAX])
        more = len(holding) - REASON_HITS_MAX
        reason = (
            f"screening hit against {used}: {shown}"
            + (f" (and {more} more)" if more > 0 else "")
            + "; to be held for an operator's decision"
        )
        decision = Decision.HOLD
    else:
        reason = f"passed screening against {used}"
        if overridden:
            reason += ": " + "; ".join(
                f"{f.reason}, passed as a false positive remembered by override #{f.override_id} "
                f"for list version {f.list_version}"
                for f in overridden[:REASON_HITS_MAX]
            )
        elif score is not None:
            reason += f" (best score {score:.1f}, below the threshold)"
        else:
            reason += " (no party near any listed name)"
        decision = Decision.PASS
    return ScreeningResult(
        decision,
        reason,
        list_version=used,
        lists=dict(versions),
        findings=tuple(findings),
        score=score,
    )

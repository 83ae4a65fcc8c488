"""Sanctions and watch lists: FollowTheMoney entities (the format OpenSanctions publishes) and an
operator's own CSV list, read into a versioned screening list.

A list's version is the SHA-256 of its bytes: every screening records which version it used, and a
reloaded list is a new version (the old one stays usable until the new one is in place).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vostro.compliance.matching import Candidate, NameIndex
from vostro.config import HIT_THRESHOLD
from vostro.errors import VostroError

# Default score at which a name match holds a payment: calibrated on the labelled pairs
# (tests/fixtures/screening), where 83 gives recall 0.982 at precision 0.957; 88 would miss
# 2.6 % of true matches (recall 0.974) for precision 0.991. Missing a listed party costs more
# than an operator's review of a false hit. Configuration: VOSTRO_SCREENING_THRESHOLD.


class ListError(VostroError, ValueError):
    """A list file that cannot be read; the message names the line."""


@dataclass
class ListedEntity:
    id: str
    schema: str
    caption: str
    names: list[str]
    identifiers: list[str]


@dataclass
class ScreeningList:
    version: str
    source: str
    entities: dict[str, ListedEntity] = field(default_factory=dict)
    index: NameIndex = field(default_factory=NameIndex)
    by_identifier: dict[str, str] = field(default_factory=dict)

    def add(self, entity: ListedEntity) -> None:
        self.entities[entity.id] = entity
        for name in entity.names:
            self.index.add(entity.id, name)
        for identifier in entity.identifiers:
            self.by_identifier[_identifier_key(identifier)] = entity.id


@dataclass(frozen=True, slots=True)
class Match:
    entity_id: str
    name: str  # the listed name that matched
    score: float
    hit: bool
    reason: str


def load_ftm(path: Path) -> ScreeningList:
    """Newline-delimited FollowTheMoney entities (Person, Company, Organization, ...)."""
    return parse_ftm(path.read_bytes(), str(path))


def parse_ftm(data: bytes, source: str) -> ScreeningList:
    """`load_ftm` on a list's bytes (an upload, a stored copy); `source` names it in errors."""
    # FollowTheMoney's model takes most of a second to load: only a list being parsed needs it,
    # not every command that opens the platform.
    from followthemoney import model
    from followthemoney.exc import InvalidData
    from followthemoney.types import registry

    screening = ScreeningList(hashlib.sha256(data).hexdigest()[:16], source)
    for number, line in enumerate(io.StringIO(_text(data, source)), start=1):
        if not line.strip():
            continue
        try:
            entity = json.loads(line)
            if not isinstance(entity, dict):
                raise TypeError(f"a JSON {type(entity).__name__}, not an object")
            proxy = model.get_proxy(entity)
        except (json.JSONDecodeError, InvalidData, KeyError, TypeError, ValueError) as error:
            raise ListError(f"{source}:{number}: not a FollowTheMoney entity ({error})") from None
        names = sorted(proxy.get_type_values(registry.name))
        if not names:
            continue
        screening.add(
            ListedEntity(
                str(proxy.id),
                proxy.schema.name,
                proxy.caption,
                names,
                sorted(proxy.get_type_values(registry.identifier)),
            )
        )
    return screening


def load_csv(path: Path) -> ScreeningList:
    """An operator's own list: a header `id,name,aliases,identifiers` (`;` separates values)."""
    return parse_csv(path.read_bytes(), str(path))


def parse_csv(data: bytes, source: str) -> ScreeningList:
    """`load_csv` on a list's bytes; `source` names it in errors."""
    screening = ScreeningList(hashlib.sha256(data).hexdigest()[:16], source)
    reader = csv.DictReader(io.StringIO(_text(data, source)))
    if reader.fieldnames is None or not {"id", "name"} <= set(reader.fieldnames):
        raise ListError(f"{source}: the header must have at least id and name")
    for number, row in enumerate(reader, start=2):
        if not row.get("id") or not row.get("name"):
            raise ListError(f"{source}:{number}: id and name are required")
        aliases = [a for a in (row.get("aliases") or "").split(";") if a.strip()]
        identifiers = [i for i in (row.get("identifiers") or "").split(";") if i.strip()]
        screening.add(
            ListedEntity(
                row["id"], "LegalEntity", row["name"], [row["name"], *aliases], identifiers
            )
        )
    return screening


def screen_name(
    screening: ScreeningList,
    name: str,
    *,
    threshold: float = HIT_THRESHOLD,
    identifiers: Sequence[str] = (),
    limit: int = 10,
) -> list[Match]:
    """Matches for one party: exact identifier hits first (always a hit), then names."""
    matches = [
        Match(entity_id, identifier, 100.0, True, f"identifier {identifier} is listed")
        for identifier in identifiers
        if (entity_id := screening.by_identifier.get(_identifier_key(identifier)))
    ]
    for candidate in screening.index.search(name, limit=limit):
        matches.append(_name_match(candidate, name, threshold))
    return matches[:limit]


def _name_match(candidate: Candidate, name: str, threshold: float) -> Match:
    return Match(
        candidate.key,
        candidate.name,
        candidate.score,
        candidate.score >= threshold,
        f"{name!r} ~ listed {candidate.name!r}: score {candidate.score}",
    )


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ListError(f"{source}: not UTF-8 text (byte {error.start})") from None


def _identifier_key(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())

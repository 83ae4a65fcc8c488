"""What compliance keeps: the active screening lists (stored with their bytes, so every process
screens with the same lists) and the false positives operators chose to remember.

A remembered false positive (an override) is keyed by the party's normalised name, the listed
entity and the list's name *and version*: the same party against the same entity of the same list
version passes; a new version of the list screens the party again, because the entity's names or
the list's reasons for listing it may have changed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

LIST_FORMATS = ("ftm", "csv")
PARTY_KEY_CHARS_MAX = 140  # as long as a name in a payment (Max140Text)


@dataclass(frozen=True, slots=True)
class StoredList:
    """An active list as stored: everything but its bytes."""

    name: str
    format: str  # ftm | csv
    version: str
    source: str
    entities: int
    loaded_at: int  # ns
    loaded_by: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "version": self.version,
            "source": self.source,
            "entities": self.entities,
            "loaded_at": self.loaded_at,
            "loaded_by": self.loaded_by,
        }


@dataclass(frozen=True, slots=True)
class Override:
    id: int
    party_key: str
    entity_id: str
    list_name: str
    list_version: str
    uetr: str
    created_at: int
    created_by: str
    reason: str


def party_key(name: str) -> str:
    """A party's name in the form overrides are kept under: compatibility-normalised, case-folded,
    words of letters and digits separated by one space (`"  OOO «Ромашка» "` → `"ооо ромашка"`).
    Deliberately plain (no transliteration): an override covers the name as it was reviewed."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.findall(r"\w+", text))[:PARTY_KEY_CHARS_MAX]

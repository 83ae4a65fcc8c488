"""Where compliance keeps its state: the active screening lists (with their bytes, so every process
screens with the same lists) and the false positives operators chose to remember.

A remembered false positive (an override) is keyed by the party's normalised name, the listed
entity and the list's name *and version*: the same party against the same entity of the same list
version passes; a new version of the list screens the party again, because the entity's names or
the list's reasons for listing it may have changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from vostro.store.schema import screening_lists, screening_overrides

LIST_FORMATS = ("ftm", "csv")
PARTY_KEY_CHARS_MAX = 140  # as long as a name in a payment (Max140Text)
OVERRIDES_LOOKED_UP_MAX = 1_000  # overrides read for one screening (bounds the query)


@dataclass(frozen=True, slots=True)
class StoredList:
    """An active list as stored: everything but its bytes, which `ListStore.data` reads."""

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


class ListStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # ----------------------------------------------------------------------- lists
    def lists(self) -> list[StoredList]:
        columns = [c for c in screening_lists.c if c.name != "data"]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*columns).order_by(screening_lists.c.name)).all()
        return [StoredList(**row._mapping) for row in rows]

    def data(self, name: str) -> bytes | None:
        query = sa.select(screening_lists.c.data).where(screening_lists.c.name == name)
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        return None if found is None else bytes(found)

    @staticmethod
    def put(conn: sa.Connection, stored: StoredList, data: bytes) -> None:
        """Replace the list of that name (in the caller's transaction)."""
        conn.execute(screening_lists.delete().where(screening_lists.c.name == stored.name))
        conn.execute(screening_lists.insert().values(**stored.as_dict(), data=data))

    @staticmethod
    def remove(conn: sa.Connection, name: str) -> None:
        conn.execute(screening_lists.delete().where(screening_lists.c.name == name))

    # ------------------------------------------------------------------- overrides
    def overrides(self, keys: Iterable[str], versions: Iterable[str]) -> list[Override]:
        """Overrides for any of these parties on any of these list versions."""
        keys, versions = sorted(set(keys)), sorted(set(versions))
        if not keys or not versions:
            return []
        query = (
            sa.select(screening_overrides)
            .where(
                screening_overrides.c.party_key.in_(keys),
                screening_overrides.c.list_version.in_(versions),
            )
            .order_by(screening_overrides.c.id)
            .limit(OVERRIDES_LOOKED_UP_MAX)
        )
        with self.engine.connect() as conn:
            return [Override(**row._mapping) for row in conn.execute(query)]

    @staticmethod
    def remember(
        conn: sa.Connection,
        key: str,
        entity_id: str,
        list_name: str,
        list_version: str,
        *,
        uetr: str,
        at: int,
        by: str,
        reason: str,
    ) -> bool:
        """Remember one false positive; False if it was already remembered."""
        exists = conn.execute(
            sa.select(screening_overrides.c.id).where(
                screening_overrides.c.party_key == key,
                screening_overrides.c.entity_id == entity_id,
                screening_overrides.c.list_name == list_name,
                screening_overrides.c.list_version == list_version,
            )
        ).first()
        if exists is not None:
            return False
        conn.execute(
            screening_overrides.insert().values(
                party_key=key,
                entity_id=entity_id,
                list_name=list_name,
                list_version=list_version,
                uetr=uetr,
                created_at=at,
                created_by=by,
                reason=reason,
            )
        )
        return True

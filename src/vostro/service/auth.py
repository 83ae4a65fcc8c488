"""API keys and roles.

A key is `vk_<key_id>_<secret>`: the key id (8 hex characters) names it in logs and in the audit
log, the secret is 256 random bits. The key is shown once, when it is created; only the SHA-256
of the whole key is stored (a slow password hash buys nothing against 256 random bits), and a
presented key is compared in constant time. Keys are revocable, and rotating one creates its
successor and revokes it in one transaction.

Roles: `operator` (everything), `auditor` (reads everything, writes nothing) and `participant`
(its own accounts and payments only; anything else is "not found", so ids do not leak).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from vostro.errors import VostroError
from vostro.store.repositories.keys import KeyRows, SqlKeys

KEY_RE = re.compile(r"^vk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
CACHE_TTL_NS = 2_000_000_000  # another process's revocation is seen within two seconds


class Role(StrEnum):
    OPERATOR = "operator"
    PARTICIPANT = "participant"
    AUDITOR = "auditor"


class KeyRefused(VostroError):
    """A key that cannot be created, rotated or revoked as asked."""


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    role: Role
    bic: str | None  # the participant a participant key acts for

    @property
    def name(self) -> str:
        """Who, in the audit log: the role, the participant and the key."""
        who = f"{self.role}:{self.bic}" if self.bic else str(self.role)
        return f"{who}/{self.key_id}"

    def sees(self, bic: str | None) -> bool:
        return self.role is not Role.PARTICIPANT or (bic is not None and bic == self.bic)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    role: Role
    bic: str | None
    label: str
    created_at: int
    created_by: str
    revoked_at: int | None


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class KeyRing:
    """Creates, checks and revokes keys. `check` is called on every request: it is served from
    memory and re-reads a key's row at most every two seconds."""

    def __init__(self, engine: Any) -> None:
        self.keys = SqlKeys(engine)
        self._cache: dict[str, tuple[int, bytes, Principal | None]] = {}
        self._lock = threading.Lock()

    def create(
        self, role: Role, bic: str | None, label: str, *, actor: str, origin: str | None = None
    ) -> tuple[str, KeyInfo]:
        with self.keys.transaction() as rows:
            return self._create(rows, role, bic, label, actor, origin)

    @staticmethod
    def _create(
        rows: KeyRows, role: Role, bic: str | None, label: str, actor: str, origin: str | None
    ) -> tuple[str, KeyInfo]:
        if (role is Role.PARTICIPANT) != (bic is not None):
            raise KeyRefused("a participant key names its participant's BIC; other roles name none")
        key_id = secrets.token_hex(4)
        key = f"vk_{key_id}_{secrets.token_urlsafe(32)}"
        info = KeyInfo(key_id, role, bic, label, time.time_ns(), actor, None)
        rows.insert(
            {
                "key_id": key_id,
                "key_hash": _hash(key),
                "role": str(role),
                "bic": bic,
                "label": label,
                "created_at": info.created_at,
                "created_by": actor,
            }
        )
        rows.audit.record(
            actor, "key.create", key_id, origin=origin, role=str(role), bic=bic, label=label
        )
        return key, info

    def revoke(self, key_id: str, *, actor: str, origin: str | None = None) -> KeyInfo:
        with self.keys.transaction() as rows:
            return self._revoke(rows, key_id, actor, origin)

    def _revoke(self, rows: KeyRows, key_id: str, actor: str, origin: str | None) -> KeyInfo:
        found = rows.get(key_id)
        if found is None:
            raise KeyRefused(f"no API key {key_id}")
        info = _info(found)
        if info.revoked_at is None:
            now = time.time_ns()
            rows.revoke(key_id, now)
            rows.audit.record(actor, "key.revoke", key_id, origin=origin)
            info = replace(info, revoked_at=now)
        with self._lock:
            self._cache.pop(key_id, None)
        return info

    def rotate(self, key_id: str, *, actor: str, origin: str | None = None) -> tuple[str, KeyInfo]:
        """A new key with the same role and participant; the old one stops working at once."""
        with self.keys.transaction() as rows:
            found = rows.get(key_id)
            if found is None or found["revoked_at"] is not None:
                raise KeyRefused(f"no active API key {key_id}")
            old = _info(found)
            self._revoke(rows, key_id, actor, origin)
            return self._create(rows, old.role, old.bic, old.label, actor, origin)

    def get(self, key_id: str) -> KeyInfo | None:
        with self.keys.reading() as rows:
            found = rows.get(key_id)
        return None if found is None else _info(found)

    def all(self) -> list[KeyInfo]:
        with self.keys.reading() as rows:
            return [_info(row) for row in rows.all()]

    def check(self, presented: str) -> Principal | None:
        """The principal a presented key stands for, or None (unknown, malformed or revoked)."""
        match = KEY_RE.match(presented)
        if match is None:
            return None
        key_id = match.group(1)
        now = time.monotonic_ns()
        cached = self._cache.get(key_id)
        if cached is None or now - cached[0] > CACHE_TTL_NS:
            with self.keys.reading() as rows:
                row = rows.get(key_id)
            if row is None:
                cached = (now, b"", None)
            else:
                principal = (
                    None
                    if row["revoked_at"] is not None
                    else Principal(key_id, Role(row["role"]), row["bic"])
                )
                cached = (now, bytes(row["key_hash"]), principal)
            with self._lock:
                self._cache[key_id] = cached
        _, stored, principal = cached
        if principal is None or not hmac.compare_digest(stored, _hash(presented)):
            return None
        return principal


def _info(row: dict[str, Any]) -> KeyInfo:
    return KeyInfo(
        row["key_id"],
        Role(row["role"]),
        row["bic"],
        row["label"],
        row["created_at"],
        row["created_by"],
        row["revoked_at"],
    )

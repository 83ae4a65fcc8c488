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
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from vostro.audit import AuditLog
from vostro.errors import VostroError
from vostro.platform import Platform
from vostro.store.repositories.keys import Engine, KeyReader, KeyRecord, key_unit

KEY_RE = re.compile(r"^vk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
CACHE_TTL_NS = 2_000_000_000  # another process's revocation is seen within two seconds


class Role(StrEnum):
    OPERATOR = "operator"
    PARTICIPANT = "participant"
    AUDITOR = "auditor"


class KeyRefused(VostroError):
    """A key that cannot be created, rotated or revoked as asked."""


class KeyAlreadyRevoked(KeyRefused):
    """A key to rotate that is revoked already (or gone)."""


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


class KeyRows(Protocol):
    def add(self, record: KeyRecord) -> None: ...
    def revoke(self, key_id: str, at: int) -> None: ...
    def get(self, key_id: str) -> KeyRecord | None: ...


class KeysUnit(Protocol):
    """What a key command needs of its unit of work: the keys' rows and the audit log."""

    @property
    def keys(self) -> KeyRows: ...
    @property
    def audit(self) -> AuditLog: ...
    def commit(self) -> None: ...


Units = Callable[[], AbstractContextManager[KeysUnit]]


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _info(record: KeyRecord) -> KeyInfo:
    return KeyInfo(
        record.key_id,
        Role(record.role),
        record.bic,
        record.label,
        record.created_at,
        record.created_by,
        record.revoked_at,
    )


class KeyRing:
    """Creates, checks and revokes keys. `check` is called on every request: it is served from
    memory and re-reads a key's row at most every two seconds.

    Each change is one unit of work, its audit entry included: the platform's (`KeyRing.of`,
    on the service's writer) or, with only the store's engine (the command line), a unit of
    key commands of its own."""

    def __init__(self, engine: Engine, *, units: Units | None = None) -> None:
        self.reader = KeyReader(engine)
        self._units: Units = units or (lambda: key_unit(engine))
        self._cache: dict[str, tuple[int, bytes, Principal | None]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, platform: Platform) -> KeyRing:
        """The platform's key ring: its changes run in the platform's units of work."""
        return cls(platform.store.engine, units=platform.unit)

    def create(
        self, role: Role, bic: str | None, label: str, *, actor: str, origin: str | None = None
    ) -> tuple[str, KeyInfo]:
        with self._units() as uow:
            made = self._create(uow, role, bic, label, actor, origin)
            uow.commit()
        return made

    def revoke(self, key_id: str, *, actor: str, origin: str | None = None) -> KeyInfo:
        with self._units() as uow:
            info = self._revoke(uow, key_id, actor, origin)
            uow.commit()
        self.forget(key_id)
        return info

    def rotate(self, key_id: str, *, actor: str, origin: str | None = None) -> tuple[str, KeyInfo]:
        """A new key with the same role and participant; the old one stops working at once."""
        with self._units() as uow:
            old = uow.keys.get(key_id)
            if old is None or old.revoked_at is not None:
                raise KeyAlreadyRevoked(f"no active API key {key_id}")
            self._revoke(uow, key_id, actor, origin)
            made = self._create(uow, Role(old.role), old.bic, old.label, actor, origin)
            uow.commit()
        self.forget(key_id)
        return made

    def _create(
        self,
        uow: KeysUnit,
        role: Role,
        bic: str | None,
        label: str,
        actor: str,
        origin: str | None,
    ) -> tuple[str, KeyInfo]:
        if (role is Role.PARTICIPANT) != (bic is not None):
            raise KeyRefused("a participant key names its participant's BIC; other roles name none")
        key_id = secrets.token_hex(4)
        key = f"vk_{key_id}_{secrets.token_urlsafe(32)}"
        info = KeyInfo(key_id, role, bic, label, time.time_ns(), actor, None)
        uow.keys.add(
            KeyRecord(key_id, _hash(key), str(role), bic, label, info.created_at, actor, None)
        )
        uow.audit.record(
            actor, "key.create", key_id, origin=origin, role=str(role), bic=bic, label=label
        )
        return key, info

    def _revoke(self, uow: KeysUnit, key_id: str, actor: str, origin: str | None) -> KeyInfo:
        record = uow.keys.get(key_id)
        if record is None:
            raise KeyRefused(f"no API key {key_id}")
        info = _info(record)
        if info.revoked_at is None:
            now = time.time_ns()
            uow.keys.revoke(key_id, now)
            uow.audit.record(actor, "key.revoke", key_id, origin=origin)
            info = replace(info, revoked_at=now)
        self.forget(key_id)
        return info

    def forget(self, key_id: str) -> None:
        """Check the key's row again at its next use (it was revoked or rotated)."""
        with self._lock:
            self._cache.pop(key_id, None)

    def get(self, key_id: str) -> KeyInfo | None:
        record = self.reader.get(key_id)
        return None if record is None else _info(record)

    def all(self) -> list[KeyInfo]:
        return [_info(record) for record in self.reader.all()]

    def check(self, presented: str) -> Principal | None:
        """The principal a presented key stands for, or None (unknown, malformed or revoked)."""
        match = KEY_RE.match(presented)
        if match is None:
            return None
        key_id = match.group(1)
        now = time.monotonic_ns()
        cached = self._cache.get(key_id)
        if cached is None or now - cached[0] > CACHE_TTL_NS:
            cached = self._load(key_id, now)
        _, stored, principal = cached
        if principal is None or not hmac.compare_digest(stored, _hash(presented)):
            return None
        return principal

    def _load(self, key_id: str, now: int) -> tuple[int, bytes, Principal | None]:
        record = self.reader.get(key_id)
        if record is None:
            cached: tuple[int, bytes, Principal | None] = (now, b"", None)
        else:
            principal = (
                None
                if record.revoked_at is not None
                else Principal(key_id, Role(record.role), record.bic)
            )
            cached = (now, record.key_hash, principal)
        with self._lock:
            self._cache[key_id] = cached
        return cached

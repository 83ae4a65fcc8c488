"""Before the first request: the operator, and a key to act as it.

`prepare` opens the database (creating it if needed), registers the operator participant if it
is missing and creates a new operator API key, which it returns: the only time the key is seen.
Run it before the service starts (it takes the writer lock while it works).
"""

from __future__ import annotations

from vostro.participants.model import Role as ParticipantRole
from vostro.platform import Platform
from vostro.service.auth import KeyRing, Role

OPERATOR_BIC = "VSTRINBB"
OPERATOR_NAME = "vostro settlement operator"


def prepare(
    database_url: str,
    *,
    operator_bic: str = OPERATOR_BIC,
    operator_name: str = OPERATOR_NAME,
    currencies: tuple[str, ...] = ("INR", "RUB"),
    label: str = "operator",
    actor: str = "vostro serve",
) -> str:
    with Platform.open(database_url) as platform:
        ensure_operator(platform, operator_bic, operator_name, currencies, actor=actor)
        key, _ = KeyRing.of(platform).create(Role.OPERATOR, None, label, actor=actor)
    return key


def ensure_operator(
    platform: Platform,
    bic: str = OPERATOR_BIC,
    name: str = OPERATOR_NAME,
    currencies: tuple[str, ...] = ("INR", "RUB"),
    *,
    actor: str,
) -> None:
    """Register the operator participant unless one is registered already."""
    if not any(ParticipantRole.OPERATOR in p.roles for p in platform.registry.all()):
        platform.registry.register(bic, name, [ParticipantRole.OPERATOR], currencies, actor=actor)

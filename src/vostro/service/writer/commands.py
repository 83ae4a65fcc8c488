"""Audited commands: a write made over HTTP runs on the single writer as one unit of work with its
audit entry (who, what, when, from where, and whether it was done or refused).

`audited(...)` wraps a function of the platform: the façade calls inside it join the unit, the
entry `outcome="done"` commits with them. If it raises, that unit rolls back and a second, small
unit records the refusal (`outcome="refused: ..."`) before the error goes back to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vostro.platform import Platform

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Audit:
    """The audit entry a command leaves: who did what to what, from where, with what detail."""

    actor: str
    action: str
    subject: str
    origin: str | None
    detail: dict[str, Any] = field(default_factory=dict)

    def record(self, platform: Platform, outcome: str) -> None:
        """Record it inside the unit open on this thread (or in one of its own)."""
        platform.run(
            lambda uow: uow.audit.record(
                self.actor,
                self.action,
                self.subject,
                origin=self.origin,
                outcome=outcome,
                **self.detail,
            )
        )


def audited(entry: Audit, fn: Callable[[Platform], T]) -> Callable[[Platform], T]:
    """`fn` as one audited command, to run on the writer."""

    def run(platform: Platform) -> T:
        try:
            with platform.unit() as uow:
                result = fn(platform)
                entry.record(platform, "done")
                uow.commit()
        except Exception as refused:
            entry.record(platform, f"refused: {refused}")
            raise
        return result

    return run

"""Errors of vostro, in one hierarchy.

Two kinds of failure exist (STYLE.md, convention 3):

* a *business rejection* (insufficient liquidity, duplicate id, unknown currency) is a value or a
  `VostroError` subclass with a message a person can act on;
* a *broken invariant* (books out of balance) raises `InvariantViolation`, which stops the writer.
  `invariant()` is used instead of `assert` so that the checks survive `python -O`.
"""

from __future__ import annotations

from typing import Any


def restore(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """An error rebuilt from its arguments and attributes, without calling its `__init__`
    (`reducible`)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class Reducible(Exception):
    """An exception that crosses a process boundary intact: pickled as its class, arguments and
    attributes, whatever its `__init__` asks for (the service's writer process answers its
    workers with the errors it raised)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (restore, (type(self), self.args, dict(self.__dict__)))


class VostroError(Reducible):
    """Base of every error vostro raises on purpose."""


class MoneyError(VostroError, ValueError):
    """An amount or currency could not be parsed, formatted or converted."""


class UnknownCurrency(MoneyError):
    """A currency code that ISO 4217 does not define (or that has no minor unit)."""


class NotACurrency(UnknownCurrency):
    """An ISO 4217 code that names no money that settles: a precious metal (XAU, XAG, XPT, XPD),
    a unit of account (XDR, XUA, the bond market units), a funds code (BOV, CLF, USN...), the
    testing code XTS or XXX, "no currency"."""


class InvalidText(VostroError, ValueError):
    """A text a field cannot hold (a character no wire can carry, or too long); the message
    names the character and where it is (`vostro.text`)."""


class ConfigurationError(VostroError):
    """Settings that cannot work (for example an unsupported database URL)."""


class StoreError(VostroError):
    """The database refused or lost an operation; the batch it belonged to was not committed."""


class WriterLockHeld(StoreError):
    """Another process already is the ledger's single writer."""


class SchemaOutOfDate(StoreError):
    """The database schema is not at the revision this code expects."""


class InvariantViolation(AssertionError):
    """A ledger invariant is broken. Never caught by business code: the writer must stop."""


def invariant(condition: bool, message: str) -> None:
    """Stop loudly if `condition` is false; unlike `assert`, active under `python -O`."""
    if not condition:
        raise InvariantViolation(message)

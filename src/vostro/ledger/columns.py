"""A batch of transfers in columns, the shape bulk submitters (and the fast path) work in.

Building 8,189 `Transfer` objects costs more than validating them with numpy, so callers that
produce many transfers at once (the benchmark, netting) hand the writer columns instead. Optional
columns that are `None` are all zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vostro.ledger.types import Transfer

OPTIONAL_COLUMNS = (
    "flags",
    "pending_id",
    "timeout_s",
    "user_data_128",
    "user_data_64",
    "user_data_32",
)


@dataclass(slots=True)
class TransferColumns:
    """Transfers as parallel lists; `len(columns)` is the number of events."""

    id: list[int]
    debit_account_id: list[int]
    credit_account_id: list[int]
    amount: list[int]
    ledger: list[int]
    code: list[int]
    flags: list[int] | None = None
    pending_id: list[int] | None = None
    timeout_s: list[int] | None = None
    user_data_128: list[int] | None = None
    user_data_64: list[int] | None = None
    user_data_32: list[int] | None = None

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def from_transfers(cls, transfers: Sequence[Transfer]) -> TransferColumns:
        def column(name: str) -> list[int]:
            return [getattr(t, name) for t in transfers]

        def optional(name: str) -> list[int] | None:
            values = column(name)
            return values if any(values) else None

        return cls(
            id=column("id"),
            debit_account_id=column("debit_account_id"),
            credit_account_id=column("credit_account_id"),
            amount=column("amount"),
            ledger=column("ledger"),
            code=column("code"),
            **{name: optional(name) for name in OPTIONAL_COLUMNS},
        )

    def to_transfers(self) -> list[Transfer]:
        n = len(self)
        zeros = [0] * n
        optional = [getattr(self, name) or zeros for name in OPTIONAL_COLUMNS]
        return [
            Transfer(*fields)
            for fields in zip(
                self.id,
                self.debit_account_id,
                self.credit_account_id,
                self.amount,
                self.ledger,
                self.code,
                *optional,
                strict=True,
            )
        ]

    def optional(self, name: str) -> list[int]:
        values: list[int] | None = getattr(self, name)
        return values if values is not None else [0] * len(self)

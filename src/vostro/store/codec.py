"""Conversions between the ledger's Python integers and their stored form.

128-bit ids are stored as 16 big-endian bytes, so byte order equals numeric order (time-ordered
ids append to the index; `max(id)` is the largest id). Zero optional ids are stored as NULL.
"""

from __future__ import annotations

from collections.abc import Iterable

ID_BYTES = 16


def id_to_bytes(value: int) -> bytes:
    return value.to_bytes(ID_BYTES, "big")


def optional_id_to_bytes(value: int) -> bytes | None:
    return value.to_bytes(ID_BYTES, "big") if value else None


def id_from_bytes(value: bytes | memoryview | None) -> int:
    return int.from_bytes(value, "big") if value is not None else 0


def ids_to_bytes(values: Iterable[int]) -> list[bytes]:
    return [v.to_bytes(ID_BYTES, "big") for v in values]


def optional_ids_to_bytes(values: list[int]) -> list[bytes | None]:
    return [v.to_bytes(ID_BYTES, "big") if v else None for v in values]

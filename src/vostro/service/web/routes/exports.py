"""Exports (`/v1/exports`, the operator only): the ledger as a Beancount file and each table as
CSV, streamed as they are read from one snapshot of the database (docs/exports.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from vostro.exports.beancount import ledger_file
from vostro.exports.tables import csv_chunks
from vostro.service import problems
from vostro.service.auth import Role
from vostro.service.web.deps import Svc, Who, require
from vostro.store.base import Store
from vostro.store.exports import ExportReader, ExportTable, snapshot

router = APIRouter(prefix="/v1", responses=problems.RESPONSES)
BEANCOUNT = "text/plain; charset=utf-8"
CSV = "text/csv; charset=utf-8"
Chunk = TypeVar("Chunk", str, bytes)


def _streamed(store: Store, produce: Callable[[ExportReader], Iterator[Chunk]]) -> Iterator[Chunk]:
    """The export's chunks, read inside one snapshot that lasts as long as the response."""
    with snapshot(store) as reader:
        yield from produce(reader)


@router.get(
    "/exports/ledger.beancount",
    tags=["exports"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def beancount_ledger(who: Who, svc: Svc) -> StreamingResponse:
    """The whole ledger as one Beancount v3 file: every account opened, every posted transfer
    with its transfer id, code and UETR, and each account's posted balance asserted exactly."""
    require(who, Role.OPERATOR)
    return StreamingResponse(
        _streamed(svc.platform.store, ledger_file),
        media_type=BEANCOUNT,
        headers={"Content-Disposition": 'attachment; filename="ledger.beancount"'},
    )


@router.get(
    "/exports/{table}.csv",
    tags=["exports"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def table_csv(table: ExportTable, who: Who, svc: Svc) -> StreamingResponse:
    """One table as CSV (a header line, then a line per row): money in minor units beside its
    currency, ids as decimal strings, times in UTC."""
    require(who, Role.OPERATOR)
    return StreamingResponse(
        _streamed(svc.platform.store, lambda reader: csv_chunks(reader, table)),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
    )

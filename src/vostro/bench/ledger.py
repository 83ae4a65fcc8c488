"""`vostro bench ledger`: transfers per second through the real writer, against a baseline.

Posts N transfers in batches between a set of funded accounts, timing only the writer's
`create_transfers` call (validation, commit, fold) per batch. Right after each batch, in the same
run and on the same database, the same rows are inserted (a) into a bare table with no keys or
indexes and (b) into a copy of the journal table with its keys and indexes, one bulk insert and
one commit per batch each. (a) is the storage floor; (b) is the floor of the journal table as
vostro keys it (timestamp primary key, unique id), so `indexed_ratio` shows what validation,
balances and the bulk per-account index cost on top. Interleaving the three keeps machine noise
out of the ratios.

Ids are time-ordered by default (a millisecond clock in the high bits, a counter below), as
TigerBeetle recommends; `--ids random` uses uniformly random 128-bit ids, which are correct but
slower to index.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from vostro.bench.baseline import BaselineTables, baseline_tables
from vostro.errors import invariant
from vostro.ledger.columns import TransferColumns
from vostro.ledger.types import (
    BATCH_EVENTS_MAX,
    Account,
    AccountFlags,
    CreateTransferResult,
    Transfer,
)
from vostro.ledger.writer import Ledger
from vostro.money import currency
from vostro.store import Store, open_store

BARE_TABLE = "bench_baseline_bare"
INDEXED_TABLE = "bench_baseline_indexed"
FUNDING_MINOR = 10**14  # INR 1 trillion per account; 10,000 of them stay within 64 bits
AMOUNT_MAX_MINOR = 10_000_000  # transfers up to INR 100,000
TRANSFER_CODE = 1


@dataclass
class LedgerBenchResult:
    backend: str
    database_url: str
    transfers: int
    accounts: int
    batch_size: int
    ids: str
    transfers_per_s: float
    baseline_per_s: float
    ratio: float
    indexed_baseline_per_s: float
    indexed_ratio: float
    batch_p50_ms: float
    batch_p99_ms: float
    fast_path_batches: int
    reference_batches: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _Ids:
    """128-bit transfer ids: time-ordered (ms clock << 80 | counter) or uniformly random."""

    def __init__(self, kind: str, seed: int) -> None:
        self.kind = kind
        self.rng = random.Random(seed)
        self.counter = self.rng.getrandbits(40) << 24

    def take(self, n: int) -> list[int]:
        if self.kind == "random":
            return [self.rng.getrandbits(127) | 1 for _ in range(n)]
        high = time.time_ns() // 1_000_000 << 80
        start = self.counter
        self.counter += n
        return [high | c for c in range(start, start + n)]


def run(
    *,
    transfers: int = 1_000_000,
    accounts: int = 10_000,
    batch_size: int = BATCH_EVENTS_MAX,
    ids: str = "time",
    database_url: str | None = None,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> LedgerBenchResult:
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="vostro-bench-"))
        database_url = f"sqlite:///{folder / 'ledger.db'}"
    store = open_store(database_url)
    rng = np.random.default_rng(seed)
    id_source = _Ids(ids, seed)
    ledger_no = currency("INR").ledger
    baseline = baseline_tables(store)
    try:
        for name, indexed in ((BARE_TABLE, False), (INDEXED_TABLE, True)):
            baseline.create(name, indexed=indexed)
        with Ledger(store) as ledger:
            account_ids = _open_accounts(ledger, accounts, ledger_no, seed, id_source)
            fast_before, reference_before = ledger.batches_fast, ledger.batches_reference
            started = time.perf_counter()
            engine_s, bare_s, indexed_s = _post_all(
                ledger,
                baseline,
                transfers,
                batch_size,
                progress,
                lambda n: _batch(rng, id_source.take(n), account_ids, ledger_no),
            )
            total_s = time.perf_counter() - started
            fast = ledger.batches_fast - fast_before
            reference = ledger.batches_reference - reference_before
        for name in (BARE_TABLE, INDEXED_TABLE):
            baseline.drop(name)
    finally:
        baseline.close()
        store.dispose()
    return _result(
        store,
        transfers,
        accounts,
        batch_size,
        ids,
        engine_s,
        bare_s,
        indexed_s,
        total_s,
        fast,
        reference,
    )


def _result(
    store: Store,
    transfers: int,
    accounts: int,
    batch_size: int,
    ids: str,
    engine_s: list[float],
    bare_s: float,
    indexed_s: float,
    total_s: float,
    fast: int,
    reference: int,
) -> LedgerBenchResult:
    engine_total = sum(engine_s)
    per_s = transfers / engine_total
    bare_per_s = transfers / bare_s
    indexed_per_s = transfers / indexed_s
    latencies_ms = np.array(engine_s) * 1000
    return LedgerBenchResult(
        backend=store.backend,
        database_url=store.display_url,
        transfers=transfers,
        accounts=accounts,
        batch_size=batch_size,
        ids=ids,
        transfers_per_s=round(per_s),
        baseline_per_s=round(bare_per_s),
        ratio=round(per_s / bare_per_s, 3),
        indexed_baseline_per_s=round(indexed_per_s),
        indexed_ratio=round(per_s / indexed_per_s, 3),
        batch_p50_ms=round(float(np.percentile(latencies_ms, 50)), 2),
        batch_p99_ms=round(float(np.percentile(latencies_ms, 99)), 2),
        fast_path_batches=fast,
        reference_batches=reference,
        seconds=round(total_s, 2),
    )


def _post_all(
    ledger: Ledger,
    baseline: BaselineTables,
    transfers: int,
    batch_size: int,
    progress: Callable[[int], None] | None,
    make_batch: Callable[[int], TransferColumns],
) -> tuple[list[float], float, float]:
    """Post `transfers` in batches; per-batch writer seconds, and each baseline's total."""
    engine_s: list[float] = []
    bare_s = indexed_s = 0.0
    posted = 0
    while posted < transfers:
        n = min(batch_size, transfers - posted)
        engine, bare, indexed = _timed_batch(ledger, baseline, make_batch(n))
        engine_s.append(engine)
        bare_s += bare
        indexed_s += indexed
        posted += n
        if progress is not None:
            progress(n)
    return engine_s, bare_s, indexed_s


def _timed_batch(
    ledger: Ledger, baseline: BaselineTables, batch: TransferColumns
) -> tuple[float, float, float]:
    """Seconds the writer took for the batch, then each baseline for the same rows."""
    t0 = time.perf_counter()
    results = ledger.create_transfers(batch)
    t1 = time.perf_counter()
    _require_ok(results)
    outcome = ledger.last_outcome
    rows = outcome.transfer_columns if outcome is not None else None
    invariant(rows is not None, "a committed batch has its journal rows")
    assert rows is not None
    baseline.insert(BARE_TABLE, rows)
    t2 = time.perf_counter()
    baseline.insert(INDEXED_TABLE, rows)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def _open_accounts(
    ledger: Ledger, count: int, ledger_no: int, seed: int, id_source: _Ids
) -> list[int]:
    """`count` accounts that may not go overdrawn, plus a funding account that funds each."""
    rng = random.Random(seed ^ 0x5EED)
    base_id = rng.getrandbits(100) << 20
    funding_id = base_id
    ids = [base_id + 1 + i for i in range(count)]
    limited = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    accounts = [Account(funding_id, ledger_no, 1)] + [
        Account(i, ledger_no, 2, flags=limited) for i in ids
    ]
    for start in range(0, len(accounts), BATCH_EVENTS_MAX):
        ledger.create_accounts(accounts[start : start + BATCH_EVENTS_MAX])
    funding_ids = id_source.take(len(ids))
    funding = [
        Transfer(tid, funding_id, i, FUNDING_MINOR, ledger_no, 9)
        for tid, i in zip(funding_ids, ids, strict=True)
    ]
    for start in range(0, len(funding), BATCH_EVENTS_MAX):
        _require_ok(ledger.create_transfers(funding[start : start + BATCH_EVENTS_MAX]))
    return ids


def _batch(
    rng: np.random.Generator, ids: list[int], account_ids: list[int], ledger_no: int
) -> TransferColumns:
    n = len(ids)
    count = len(account_ids)
    debit = rng.integers(0, count, n)
    credit = (debit + rng.integers(1, count, n)) % count  # never the same account
    accounts = np.array(account_ids, dtype=object)
    return TransferColumns(
        id=ids,
        debit_account_id=accounts[debit].tolist(),
        credit_account_id=accounts[credit].tolist(),
        amount=rng.integers(1, AMOUNT_MAX_MINOR, n).tolist(),
        ledger=[ledger_no] * n,
        code=[TRANSFER_CODE] * n,
    )


def _require_ok(results: list[CreateTransferResult]) -> None:
    failed = [r for r in results if r is not CreateTransferResult.OK]
    if failed:
        raise RuntimeError(f"benchmark transfers failed: {failed[:3]} ({len(failed)} in all)")

"""A writer killed with SIGKILL mid-stream leaves only whole batches, and the books verify."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from vostro.ledger.writer import Ledger
from vostro.store import open_store
from vostro.store.schema import transfers
from vostro.store.verify import verify

BATCH = 500

WRITER = textwrap.dedent("""
    import sys
    from vostro.store import open_store
    from vostro.ledger.types import Account, AccountFlags, Transfer
    from vostro.ledger.writer import Ledger

    url = sys.argv[1]
    ledger = Ledger(open_store(url))
    ledger.create_accounts([Account(1, 356, 7)] + [
        Account(i, 356, 1, flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
        for i in range(2, 52)])
    ledger.create_transfers([Transfer(10**15 + i, 1, i, 10**12, 356, 9) for i in range(2, 52)])
    print("ready", flush=True)
    batch = 0
    while True:  # until killed
        batch += 1
        ledger.create_transfers([
            Transfer(batch * 10**6 + j, 2 + j % 50, 2 + (j + 1 + batch) % 50, 1 + j, 356, 1,
                     user_data_64=batch)
            for j in range({batch})
        ])
""").replace("{batch}", str(BATCH))


@pytest.mark.slow
def test_sigkill_mid_stream_leaves_whole_batches(database_url: str) -> None:
    open_store(database_url).dispose()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = open_store(database_url, migrate=False)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while _count(store) < 20 * BATCH and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.013)  # land somewhere inside a batch, not on a boundary
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        per_batch = Counter(row[0] for row in _rows(store) if row[0] > 0)
        assert len(per_batch) >= 20
        assert set(per_batch.values()) == {BATCH}, "a batch was only partly committed"
        assert sorted(per_batch) == list(range(1, len(per_batch) + 1))
        report = verify(store)
        assert report.ok, report.discrepancy
        with Ledger(store) as ledger:  # the lock died with the process; a new writer resumes
            assert ledger.state.account_count == 51
        # Closing the new writer indexed the journal tail the killed one had not indexed yet.
        report = verify(store)
        assert report.ok, report.discrepancy
        assert len(store.account_transfers(2, limit=8189)) > 0
    finally:
        if proc.poll() is None:
            proc.kill()
        store.dispose()


def _count(store) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(transfers)).scalar_one())


def _rows(store) -> list:  # type: ignore[no-untyped-def, type-arg]
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(transfers.c.user_data_64)))

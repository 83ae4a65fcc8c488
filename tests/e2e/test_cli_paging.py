"""`--all` on the command line's lists: every row of a list longer than a page, once."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

from tests.corridor import SBI, UCO, build
from tests.e2e.test_cli import vostro
from vostro.payments.model import PaymentRequest
from vostro.store import open_store

ROWS = 1_100  # more than two pages of 500
UETR = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_payment_list_all_reads_every_payment_a_page_at_a_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    store = open_store(url)
    c = build(store, time.time_ns)
    try:
        c.fund(SBI, 10**9, "INR")
        made = set()
        for _ in range(ROWS // 100):
            group = [
                (
                    PaymentRequest(str(uuid.uuid4()), uuid.uuid4().hex[:20], SBI, UCO, 1_00, "INR"),
                    False,
                )
                for _ in range(100)
            ]
            made |= {p.uetr for p in c.payments.submit_many(group)}
    finally:
        c.platform.close()
        store.dispose()
    listed = vostro("payment", "list", "--all", "--database-url", url, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    seen = UETR.findall(listed.stdout)
    assert len(seen) == len(set(seen)) == ROWS and set(seen) == made
    first = vostro("payment", "list", "--limit", "7", "--database-url", url, cwd=tmp_path)
    assert len(UETR.findall(first.stdout)) == 7

"""The two stores behave the same: migrations, reads, the writer lock, failed commits, verify."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from vostro.errors import SchemaOutOfDate, StoreError, WriterLockHeld
from vostro.ledger.types import Account, AccountFlags, Transfer, TransferFlags
from vostro.ledger.writer import Ledger
from vostro.store import Store, open_store
from vostro.store.schema import metadata
from vostro.store.verify import verify

INR, RUB = 356, 643
LIMITED = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)


def open_accounts(ledger: Ledger) -> None:
    assert all(
        r == "ok"
        for r in ledger.create_accounts(
            [
                Account(1, INR, 7),
                Account(2, INR, 1, flags=LIMITED),
                Account(3, INR, 1, flags=LIMITED),
                Account(4, RUB, 7),
                Account(5, RUB, 1, flags=LIMITED),
            ]
        )
    )


def test_migrations_create_exactly_the_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_opening_twice_migrates_once_and_checks_the_revision(database_url: str) -> None:
    first = open_store(database_url)
    with Ledger(first) as ledger:  # a row the second opening must find untouched
        ledger.create_accounts([Account(7, 356, code=1)])
    with first.engine.connect() as conn:
        head = MigrationContext.configure(conn).get_current_revision()
        tables = set(sa.inspect(conn).get_table_names())
    first.dispose()
    again = open_store(database_url)  # at head already: the upgrade has nothing to do
    with again.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
        assert set(sa.inspect(conn).get_table_names()) == tables
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert [a.id for a in again.get_accounts([7])] == [7]
    with again.engine.begin() as conn:  # one revision behind: checking refuses it
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001_ledger'"))
    with pytest.raises(SchemaOutOfDate, match="run `vostro init"):
        open_store(database_url, migrate=False)
    with again.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    again.dispose()
    checked = open_store(database_url, migrate=False)  # checks the revision instead
    checked.dispose()


def test_reads_round_trip_every_field(store: Store) -> None:
    big = 2**127 + 12345
    with Ledger(store) as ledger:
        assert ledger.create_accounts(
            [
                Account(
                    big, INR, 3, flags=LIMITED, user_data_128=2**100, user_data_64=7, user_data_32=9
                ),
                Account(2, INR, 1),
            ]
        ) == ["ok", "ok"]
        t = Transfer(
            2**128 - 2,
            2,
            big,
            500,
            INR,
            17,
            user_data_128=2**127,
            user_data_64=2**62,
            user_data_32=2**32 - 1,
        )
        assert ledger.create_transfers([t]) == ["ok"]
    (stored,) = store.get_transfers([t.id])
    assert (
        stored == Transfer(**{**t.__dict__, "timestamp": stored.timestamp})
        if hasattr(t, "__dict__")
        else stored.timestamp > 0
    )
    assert (
        stored.id,
        stored.debit_account_id,
        stored.credit_account_id,
        stored.amount,
        stored.code,
        stored.user_data_128,
        stored.user_data_64,
        stored.user_data_32,
    ) == (t.id, 2, big, 500, 17, 2**127, 2**62, 2**32 - 1)
    account = store.get_accounts([big])[0]
    assert (account.user_data_128, account.user_data_64, account.user_data_32) == (2**100, 7, 9)
    assert account.credits_posted == 500


def test_transfers_by_account_page_forward_and_backward(store: Store) -> None:
    with Ledger(store) as ledger:
        open_accounts(ledger)
        assert ledger.create_transfers([Transfer(10, 1, 2, 1_000, INR, 1)]) == ["ok"]
        ledger.flush_index()  # transfer 10 is read through the index, the rest from the tail
        batch = [
            Transfer(100 + i, 2 if i % 2 else 3, 3 if i % 2 else 2, 10 + i, INR, 1)
            for i in range(1, 20)
        ]
        batch[1] = Transfer(102, 1, 3, 5, INR, 1)
        assert ledger.create_transfers(batch) == ["ok"] * 19
    ids = [t.id for t in store.account_transfers(2, limit=100)]
    expected = [10] + [t.id for t in batch if 2 in (t.debit_account_id, t.credit_account_id)]
    assert ids == expected
    first = store.account_transfers(2, limit=4)
    second = store.account_transfers(2, limit=4, after_timestamp=first[-1].timestamp)
    assert [t.id for t in first + second] == expected[:8]
    newest = store.account_transfers(2, limit=3, reverse=True)
    older = store.account_transfers(2, limit=3, reverse=True, after_timestamp=newest[-1].timestamp)
    assert [t.id for t in newest + older] == list(reversed(expected))[:6]
    history = store.account_history(2, limit=100)
    assert [h.transfer_id for h in history] == expected
    running = 0
    for h, t in zip(history, store.account_transfers(2, limit=100), strict=True):
        running += t.amount if t.credit_account_id == 2 else -t.amount
        assert h.credits_posted - h.debits_posted == running
    assert store.account_transfers(999) == []


def test_second_writer_is_refused_with_a_clear_message(database_url: str) -> None:
    store = open_store(database_url)
    with Ledger(store):
        with pytest.raises(WriterLockHeld, match="only one process may write"):
            Ledger(store)
        code = textwrap.dedent(f"""
            from vostro.store import open_store
            from vostro.ledger.writer import Ledger
            Ledger(open_store({database_url!r}))
        """)
        other = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert other.returncode != 0
        assert "WriterLockHeld" in other.stderr and "another vostro writer" in other.stderr
    with Ledger(store):  # released on close: the next writer gets it
        pass
    store.dispose()


@contextmanager
def database_fails_to_commit(store: Store) -> Iterator[None]:
    """While the block runs, the database refuses every ledger batch after its rows are written:
    its last row (the batch's own, in ledger_batches) fails, at COMMIT on PostgreSQL (a deferred
    constraint trigger) and on that insert on SQLite (whose triggers run at once)."""
    if store.backend == "sqlite":
        create = [
            "CREATE TRIGGER fail_commit BEFORE INSERT ON ledger_batches "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
        ]
        drop = ["DROP TRIGGER fail_commit"]
    else:
        create = [
            "CREATE FUNCTION fail_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'server closed the connection (simulated)'; END $$",
            "CREATE CONSTRAINT TRIGGER fail_commit AFTER INSERT ON ledger_batches "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_commit()",
        ]
        drop = ["DROP TRIGGER fail_commit ON ledger_batches", "DROP FUNCTION fail_commit()"]
    with store.engine.begin() as conn:
        for statement in create:
            conn.exec_driver_sql(statement)
    try:
        yield
    finally:
        with store.engine.begin() as conn:
            for statement in drop:
                conn.exec_driver_sql(statement)


def test_failed_commit_changes_nothing_and_the_writer_carries_on(store: Store) -> None:
    with Ledger(store) as ledger:
        open_accounts(ledger)
        assert ledger.create_transfers([Transfer(10, 1, 2, 1_000, INR, 1)]) == ["ok"]
        with database_fails_to_commit(store), pytest.raises(StoreError, match="was not committed"):
            ledger.create_transfers([Transfer(11, 2, 3, 400, INR, 1)])
        assert store.get_transfers([11]) == []
        assert ledger.state.seq_by_id and int(ledger.state.dpo[ledger.state.seq_by_id[2]]) == 0
        assert ledger.create_transfers([Transfer(11, 2, 3, 400, INR, 1)]) == ["ok"]
    assert verify(store).ok


def test_a_batch_of_new_ids_still_never_posts_an_id_twice(store: Store) -> None:
    """`new_ids` skips the lookup of committed ids; a caller wrong about it gets a failed commit
    from the primary key, with nothing posted and the writer's memory as before."""
    pending, post = int(TransferFlags.PENDING), int(TransferFlags.POST_PENDING)
    with Ledger(store) as ledger:
        open_accounts(ledger)
        assert ledger.create_transfers([Transfer(10, 1, 2, 1_000, INR, 1)]) == ["ok"]
        # a reservation and its posting in one batch: the posting finds the batch's own pending
        fresh = [
            Transfer(20, 2, 3, 100, INR, 1, flags=pending),
            Transfer(21, 0, 0, 0, 0, 0, flags=post, pending_id=20),
        ]
        assert ledger.create_transfers(fresh, new_ids=True) == ["ok", "ok"]
        with pytest.raises(StoreError, match="was not committed"):
            ledger.create_transfers([Transfer(20, 2, 3, 5, INR, 1)], new_ids=True)
        assert int(ledger.state.dpo[ledger.state.seq_by_id[2]]) == 100
        assert ledger.create_transfers([Transfer(20, 2, 3, 5, INR, 1)]) == [
            "exists_with_different_fields"
        ]
    assert [t.amount for t in store.get_transfers([20, 21])] == [100, 100]
    assert verify(store).ok


def test_random_128_bit_ids_post_and_verify(store: Store) -> None:
    import random

    rng = random.Random(7)
    with Ledger(store) as ledger:
        open_accounts(ledger)
        assert ledger.create_transfers(
            [Transfer(rng.getrandbits(128) - 1 or 1, 1, 2, 10**9, INR, 1)]
        ) == ["ok"]
        for _ in range(3):
            batch = [
                Transfer(rng.getrandbits(127) + 1, 2, 3, rng.randint(1, 100), INR, 1)
                for _ in range(300)
            ]
            assert ledger.create_transfers(batch) == ["ok"] * 300
            assert ledger.create_transfers(batch[:5]) == ["exists"] * 5
    report = verify(store)
    assert report.ok, report.discrepancy
    assert report.transfers == 901


def post_some_history(store: Store) -> None:
    with Ledger(store) as ledger:
        open_accounts(ledger)
        ledger.create_transfers(
            [
                Transfer(10, 1, 2, 1_000, INR, 1),
                Transfer(11, 2, 3, 300, INR, 1),
                Transfer(12, 3, 2, 50, INR, 1, flags=int(TransferFlags.PENDING)),
                Transfer(13, 2, 3, 20, INR, 1, flags=int(TransferFlags.PENDING)),
                Transfer(14, 0, 0, 0, 0, 0, flags=int(TransferFlags.POST_PENDING), pending_id=13),
                Transfer(15, 4, 5, 77, RUB, 1),
            ]
        )


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            "UPDATE accounts SET credits_posted = credits_posted + 1 WHERE seq = 2",
            "credits_posted is 1001 but the journal gives 1000",
        ),
        ("UPDATE accounts SET debits_pending = 0 WHERE seq = 3", "debits_pending is 0"),
        ("UPDATE transfers SET amount = 301 WHERE amount = 300", "the journal gives"),
        (
            "UPDATE transfers SET debit_account_debits_posted = 999 WHERE amount = 300",
            "stored balance history",
        ),
        ("UPDATE transfers SET ledger = 643 WHERE amount = 1000", "share the transfer's ledger"),
        ("UPDATE pending_transfers SET status = 3", "does not show it"),
        ("DELETE FROM pending_transfers", "has no pending record"),
        (
            "DELETE FROM account_entries WHERE timestamp IN (SELECT max(timestamp) FROM transfers)",
            "missing from the per-account index",
        ),
    ],
)
def test_verify_names_the_first_discrepancy(store: Store, tamper: str, message: str) -> None:
    post_some_history(store)
    assert verify(store).ok
    with store.engine.begin() as conn:
        conn.execute(sa.text(tamper))
    report = verify(store)
    assert not report.ok
    assert message in (report.discrepancy or "")


def test_verify_catches_an_unbalanced_ledger(store: Store) -> None:
    post_some_history(store)
    with store.engine.begin() as conn:  # a consistent fold but one-sided books: a phantom credit
        conn.execute(
            sa.text(
                "UPDATE transfers SET credit_account_seq = 4, credit_account_credits_posted = 77 "
                "WHERE amount = 77"
            )
        )
    report = verify(store)
    assert not report.ok


def test_reservations_expire_on_the_real_store(store: Store) -> None:
    from tests.fakes import Clock
    from vostro.ledger.types import PendingStatus

    clock = Clock()
    pending = int(TransferFlags.PENDING)
    with Ledger(store, clock=clock) as ledger:
        open_accounts(ledger)
        assert ledger.create_transfers([Transfer(10, 1, 2, 1_000, INR, 1)]) == ["ok"]
        assert ledger.create_transfers(
            [
                Transfer(20, 2, 3, 400, INR, 1, flags=pending, timeout_s=30),
                Transfer(21, 2, 3, 100, INR, 1, flags=pending, timeout_s=3600),
            ]
        ) == ["ok", "ok"]
        clock.advance(31)
        assert ledger.expire_pending() == 1
    assert store.pending_status(20) is PendingStatus.EXPIRED
    assert store.pending_status(21) is PendingStatus.PENDING
    account = store.get_accounts([2])[0]
    assert (account.debits_pending, account.debits_posted) == (100, 0)
    with Ledger(store, clock=clock) as ledger:  # a restarted writer still expires what is due
        clock.advance(3600)
        assert ledger.create_transfers(
            [Transfer(22, 0, 0, 0, 0, 0, flags=int(TransferFlags.POST_PENDING), pending_id=21)]
        ) == ["pending_transfer_expired"]
    assert store.get_accounts([2])[0].debits_pending == 0
    report = verify(store)
    assert report.ok, report.discrepancy

"""`vostro verify`: recompute the ledger from its journal and check every invariant.

Independent of the writer (STYLE.md: check twice). It reads the database only and checks, in
order, stopping at the first discrepancy it can name:

1. ids are unique (accounts and transfers);
2. every transfer is on the ledger of both its accounts, has a positive amount, and timestamps
   strictly increase;
3. every pending-transfer record belongs to a pending transfer, and every posted or voided one
   was resolved by exactly one post or void transfer;
4. every account's four balances equal the fold of the journal (posted: single-phase transfers
   and posts; pending: reservations still pending);
5. every ledger's trial balance is zero: posted debits equal posted credits, pending likewise;
6. no account breaks its flags, now or after any transfer in its history, and the balance
   history stored with each transfer equals the running fold;
7. the per-account index holds exactly both sides of every transfer up to its mark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from vostro.ledger.types import AccountFlags, PendingStatus, TransferFlags
from vostro.store import schema
from vostro.store.base import Store
from vostro.store.codec import id_from_bytes

_PENDING = int(TransferFlags.PENDING)
_RESOLVE = int(TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
_VOID = int(TransferFlags.VOID_PENDING)
_DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CR_LIMIT = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
STREAM_ROWS = 10_000  # rows fetched at a time while replaying the journal


class Discrepancy(Exception):
    """The first thing found wrong; its message names it."""


@dataclass
class VerifyReport:
    """What `verify` checked and, if anything is wrong, the first discrepancy."""

    accounts: int = 0
    transfers: int = 0
    ledgers: dict[int, dict[str, int]] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    discrepancy: str | None = None

    @property
    def ok(self) -> bool:
        return self.discrepancy is None


def verify(store: Store, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check the whole ledger in `store`; `progress` is called with journal rows replayed."""
    report = VerifyReport()
    with store.engine.connect() as conn:
        try:
            for name, check in _CHECKS:
                check(conn, report, progress)
                report.checks.append(name)
        except Discrepancy as found:
            report.discrepancy = str(found)
    return report


def _unique_ids(conn: sa.Connection, report: VerifyReport, _p: Any) -> None:
    for table in (schema.accounts, schema.transfers):
        dup = conn.execute(
            sa.select(table.c.id).group_by(table.c.id).having(sa.func.count() > 1).limit(1)
        ).scalar()
        if dup is not None:
            raise Discrepancy(f"{table.name}: id {id_from_bytes(dup)} occurs more than once")
    report.accounts = conn.execute(
        sa.select(sa.func.count()).select_from(schema.accounts)
    ).scalar_one()
    report.transfers = conn.execute(
        sa.select(sa.func.count()).select_from(schema.transfers)
    ).scalar_one()


def _transfer_shape(conn: sa.Connection, _r: VerifyReport, _p: Any) -> None:
    t, a = schema.transfers, schema.accounts
    da, ca = a.alias("da"), a.alias("ca")
    bad = conn.execute(
        sa.select(t.c.id, t.c.ledger, da.c.ledger, ca.c.ledger, t.c.amount)
        .select_from(
            t.outerjoin(da, da.c.seq == t.c.debit_account_seq).outerjoin(
                ca, ca.c.seq == t.c.credit_account_seq
            )
        )
        .where(
            sa.or_(
                da.c.seq.is_(None),
                ca.c.seq.is_(None),
                da.c.ledger != t.c.ledger,
                ca.c.ledger != t.c.ledger,
                t.c.amount <= 0,
                t.c.debit_account_seq == t.c.credit_account_seq,
            )
        )
        .limit(1)
    ).first()
    if bad is not None:
        tid, ledger, dl, cl, amount = bad
        raise Discrepancy(
            f"transfer {id_from_bytes(tid)}: ledger {ledger}, debit account ledger {dl}, "
            f"credit account ledger {cl}, amount {amount}: accounts must exist, be different, "
            "share the transfer's ledger, and the amount must be positive"
        )


def _pending_records(conn: sa.Connection, _r: VerifyReport, _p: Any) -> None:
    t, p = schema.transfers, schema.pending_transfers
    orphan = conn.execute(
        sa.select(p.c.timestamp)
        .select_from(p.outerjoin(t, t.c.timestamp == p.c.timestamp))
        .where(sa.or_(t.c.timestamp.is_(None), t.c.flags.op("&")(_PENDING) == 0))
        .limit(1)
    ).scalar()
    if orphan is not None:
        raise Discrepancy(f"pending record at timestamp {orphan} has no pending transfer")
    missing = conn.execute(
        sa.select(t.c.id)
        .select_from(t.outerjoin(p, p.c.timestamp == t.c.timestamp))
        .where(t.c.flags.op("&")(_PENDING) != 0, p.c.timestamp.is_(None))
        .limit(1)
    ).scalar()
    if missing is not None:
        raise Discrepancy(f"pending transfer {id_from_bytes(missing)} has no pending record")
    # Every post/void names a pending transfer whose record says it was resolved by this one.
    r = t.alias("r")
    pt = t.alias("pt")
    wrong = conn.execute(
        sa.select(r.c.id, p.c.status, p.c.resolved_at, r.c.timestamp, r.c.flags)
        .select_from(
            r.outerjoin(pt, pt.c.id == r.c.pending_id).outerjoin(p, p.c.timestamp == pt.c.timestamp)
        )
        .where(
            r.c.flags.op("&")(_RESOLVE) != 0,
            sa.or_(
                p.c.timestamp.is_(None),
                p.c.resolved_at != r.c.timestamp,
                sa.and_(r.c.flags.op("&")(_VOID) != 0, p.c.status != int(PendingStatus.VOIDED)),
                sa.and_(r.c.flags.op("&")(_VOID) == 0, p.c.status != int(PendingStatus.POSTED)),
            ),
        )
        .limit(1)
    ).first()
    if wrong is not None:
        raise Discrepancy(
            f"transfer {id_from_bytes(wrong[0])} posts or voids a pending transfer whose record "
            f"does not show it (status {wrong[1]}, resolved at {wrong[2]})"
        )
    resolved = conn.execute(
        sa.select(sa.func.count())
        .select_from(p)
        .where(p.c.status.in_([int(PendingStatus.POSTED), int(PendingStatus.VOIDED)]))
    ).scalar_one()
    resolvers = conn.execute(
        sa.select(sa.func.count()).select_from(t).where(t.c.flags.op("&")(_RESOLVE) != 0)
    ).scalar_one()
    if resolved != resolvers:
        raise Discrepancy(
            f"{resolved} pending transfers are posted or voided but {resolvers} transfers "
            "post or void one"
        )


def _account_entries(conn: sa.Connection, _r: VerifyReport, _p: Any) -> None:
    """The per-account index holds exactly both sides of every transfer up to its mark."""
    t, e, marks = schema.transfers, schema.account_entries, schema.ledger_marks
    upto = (
        conn.execute(
            sa.select(marks.c.value).where(marks.c.name == schema.ACCOUNT_ENTRIES_MARK)
        ).scalar()
        or 0
    )
    beyond = conn.execute(
        sa.select(sa.func.count()).select_from(e).where(e.c.timestamp > upto)
    ).scalar_one()
    if beyond:
        raise Discrepancy(f"{beyond} per-account index entries lie beyond its mark {upto}")
    for side in (t.c.debit_account_seq, t.c.credit_account_seq):
        missing = conn.execute(
            sa.select(t.c.id)
            .select_from(
                t.outerjoin(e, sa.and_(e.c.timestamp == t.c.timestamp, e.c.account_seq == side))
            )
            .where(t.c.timestamp <= upto, e.c.timestamp.is_(None))
            .limit(1)
        ).scalar()
        if missing is not None:
            raise Discrepancy(
                f"transfer {id_from_bytes(missing)} is missing from the per-account index"
            )
    indexed = conn.execute(sa.select(sa.func.count()).select_from(e)).scalar_one()
    covered = conn.execute(
        sa.select(sa.func.count()).select_from(t).where(t.c.timestamp <= upto)
    ).scalar_one()
    if indexed != 2 * covered:
        raise Discrepancy(
            f"the per-account index has {indexed} entries for {covered} transfers (expected "
            f"{2 * covered})"
        )


def _fold(conn: sa.Connection) -> dict[int, list[int]]:
    """Per account seq: [debits_pending, debits_posted, credits_pending, credits_posted]."""
    t, p = schema.transfers, schema.pending_transfers
    fold: dict[int, list[int]] = {}
    posted = sa.and_(t.c.flags.op("&")(_PENDING) == 0, t.c.flags.op("&")(_VOID) == 0)
    still_pending = p.c.status == int(PendingStatus.PENDING)
    pending_join = t.join(p, p.c.timestamp == t.c.timestamp)
    for index, column, source, where in (
        (1, t.c.debit_account_seq, t, posted),
        (3, t.c.credit_account_seq, t, posted),
        (0, t.c.debit_account_seq, pending_join, still_pending),
        (2, t.c.credit_account_seq, pending_join, still_pending),
    ):
        query = sa.select(column, sa.func.sum(t.c.amount)).select_from(source).where(where)
        for seq, total in conn.execute(query.group_by(column)):
            fold.setdefault(seq, [0, 0, 0, 0])[index] = int(total)
    return fold


def _balances(conn: sa.Connection, report: VerifyReport, _p: Any) -> None:
    a = schema.accounts
    fold = _fold(conn)
    names = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
    totals: dict[int, list[int]] = {}
    for row in conn.execute(sa.select(a).order_by(a.c.seq)):
        m = row._mapping
        stored = [int(m[n]) for n in names]
        expected = fold.pop(m["seq"], [0, 0, 0, 0])
        for name, have, want in zip(names, stored, expected, strict=True):
            if have != want:
                raise Discrepancy(
                    f"account {id_from_bytes(m['id'])}: {name} is {have} but the journal "
                    f"gives {want}"
                )
        _check_flags(id_from_bytes(m["id"]), m["flags"], *stored)
        total = totals.setdefault(m["ledger"], [0, 0, 0, 0])
        for i, value in enumerate(stored):
            total[i] += value
    if fold:
        raise Discrepancy(f"transfers refer to account seqs that do not exist: {sorted(fold)[:5]}")
    for ledger, (dp, dpo, cp, cpo) in sorted(totals.items()):
        report.ledgers[ledger] = {
            "debits_posted": dpo,
            "credits_posted": cpo,
            "debits_pending": dp,
            "credits_pending": cp,
        }
        if dpo != cpo or dp != cp:
            raise Discrepancy(
                f"ledger {ledger} does not balance: posted debits {dpo} vs credits {cpo}, "
                f"pending debits {dp} vs credits {cp}"
            )


def _check_flags(account_id: int, flags: int, dp: int, dpo: int, cp: int, cpo: int) -> None:
    if min(dp, dpo, cp, cpo) < 0:
        raise Discrepancy(f"account {account_id} has a negative balance")
    if flags & _DR_LIMIT and dp + dpo > cpo:
        raise Discrepancy(
            f"account {account_id} must not have debits exceeding credits but has "
            f"debits {dpo} posted + {dp} pending against credits {cpo}"
        )
    if flags & _CR_LIMIT and cp + cpo > dpo:
        raise Discrepancy(
            f"account {account_id} must not have credits exceeding debits but has "
            f"credits {cpo} posted + {cp} pending against debits {dpo}"
        )


def _history(conn: sa.Connection, _r: VerifyReport, progress: Callable[[int], None] | None) -> None:
    """Replay the journal in timestamp order: stored balance history must equal the fold."""
    a = schema.accounts
    flags = {seq: f for seq, f in conn.execute(sa.select(a.c.seq, a.c.flags))}
    posted: dict[int, list[int]] = {}
    last_ts = 0
    replayed = 0
    for row in _stream_journal(conn):
        (tid, ts, dseq, cseq, amount, tflags, d_dpo, d_cpo, c_dpo, c_cpo) = row
        if ts <= last_ts:
            raise Discrepancy(f"transfer {id_from_bytes(tid)}: timestamps do not increase")
        last_ts = ts
        dr = posted.setdefault(dseq, [0, 0])
        cr = posted.setdefault(cseq, [0, 0])
        if not tflags & (_PENDING | _VOID):
            dr[0] += amount
            cr[1] += amount
        if (dr[0], dr[1], cr[0], cr[1]) != (d_dpo, d_cpo, c_dpo, c_cpo):
            raise Discrepancy(
                f"transfer {id_from_bytes(tid)}: stored balance history "
                f"{(d_dpo, d_cpo, c_dpo, c_cpo)} differs from the journal's {(*dr, *cr)}"
            )
        if flags.get(dseq, 0) & _DR_LIMIT and dr[0] > dr[1]:
            raise Discrepancy(
                f"transfer {id_from_bytes(tid)} took a debits-limited account below zero"
            )
        if flags.get(cseq, 0) & _CR_LIMIT and cr[1] > cr[0]:
            raise Discrepancy(
                f"transfer {id_from_bytes(tid)} took a credits-limited account below zero"
            )
        replayed += 1
        if progress is not None and replayed % STREAM_ROWS == 0:
            progress(replayed)
    if progress is not None:
        progress(replayed)


def _stream_journal(conn: sa.Connection) -> Iterator[tuple[Any, ...]]:
    t = schema.transfers
    columns = (
        t.c.id,
        t.c.timestamp,
        t.c.debit_account_seq,
        t.c.credit_account_seq,
        t.c.amount,
        t.c.flags,
        t.c.debit_account_debits_posted,
        t.c.debit_account_credits_posted,
        t.c.credit_account_debits_posted,
        t.c.credit_account_credits_posted,
    )
    after = -1
    while True:  # keyset pagination: bounded memory, no server-side cursor needed
        rows = conn.execute(
            sa.select(*columns)
            .where(t.c.timestamp > after)
            .order_by(t.c.timestamp)
            .limit(STREAM_ROWS)
        ).all()
        if not rows:
            return
        for row in rows:
            yield tuple(row)
        after = rows[-1][1]


_CHECKS: list[tuple[str, Callable[[sa.Connection, VerifyReport, Any], None]]] = [
    ("ids are unique", _unique_ids),
    ("transfers match their accounts' ledgers", _transfer_shape),
    ("pending records match the journal", _pending_records),
    ("balances equal the journal; every ledger balances; flags hold", _balances),
    ("balance history equals the running fold", _history),
    ("the per-account index matches the journal", _account_entries),
]

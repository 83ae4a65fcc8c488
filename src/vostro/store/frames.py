"""The store's records as columns (numpy arrays and lists), for measures over a whole run: the
ledger's posted transfers with the participant and currency of each side, the payments with
their outcome, the times payments entered the queue, and the settlement runs' reports."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import sqlalchemy as sa

from vostro.ledger.types import TransferFlags
from vostro.store import Store
from vostro.store.schema import (
    accounts,
    participant_accounts,
    payment_events,
    payments,
    settlement_runs,
    transfers,
)

Columns = dict[str, Any]
UNPOSTED = int(TransferFlags.PENDING | TransferFlags.VOID_PENDING)


def account_owners(store: Store) -> dict[int, tuple[str, str, str]]:
    """Ledger account seq → (participant BIC, currency, kind) for every participant account."""
    query = sa.select(
        accounts.c.seq,
        participant_accounts.c.bic,
        participant_accounts.c.currency,
        participant_accounts.c.kind,
    ).join(participant_accounts, participant_accounts.c.account_id == accounts.c.id)
    with store.engine.connect() as conn:
        return {int(r.seq): (r.bic, r.currency, r.kind) for r in conn.execute(query)}


def posted_transfers(store: Store) -> Columns:
    """Every transfer that moved posted balances (single-phase or a posted reservation, which the
    ledger journals with its reservation's accounts and code), in the ledger's order: timestamp,
    debit and credit account seqs, amount, code."""
    t = transfers
    query = sa.select(
        t.c.timestamp,
        t.c.debit_account_seq,
        t.c.credit_account_seq,
        t.c.amount,
        t.c.code,
        t.c.flags,
    ).order_by(t.c.timestamp)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    names = ("timestamp", "debit", "credit", "amount", "code", "flags")
    columns = [np.array(c, np.int64) for c in zip(*rows, strict=True)] or [
        np.zeros(0, np.int64) for _ in names
    ]
    posted = (columns[5] & UNPOSTED) == 0
    return {name: column[posted] for name, column in zip(names[:5], columns, strict=False)}


def payment_outcomes(store: Store) -> Columns:
    """Every payment: UETR, parties, amounts, fee and cost, state, reason code, and the times it
    arrived (created) and last changed state (settled or rejected, for one that ended)."""
    p = payments
    cols = [
        p.c.uetr,
        p.c.debtor_agent,
        p.c.creditor_agent,
        p.c.flow,
        p.c.source_currency,
        p.c.source_amount_minor,
        p.c.target_currency,
        p.c.target_amount_minor,
        p.c.fx_provider,
        p.c.fee_minor,
        p.c.cost_minor,
        p.c.cost_bps,
        p.c.state,
        p.c.reason_code,
        p.c.created_at,
        p.c.updated_at,
    ]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*cols)).all()
    return {c.name: [getattr(r, c.name) for r in rows] for c in cols}


def queued_at(store: Store) -> dict[str, int]:
    """UETR → when the payment first entered the queue."""
    e = payment_events
    query = sa.select(e.c.uetr, sa.func.min(e.c.at)).where(e.c.state == "queued").group_by(e.c.uetr)
    with store.engine.connect() as conn:
        return {uetr: int(at) for uetr, at in conn.execute(query)}


def settlement_reports(store: Store) -> list[dict[str, Any]]:
    """Every LSM run and window close: kind, currency, time and its report."""
    r = settlement_runs
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(r).order_by(r.c.id)).all()
    return [
        {"kind": row.kind, "currency": row.currency, "at": row.at, **json.loads(row.report)}
        for row in rows
    ]

"""The ledger: accounts, the journal and its per-account index, pending transfers, batches.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

RowKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Id128 = sa.LargeBinary(16)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("seq", RowKey, primary_key=True, autoincrement=False),
        sa.Column("id", Id128, nullable=False, unique=True),
        sa.Column("ledger", sa.Integer, nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("user_data_128", Id128, nullable=True),
        sa.Column("user_data_64", sa.BigInteger, nullable=False),
        sa.Column("user_data_32", sa.BigInteger, nullable=False),
        sa.Column("debits_pending", sa.BigInteger, nullable=False),
        sa.Column("debits_posted", sa.BigInteger, nullable=False),
        sa.Column("credits_pending", sa.BigInteger, nullable=False),
        sa.Column("credits_posted", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        postgresql_with={"fillfactor": 50},
    )
    op.create_table(
        "transfers",
        sa.Column("timestamp", RowKey, primary_key=True, autoincrement=False),
        sa.Column("id", Id128, nullable=False, unique=True),
        sa.Column("debit_account_seq", sa.BigInteger, nullable=False),
        sa.Column("credit_account_seq", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("pending_id", Id128, nullable=True),
        sa.Column("ledger", sa.Integer, nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("timeout_s", sa.BigInteger, nullable=False),
        sa.Column("user_data_128", Id128, nullable=True),
        sa.Column("user_data_64", sa.BigInteger, nullable=False),
        sa.Column("user_data_32", sa.BigInteger, nullable=False),
        sa.Column("debit_account_debits_posted", sa.BigInteger, nullable=False),
        sa.Column("debit_account_credits_posted", sa.BigInteger, nullable=False),
        sa.Column("credit_account_debits_posted", sa.BigInteger, nullable=False),
        sa.Column("credit_account_credits_posted", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "account_entries",
        sa.Column("account_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("timestamp", sa.BigInteger, primary_key=True, autoincrement=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_marks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "pending_transfers",
        sa.Column("timestamp", RowKey, primary_key=True, autoincrement=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("resolved_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pending_transfers_status", "pending_transfers", ["status", "expires_at"])
    op.create_table(
        "ledger_batches",
        sa.Column("batch", RowKey, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("first_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_timestamp", sa.BigInteger, nullable=False),
        sa.Column("committed_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_batches")
    op.drop_index("ix_pending_transfers_status", table_name="pending_transfers")
    op.drop_table("pending_transfers")
    op.drop_table("ledger_marks")
    op.drop_table("account_entries")
    op.drop_table("transfers")
    op.drop_table("accounts")

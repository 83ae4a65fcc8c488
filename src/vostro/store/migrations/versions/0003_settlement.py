"""Settlement: modes per participant and currency, net debit caps, bilateral limits, the RTGS
queue, deferred net settlement windows, and the reports of LSM runs and windows.

Revision ID: 0003_settlement
Revises: 0002_payments
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_settlement"
down_revision = "0002_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settlement_modes",
        sa.Column("bic", sa.String(11), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("mode", sa.String(8), nullable=False),
    )
    op.create_table(
        "net_debit_caps",
        sa.Column("bic", sa.String(11), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("cap_minor", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "bilateral_limits",
        sa.Column("bic", sa.String(11), primary_key=True),
        sa.Column("counterparty", sa.String(11), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "payment_queue",
        sa.Column("uetr", sa.String(36), primary_key=True),
        sa.Column("payer", sa.String(11), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("arrival", sa.BigInteger(), nullable=False),
        sa.Column("deadline_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_payment_queue_order", "payment_queue", ["currency", "priority", "arrival"])
    op.create_table(
        "settlement_windows",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.BigInteger(), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.Column("settled_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "window_payments",
        sa.Column("uetr", sa.String(36), primary_key=True),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("payer", sa.String(11), nullable=False),
        sa.Column("payee", sa.String(11), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_window_payments_window_id", "window_payments", ["window_id"])
    op.create_table(
        "settlement_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settlement_runs")
    op.drop_table("window_payments")
    op.drop_table("settlement_windows")
    op.drop_table("payment_queue")
    op.drop_table("bilateral_limits")
    op.drop_table("net_debit_caps")
    op.drop_table("settlement_modes")

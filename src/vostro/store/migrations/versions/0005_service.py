"""The service: API keys (hashed), idempotent POST responses, where an audited write came from,
payment segments, and indexes for a participant's payments.

Revision ID: 0005_service
Revises: 0004_aliases
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_service"
down_revision = "0004_aliases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("key_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("bic", sa.String(11)),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.BigInteger),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("status", sa.SmallInteger, nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("origin", sa.String(64)))
    op.create_table(
        "payment_tags",
        sa.Column("uetr", sa.String(36), primary_key=True),
        sa.Column("segment", sa.String(64), nullable=False),
    )
    op.create_index("ix_payment_tags_segment", "payment_tags", ["segment"])
    op.create_index("ix_payments_created_at", "payments", ["created_at"])
    op.create_index("ix_payments_creditor_agent", "payments", ["creditor_agent"])


def downgrade() -> None:
    op.drop_index("ix_payments_creditor_agent", "payments")
    op.drop_index("ix_payments_created_at", "payments")
    op.drop_table("payment_tags")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("origin")
    op.drop_table("idempotency_keys")
    op.drop_table("api_keys")

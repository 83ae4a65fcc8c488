"""Compliance: stored screening lists, screenings per payment, holds and their decisions,
remembered false positives, payment limits.

Revision ID: 0006_compliance
Revises: 0005_service
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_compliance"
down_revision = "0005_service"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_lists",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("entities", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.BigInteger, nullable=False),
        sa.Column("loaded_by", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uetr", sa.String(36), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("lists", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
    )
    op.create_index("ix_screenings_uetr", "screenings", ["uetr"])
    op.create_table(
        "payment_holds",
        sa.Column("uetr", sa.String(36), primary_key=True),
        sa.Column("held_at", sa.BigInteger, nullable=False),
        sa.Column("deadline_at", sa.BigInteger, nullable=False),
        sa.Column("reserved", sa.SmallInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.BigInteger, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_payment_holds_status", "payment_holds", ["status", "deadline_at"])
    op.create_table(
        "screening_overrides",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("party_key", sa.String(140), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("list_version", sa.String(64), nullable=False),
        sa.Column("uetr", sa.String(36), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint(
            "party_key", "entity_id", "list_name", "list_version", name="uq_screening_overrides"
        ),
    )
    op.create_table(
        "payment_limits",
        sa.Column("participant", sa.String(11), primary_key=True),
        sa.Column("flow", sa.String(16), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("per_payment_max_minor", sa.BigInteger, nullable=True),
        sa.Column("per_day_max_minor", sa.BigInteger, nullable=True),
        sa.Column("set_at", sa.BigInteger, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_payments_payer_day", "payments", ["debtor_agent", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_payments_payer_day", "payments")
    op.drop_table("payment_limits")
    op.drop_table("screening_overrides")
    op.drop_index("ix_payment_holds_status", "payment_holds")
    op.drop_table("payment_holds")
    op.drop_index("ix_screenings_uetr", "screenings")
    op.drop_table("screenings")
    op.drop_table("screening_lists")

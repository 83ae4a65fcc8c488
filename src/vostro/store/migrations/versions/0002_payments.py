"""Payments: participants and their accounts, fees, FX rates and quotes, payments and their
history, the audit log, and rupee vostro treasury settings and daily figures.

Revision ID: 0002_payments
Revises: 0001_ledger
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_payments"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("bic", sa.String(11), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False, unique=True),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("roles", sa.String(64), nullable=False),
        sa.Column("currencies", sa.String(64), nullable=False),
        sa.Column("correspondent_bic", sa.String(11), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "participant_accounts",
        sa.Column("account_id", sa.LargeBinary(16), primary_key=True),
        sa.Column("bic", sa.String(11), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("held_at_bic", sa.String(11), nullable=True),
    )
    op.create_index("ix_participant_accounts_bic", "participant_accounts", ["bic"])
    op.create_table(
        "fee_schedules",
        sa.Column("bic", sa.String(11), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("fixed_minor", sa.BigInteger(), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),
        sa.Column("cap_minor", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "reference_rates",
        sa.Column("base", sa.String(3), primary_key=True),
        sa.Column("quote", sa.String(3), primary_key=True),
        sa.Column("as_of", sa.Date(), primary_key=True),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("rate", sa.String(40), nullable=False),
    )
    op.create_table(
        "standing_rates",
        sa.Column("provider_bic", sa.String(11), primary_key=True),
        sa.Column("source_currency", sa.String(3), primary_key=True),
        sa.Column("target_currency", sa.String(3), primary_key=True),
        sa.Column("tiers", sa.Text(), nullable=False),
    )
    op.create_table(
        "fx_quotes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("provider_bic", sa.String(11), nullable=False),
        sa.Column("requested_by_bic", sa.String(11), nullable=False),
        sa.Column("source_currency", sa.String(3), nullable=False),
        sa.Column("target_currency", sa.String(3), nullable=False),
        sa.Column("source_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("target_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.String(40), nullable=False),
        sa.Column("reference_rate", sa.String(40), nullable=False),
        sa.Column("spread_bps", sa.Integer(), nullable=False),
        sa.Column("margin_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_by_uetr", sa.String(36), nullable=True),
    )
    op.create_table(
        "payments",
        sa.Column("uetr", sa.String(36), primary_key=True),
        sa.Column("payment_id", sa.LargeBinary(16), nullable=False, unique=True),
        sa.Column("end_to_end_id", sa.String(35), nullable=False),
        sa.Column("debtor_agent", sa.String(11), nullable=False),
        sa.Column("creditor_agent", sa.String(11), nullable=False),
        sa.Column("flow", sa.String(16), nullable=False),
        sa.Column("source_currency", sa.String(3), nullable=False),
        sa.Column("source_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("target_currency", sa.String(3), nullable=False),
        sa.Column("target_amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("quote_id", sa.String(32), nullable=True),
        sa.Column("fx_provider", sa.String(11), nullable=True),
        sa.Column("rate", sa.String(40), nullable=True),
        sa.Column("reference_rate", sa.String(40), nullable=True),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("fx_margin_minor", sa.BigInteger(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("cost_bps", sa.String(16), nullable=False),
        sa.Column("debtor_name", sa.String(140), nullable=False),
        sa.Column("creditor_name", sa.String(140), nullable=False),
        sa.Column("purpose", sa.String(4), nullable=True),
        sa.Column("remittance_info", sa.String(140), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(4), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("original_uetr", sa.String(36), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("debtor_agent", "end_to_end_id", name="uq_payments_end_to_end"),
    )
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uetr", sa.String(36), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(4), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_payment_events_uetr", "payment_events", ["uetr"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_table(
        "vostro_settings",
        sa.Column("bic", sa.String(11), primary_key=True),
        sa.Column("threshold_minor", sa.BigInteger(), nullable=False),
        sa.Column("annual_yield", sa.String(16), nullable=False),
    )
    op.create_table(
        "vostro_days",
        sa.Column("bic", sa.String(11), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("vostro_minor", sa.BigInteger(), nullable=False),
        sa.Column("invested_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vostro_days")
    op.drop_table("vostro_settings")
    op.drop_table("audit_log")
    op.drop_table("payment_events")
    op.drop_table("payments")
    op.drop_table("fx_quotes")
    op.drop_table("standing_rates")
    op.drop_table("reference_rates")
    op.drop_table("fee_schedules")
    op.drop_table("participant_accounts")
    op.drop_table("participants")

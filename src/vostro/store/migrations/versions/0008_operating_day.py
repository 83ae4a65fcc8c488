"""The operating day: schedules, calendar closures, operating days and their end-of-day steps,
the day's statements, participants' carry choice, and each payment's value date.

Revision ID: 0008_operating_day
Revises: 0007_text_check
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_operating_day"
down_revision = "0007_text_check"
branch_labels = None
depends_on = None

Id128 = sa.LargeBinary(16)


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("settlement_date", sa.Date, nullable=True))
    op.create_index("ix_payments_scheduled", "payments", ["state", "settlement_date"])
    op.create_table(
        "day_schedules",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("always_open", sa.Boolean, nullable=False),
        sa.Column("opens", sa.Integer, nullable=False),
        sa.Column("customer_cutoff", sa.Integer, nullable=True),
        sa.Column("interbank_cutoff", sa.Integer, nullable=True),
        sa.Column("urgent_cutoff", sa.Integer, nullable=True),
        sa.Column("end_of_day", sa.Integer, nullable=False),
    )
    op.create_table(
        "calendar_closures",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("closed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(140), nullable=False),
    )
    op.create_table(
        "operating_days",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("opened_at", sa.BigInteger, nullable=False),
        sa.Column("span_start", sa.BigInteger, nullable=False),
        sa.Column("closing_at", sa.BigInteger, nullable=True),
        sa.Column("closed_at", sa.BigInteger, nullable=True),
        sa.Column("report", sa.Text, nullable=True),
    )
    op.create_table(
        "end_of_day_steps",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("step", sa.String(16), primary_key=True),
        sa.Column("done_at", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "day_statements",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("account_id", Id128, nullable=False),
        sa.Column("owner", sa.String(11), nullable=True),
        sa.Column("xml", sa.LargeBinary, nullable=False),
    )
    op.create_table("day_carry", sa.Column("bic", sa.String(11), primary_key=True))


def downgrade() -> None:
    for table in (
        "day_carry",
        "day_statements",
        "end_of_day_steps",
        "operating_days",
        "calendar_closures",
        "day_schedules",
    ):
        op.drop_table(table)
    op.drop_index("ix_payments_scheduled", "payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("settlement_date")

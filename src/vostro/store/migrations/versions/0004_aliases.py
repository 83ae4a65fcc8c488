"""Participant aliases: other identifiers (clearing system member ids) of a participant.

Revision ID: 0004_aliases
Revises: 0003_settlement
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_aliases"
down_revision = "0003_settlement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participant_aliases",
        sa.Column("alias", sa.String(64), primary_key=True),
        sa.Column("bic", sa.String(11), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("participant_aliases")

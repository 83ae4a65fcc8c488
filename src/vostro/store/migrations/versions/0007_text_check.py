"""Text every wire can carry: stored text checked and cleaned; the business messages received.

Before revision 0007 the API took any text: a NUL in a debtor's name or a control character in an
end-to-end id was stored, and every pacs.002 of that payment then failed to render. This
migration reads every text column that reaches an ISO 20022 message, the dashboard, a log line or
a terminal (`CHECKED` below) and replaces each character `vostro.text` refuses (controls, C1,
surrogates, noncharacters, line separators, bidirectional overrides) with U+FFFD, the replacement
character, in free text, and with "?" in an end-to-end id ("?" is in the ISO 20022 restricted
character set identifiers keep to; U+FFFD is not): the text keeps its length and its readable
part, and shows where something was taken out. Each change is logged (logger
`vostro.store.migrations`, level WARNING) with the row's key and the old value written with
visible escapes (`\\x00`), so an operator can see what was found and put a value back by hand:
that log is the way back; `downgrade` does not restore text.

An end-to-end id is unique per debtor agent: if its cleaned form is taken, the payment's UETR
prefix is appended (`...-3f2b8c1e`) to keep it unique, and the log says so. End-to-end ids outside
the ISO 20022 restricted character set (legal XML, but not what CBPR+ allows) are counted and
kept: they are the senders' own references, and a message can carry them.

It also creates `business_messages`: each sender's business application header identifiers
(BizMsgIdr), unique per sender (a repeat is refused AM05).

Revision ID: 0007_text_check
Revises: 0006_compliance
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic import op

from vostro.text import END_TO_END_ID, REPLACEMENT, cleaned, forbidden, shown

revision = "0007_text_check"
down_revision = "0006_compliance"
branch_labels = None
depends_on = None

log = logging.getLogger("vostro.store.migrations")
SCAN_ROWS_PER_FETCH = 1_000  # rows a streamed scan holds at a time (payments may be millions)
# Per statement: options set on the connection would stay on it, for alembic's own statements.
STREAMED = {"stream_results": True, "yield_per": SCAN_ROWS_PER_FETCH}
# table -> (its key columns, the text columns checked)
CHECKED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "participants": (("bic",), ("name",)),
    "payments": (
        ("uetr",),
        ("end_to_end_id", "debtor_name", "creditor_name", "remittance_info", "reason"),
    ),
    "payment_events": (("id",), ("reason",)),
    "payment_holds": (("uetr",), ("decision_reason",)),
    "screenings": (("id",), ("reason",)),
    "screening_overrides": (("id",), ("reason",)),
    "api_keys": (("key_id",), ("label",)),
}


# What a refused character becomes, by column (U+FFFD elsewhere).
REPLACING = {"end_to_end_id": "?"}


def upgrade() -> None:
    op.create_table(
        "business_messages",
        sa.Column("sender", sa.String(11), primary_key=True),
        sa.Column("business_message_id", sa.String(35), primary_key=True),
        sa.Column("definition", sa.String(35), nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
    )
    conn = op.get_bind()
    changed = sum(clean_table(conn, table, *columns) for table, columns in CHECKED.items())
    outside = _end_to_end_ids_outside_the_restricted_set(conn)
    if outside:
        log.warning(
            "0007_text_check: %d end-to-end ids are outside the ISO 20022 restricted character "
            "set; kept as they are (a message can carry them, new ones are refused)",
            outside,
        )
    if changed:
        log.warning(
            "0007_text_check: %d stored texts held characters no wire can carry; each such "
            'character is now U+FFFD ("?" in an end-to-end id); the rows are logged above',
            changed,
        )
    else:
        log.info("0007_text_check: every stored text can be carried by every wire")


def downgrade() -> None:
    op.drop_table("business_messages")  # cleaned text stays cleaned: the upgrade's log has it


def clean_table(
    conn: sa.Connection, name: str, keys: tuple[str, ...], texts: tuple[str, ...]
) -> int:
    """Clean one table's text columns; returns how many values changed."""
    extra = ("debtor_agent",) if name == "payments" else ()  # an end-to-end id's scope
    table = sa.table(name, *(sa.column(c) for c in keys + texts + extra))
    changed = 0
    for row in _offending_rows(conn, table, texts):
        key = {k: row[k] for k in keys}
        values = {c: cleaned(row[c], REPLACING.get(c, REPLACEMENT)) for c in texts if _bad(row[c])}
        if "end_to_end_id" in values and name == "payments":
            values["end_to_end_id"] = _unique_end_to_end_id(conn, row, values["end_to_end_id"])
        for column, value in values.items():
            log.warning(
                "0007_text_check: %s.%s of %s: %r -> %r",
                name,
                column,
                key,
                shown(row[column]),
                shown(value),
            )
        where = sa.and_(*(table.c[k] == v for k, v in key.items()))
        conn.execute(sa.update(table).where(where).values(**values))
        changed += len(values)
    return changed


def _bad(value: object) -> bool:
    return isinstance(value, str) and forbidden(value) is not None


def _offending_rows(
    conn: sa.Connection, table: Any, texts: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The rows with a text to clean: the table is streamed, only offenders are kept."""
    result = conn.execute(sa.select(table).execution_options(**STREAMED))
    return [dict(r._mapping) for r in result if any(_bad(r._mapping[c]) for c in texts)]


def _unique_end_to_end_id(conn: sa.Connection, row: dict[str, Any], wanted: str) -> str:
    """`wanted`, or it with the UETR's first eight digits if the debtor agent already has it."""
    payments = sa.table("payments", sa.column("end_to_end_id"), sa.column("debtor_agent"))
    taken = conn.execute(
        sa.select(sa.func.count())
        .select_from(payments)
        .where(payments.c.debtor_agent == row["debtor_agent"], payments.c.end_to_end_id == wanted)
    ).scalar_one()
    if not taken:
        return wanted
    unique = f"{wanted[:26]}-{row['uetr'][:8]}"
    log.warning(
        "0007_text_check: payment %s: end-to-end id %r is taken; %r instead",
        row["uetr"],
        shown(wanted),
        unique,
    )
    return unique


def _end_to_end_ids_outside_the_restricted_set(conn: sa.Connection) -> int:
    payments = sa.table("payments", sa.column("end_to_end_id"))
    result = conn.execute(sa.select(payments.c.end_to_end_id).execution_options(**STREAMED))
    return sum(1 for (e2e,) in result if END_TO_END_ID.problem(e2e) is not None)

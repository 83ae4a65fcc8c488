"""The business messages received (`business_messages`): the `iso20022.ports.MessageLog`."""

from __future__ import annotations

import sqlalchemy as sa

from vostro.store.schema import business_messages


class SqlBusinessMessages:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def seen(self, sender: str, business_message_id: str) -> bool:
        t = business_messages
        query = sa.select(sa.literal(1)).where(
            t.c.sender == sender, t.c.business_message_id == business_message_id
        )
        return self.conn.execute(query).first() is not None

    def add(self, sender: str, business_message_id: str, definition: str, at: int) -> None:
        """Only the single writer adds, after `seen`: no two units race for one identifier."""
        self.conn.execute(
            business_messages.insert().values(
                sender=sender,
                business_message_id=business_message_id,
                definition=definition,
                received_at=at,
            )
        )

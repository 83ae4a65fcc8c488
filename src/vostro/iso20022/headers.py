"""Business application headers received: every sender's business message identifiers, kept.

A head.001.001.02 header's BizMsgIdr "unambiguously identifies the business message to the
messaging endpoint that has created it": a sender never uses one twice, so a second message from
the same sender under an identifier already received is a duplicate, refused whole (AM05) with
nothing posted, however different its transactions are. The identifiers are kept in the store
(`business_messages`, keyed by sender and identifier), written in the same unit of work as the
message's payments: a message refused for another reason before it is recorded leaves no trace,
and a restart forgets nothing.
"""

from __future__ import annotations

from vostro.iso20022.ports import MessagesUnit


class BusinessMessages:
    """The log of business messages received (each command runs in its unit of work)."""

    def receive(
        self, uow: MessagesUnit, sender: str, business_message_id: str, definition: str
    ) -> bool:
        """Record a message from `sender` (a participant's BIC); False, recording nothing, if
        that sender already sent one under `business_message_id`."""
        if uow.messages.seen(sender, business_message_id):
            return False
        uow.messages.add(sender, business_message_id, definition, uow.clock())
        return True

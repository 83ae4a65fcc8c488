"""Returns (pacs.004): a settled payment's money sent back along the same legs, the fee kept.

The return is a payment of its own, from the original payee to the original payer, linked to
the original by `original_uetr`; the original becomes `returned`. A return the payee cannot fund
is rejected, and the original stays settled.
"""

from __future__ import annotations

import uuid

from vostro.payments import legs
from vostro.payments.legs import DONE
from vostro.payments.lifecycle import Lifecycle, new_payment
from vostro.payments.model import Payment, PaymentRejected, PaymentRequest, Reason, State
from vostro.payments.ports import UnitOfWork

END_TO_END_CHARS_MAX = 35  # ISO 20022 Max35Text


def return_payment(
    uow: UnitOfWork, life: Lifecycle, original_uetr: str, return_uetr: str, reason: str
) -> Payment:
    """Send a settled payment's money back; returns the return payment."""
    original = uow.payments.get(original_uetr)
    if original is None:
        raise PaymentRejected(Reason.NOT_SPECIFIED, f"no payment has UETR {original_uetr}")
    if original.state is not State.SETTLED:
        raise PaymentRejected(
            Reason.NOT_SPECIFIED, f"payment {original_uetr} is {original.state}, not settled"
        )
    back = _reverse(original, return_uetr)
    uetrs, pairs = uow.payments.known([back.uetr], [(back.debtor_agent, back.end_to_end_id)])
    if uetrs or pairs:
        raise PaymentRejected(
            Reason.DUPLICATION,
            f"a payment with UETR {back.uetr} or end-to-end id {back.end_to_end_id} from "
            f"{back.debtor_agent} exists already",
        )
    uow.payments.add(back, f"return of {original.uetr}: {reason}")
    chain = legs.return_chain(
        back.payment_id, original.payment_id, legs.of(uow, life.registry, original)
    )
    results = uow.ledger.create_transfers(chain)
    if any(r not in DONE for r in results):
        back.reason_code, back.reason = (
            Reason.INSUFFICIENT_FUNDS,
            f"the return could not be funded ({results}); the original stays settled",
        )
        life.move(uow, back, State.REJECTED, back.reason)
        return back
    for state in (State.VALIDATED, State.SCREENED, State.RESERVED, State.SETTLED):
        life.move(uow, back, state, "return: funds sent back along the original legs")
    original.reason = reason
    life.move(uow, original, State.RETURNED, f"returned by {return_uetr}: {reason}")
    return back


def _reverse(original: Payment, return_uetr: str) -> Payment:
    back = new_payment(
        PaymentRequest(
            uetr=return_uetr,
            # Its own end-to-end id, unique as its UETR is (a refused return may be retried;
            # the original's end-to-end id travels as the return's original reference).
            end_to_end_id=f"RTN{uuid.UUID(return_uetr).hex}"[:END_TO_END_CHARS_MAX],
            debtor_agent=original.creditor_agent,
            creditor_agent=original.debtor_agent,
            amount_minor=original.target_amount_minor,
            currency=original.target_currency,
            target_currency=original.source_currency,
            flow="return",
            debtor_name=original.creditor_name,
            creditor_name=original.debtor_name,
        )
    )
    back.target_amount_minor = original.source_amount_minor
    back.original_uetr, back.fx_provider = original.uetr, original.fx_provider
    return back

"""Admission into a deferred net settlement window (Mojaloop's net debit cap).

A payment settled on net joins the open window of its currency at once, if the payer's net
debit in that window (what it sent, with fees, less what it received) stays within its net debit
cap, and what it owes the payee stays within their bilateral limit, if one is set. Nothing moves
in the ledger until the window settles.
"""

from __future__ import annotations

from typing import Any

from vostro.errors import VostroError
from vostro.settlement.obligations import Obligation
from vostro.settlement.windows import WindowPayment


class AdmissionRefused(VostroError):
    """The obligation would break the payer's net debit cap or a bilateral limit."""


def admit(uow: Any, o: Obligation, now_ns: int) -> str:
    """Add the obligation to its currency's open window; returns the sentence for the payment's
    history, or raises `AdmissionRefused` saying which cap it would break."""
    window = uow.windows.open_window(o.currency, now_ns)
    debit = uow.windows.net_debit(window.id, o.payer) + o.amount_minor + o.fee_minor
    cap = uow.rules.net_debit_cap(o.payer, o.currency)
    if debit > cap:
        raise AdmissionRefused(
            f"it would take {o.payer}'s net debit in window {window.id} to "
            f"{debit} minor units of {o.currency}, over its net debit cap of {cap}"
        )
    limit = uow.rules.bilateral_limit(o.payer, o.payee, o.currency)
    owed = uow.windows.bilateral_debit(window.id, o.payer, o.payee)
    if limit is not None and owed + o.amount_minor > limit:
        raise AdmissionRefused(
            f"it would take what {o.payer} owes {o.payee} to "
            f"{owed + o.amount_minor}, over their bilateral limit of {limit}"
        )
    uow.windows.add(window.id, WindowPayment(o.id, o.payer, o.payee, o.amount_minor, o.fee_minor))
    return (
        f"accepted into {o.currency} settlement window {window.id}; "
        f"net debit now {debit} of cap {cap}"
    )

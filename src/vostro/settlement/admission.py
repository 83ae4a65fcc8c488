"""Admission into a deferred net settlement window.

An obligation of a participant that settles on net joins its currency's open window (one is
opened if none is) only if the payer's net debit in the window, its fee included, stays within
its net debit cap, and what it owes the payee net stays within any bilateral limit between them
(Mojaloop's position check before prepare). Nothing moves in the ledger: the window settles on
net when it closes (`settlement.engine.close_window`).
"""

from __future__ import annotations

from vostro.errors import VostroError
from vostro.settlement.obligations import Obligation
from vostro.settlement.ports import AdmissionUnit
from vostro.settlement.windows import WindowPayment


class AdmissionRefused(VostroError):
    """The obligation would take its payer over its net debit cap or a bilateral limit."""


def admit(uow: AdmissionUnit, obligation: Obligation, now_ns: int) -> str:
    """Accept the obligation into its currency's open window, within the payer's net debit cap
    and bilateral limit; returns the note for the payment's history."""
    o, code = obligation, obligation.currency
    window = uow.windows.open_window(code, now_ns)
    debit = uow.windows.net_debit(window.id, o.payer) + o.amount_minor
    debit += o.fee_minor
    cap = uow.rules.net_debit_cap(o.payer, code)
    if debit > cap:
        raise AdmissionRefused(
            f"it would take {o.payer}'s net debit in window {window.id} to "
            f"{debit} minor units of {code}, over its net debit cap of {cap}"
        )
    limit = uow.rules.bilateral_limit(o.payer, o.payee, code)
    owed = uow.windows.bilateral_debit(window.id, o.payer, o.payee)
    if limit is not None and owed + o.amount_minor > limit:
        raise AdmissionRefused(
            f"it would take what {o.payer} owes {o.payee} to "
            f"{owed + o.amount_minor}, over their bilateral limit of {limit}"
        )
    uow.windows.add(window.id, WindowPayment(o.id, o.payer, o.payee, o.amount_minor, o.fee_minor))
    return f"accepted into {code} settlement window {window.id}; net debit now {debit} of cap {cap}"

"""What routes look up for the caller: a participant or a payment it may see (else 404, whether
or not it exists), a participant's accounts, a currency vostro settles."""

from __future__ import annotations

from vostro.ledger.types import Account
from vostro.money import currency
from vostro.participants.model import AccountKind, Participant
from vostro.payments.model import Payment
from vostro.service.auth import Principal
from vostro.service.problems import Problem, not_found
from vostro.service.web.context import Service


def visible(svc: Service, who: Principal, bic: str) -> Participant:
    """The participant, if the caller may see it; otherwise 404 whether or not it exists."""
    found = svc.platform.registry.find(bic.upper()) if len(bic) in (8, 11) else None
    if found is None or not who.sees(found.bic):
        raise not_found(f"participant {bic}")
    return found


SHOWN_KINDS = (AccountKind.SETTLEMENT, AccountKind.VOSTRO, AccountKind.INVESTMENT, AccountKind.FEE)


def accounts_of(
    svc: Service, people: list[Participant]
) -> list[tuple[Participant, AccountKind, str, Account]]:
    """The participants' accounts that exist, in one read: (participant, kind, currency, it)."""
    ids = [
        (p, kind, code, p.account(kind, code))
        for p in people
        for code in p.currencies
        for kind in SHOWN_KINDS
    ]
    found = {a.id: a for a in svc.platform.store.get_accounts([i for *_, i in ids])}
    return [(p, kind, code, found[i]) for p, kind, code, i in ids if i in found]


def own_payment(svc: Service, who: Principal, uetr: str) -> Payment:
    p = svc.platform.payments.get(uetr) if len(uetr) == 36 else None
    if p is None or not (who.sees(p.debtor_agent) or who.sees(p.creditor_agent)):
        raise not_found(f"payment {uetr}")
    return p


def checked_currency(code: str) -> str:
    try:
        return currency(code).code
    except Exception:
        raise Problem(
            422,
            "unknown-currency",
            "Unknown currency",
            f"{code!r} is not an ISO 4217 currency vostro settles",
            code="AM03",
        ) from None

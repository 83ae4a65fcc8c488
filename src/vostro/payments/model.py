"""A payment and its lifecycle, as an explicit state machine (DESIGN.md §4).

    received → validated → screened → [quoted] → reserved → settled → (returned)
                                   └→ queued → (reserved →) settled       RTGS, payer short of funds
                                   └→ clearing → settled                  deferred net settlement
                        a sanctions hit:   reserved → held → settled     funds reserved under review
                                 screened → held → reserved | queued | clearing   (see service.py)
        any state before settled → rejected

`quoted` is passed only by cross-currency payments. `held` waits for an operator's decision on a
sanctions screening hit: released, the payment goes on; rejected, it ends `rejected` (RR04). A
same-currency payment its payer cannot fund waits `queued` (RTGS with a liquidity-saving
mechanism); one whose payer settles the currency on a deferred net basis is `clearing` in a
settlement window until the window settles.

Every transition is stored with its time and reason; a payment is traced end to end by its UETR.
A rejection carries an ISO 20022 external status reason code (ExternalStatusReason1Code) and a
sentence a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from vostro.errors import VostroError


class State(StrEnum):
    RECEIVED = "received"
    VALIDATED = "validated"
    SCREENED = "screened"
    QUOTED = "quoted"
    QUEUED = "queued"
    CLEARING = "clearing"
    RESERVED = "reserved"
    HELD = "held"
    SCHEDULED = "scheduled"  # warehoused until its value date's opening; nothing reserved
    SETTLED = "settled"
    REJECTED = "rejected"
    RETURNED = "returned"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.VALIDATED, State.REJECTED}),
    State.VALIDATED: frozenset({State.SCREENED, State.SCHEDULED, State.REJECTED}),
    # released at its day's opening, it is validated again and goes on
    State.SCHEDULED: frozenset({State.VALIDATED, State.REJECTED}),
    State.SCREENED: frozenset(
        {State.QUOTED, State.RESERVED, State.QUEUED, State.CLEARING, State.HELD, State.REJECTED}
    ),
    State.QUOTED: frozenset({State.RESERVED, State.REJECTED}),
    State.QUEUED: frozenset({State.RESERVED, State.SETTLED, State.REJECTED}),
    State.CLEARING: frozenset({State.SETTLED, State.REJECTED}),
    State.RESERVED: frozenset({State.SETTLED, State.HELD, State.REJECTED}),
    # Released with its funds reserved it settles; released without (a payment that would have
    # queued, or a deferred net one) it goes where it would have gone unscreened.
    State.HELD: frozenset(
        {State.SETTLED, State.RESERVED, State.QUEUED, State.CLEARING, State.REJECTED}
    ),
    State.SETTLED: frozenset({State.RETURNED}),
    State.REJECTED: frozenset(),
    State.RETURNED: frozenset(),
}
FINAL = frozenset({State.SETTLED, State.REJECTED, State.RETURNED})


class Reason(StrEnum):
    """ISO 20022 external status reason codes vostro uses."""

    INCORRECT_ACCOUNT = "AC01"  # unknown participant
    CLOSED_ACCOUNT = "AC04"
    BLOCKED_ACCOUNT = "AC06"  # suspended participant
    NOT_ALLOWED_CURRENCY = "AM03"
    NOT_ALLOWED_AMOUNT = "AM02"  # over a net debit cap, a bilateral limit or a per-payment max
    # Over the payer's daily limit: each payment may be allowed on its own, but the day's total
    # exceeds what the operator agreed with the participant ("AmountExceedsAgreedLimit"), which is
    # a different thing to fix (wait for tomorrow, or ask for a higher cap) than AM02.
    EXCEEDS_AGREED_LIMIT = "AM14"
    INSUFFICIENT_FUNDS = "AM04"
    DUPLICATION = "AM05"
    WRONG_AMOUNT = "AM09"  # not the amount agreed (e.g. in the FX quote)
    INVALID_AMOUNT = "AM12"
    TIMEOUT = "AB05"  # used for an expired FX quote: its time ran out
    INVALID_FILE_FORMAT = "FF01"
    REGULATORY = "RR04"  # sanctions screening
    CANCELLED = "DS02"  # cancelled by its sender while queued or scheduled
    INVALID_DATE = "DT01"  # a value date that is not a business day, is past or too far ahead
    CUTOFF_TIME = "TM01"  # received after its cut-off
    NOT_SPECIFIED = "NARR"  # anything else; the narrative says what


class InvalidTransition(VostroError):
    """A state change the lifecycle does not allow: a bug, reported loudly."""


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a sender submits (the JSON path and the ISO 20022 path both produce this)."""

    uetr: str
    end_to_end_id: str
    debtor_agent: str  # payer bank's BIC
    creditor_agent: str  # payee bank's BIC
    amount_minor: int  # in `currency`, what the sender sends
    currency: str
    target_currency: str | None = None  # differs from `currency` for a cross-currency payment
    quote_id: str | None = None
    flow: str = "trade"  # trade | remittance | transfer | return
    debtor_name: str = ""
    creditor_name: str = ""
    purpose: str | None = None  # ISO 20022 purpose code, e.g. SUPP, SALA, GDDS
    remittance_info: str | None = None
    settlement_date: date | None = None  # the interbank settlement (value) date asked for
    next_day_if_late: bool = False  # after the cut-off: warehouse for the next business day

    @property
    def settlement_currency(self) -> str:
        return self.target_currency or self.currency


@dataclass(frozen=True, slots=True)
class Event:
    at: int
    state: State
    reason_code: str | None
    reason: str | None


@dataclass(slots=True)
class Payment:
    uetr: str
    payment_id: int
    end_to_end_id: str
    debtor_agent: str
    creditor_agent: str
    flow: str
    source_currency: str
    source_amount_minor: int
    target_currency: str
    target_amount_minor: int
    debtor_name: str
    creditor_name: str
    state: State = State.RECEIVED
    quote_id: str | None = None
    fx_provider: str | None = None
    rate: str | None = None
    reference_rate: str | None = None
    fee_minor: int = 0
    fx_margin_minor: int = 0
    cost_minor: int = 0
    cost_bps: str = "0"
    purpose: str | None = None
    remittance_info: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    original_uetr: str | None = None
    settlement_date: date | None = None  # its value date (asked for, or the day it came)
    next_day_if_late: bool = False  # as asked in its request; not stored
    events: list[Event] = field(default_factory=list)

    @property
    def cross_currency(self) -> bool:
        return self.source_currency != self.target_currency


class PaymentRejected(VostroError):
    """Raised inside the service to end a payment's processing with a reason."""

    def __init__(self, code: Reason, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class HoldStatus(StrEnum):
    HELD = "held"  # waiting for an operator
    RELEASED = "released"
    REJECTED = "rejected"
    EXPIRED = "expired"  # not decided by its deadline, so rejected


@dataclass(frozen=True, slots=True)
class Hold:
    """A payment held on a screening hit, and the decision on it."""

    uetr: str
    held_at: int  # ns
    deadline_at: int  # ns
    reserved: bool  # its funds are reserved in the ledger
    status: HoldStatus
    decided_at: int | None = None
    decided_by: str | None = None
    decision_reason: str | None = None

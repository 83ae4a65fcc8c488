"""Validation of a payment before anything is reserved: its participants, currencies, amount and
the operator's limits.

**Limits** (`compliance.limits`) are checked here: over a per-payment maximum is AM02, over a
daily limit AM14; the payment is rejected before anything is reserved.

The settings read on the way (settlement modes, limits, fee schedules, calendars and days) go
through a `Memo`: read once per group of payments, or kept across groups by the single writer
until a command that may change them (`keep`/`forget`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from vostro.calendar.days import CurrencyCalendar
from vostro.calendar.model import OperatingDay, always_open
from vostro.compliance.limits import ALL, Limit, day_bounds
from vostro.ledger.types import INT64_MAX
from vostro.money import format_amount
from vostro.participants.model import Participant
from vostro.participants.registry import Registry
from vostro.payments.fees import FeeSchedule, FeeSchedules
from vostro.payments.model import Payment, PaymentRejected, Reason
from vostro.payments.ports import UnitOfWork
from vostro.settlement.rules import Mode

T = TypeVar("T")


class Memo:
    """Settings read once per group (`group`), or kept across groups (`keep`)."""

    def __init__(self, fees: FeeSchedules) -> None:
        self.fees_of = fees
        self._group: dict[tuple[object, ...], object] | None = None
        self._kept: dict[tuple[object, ...], object] | None = None

    def keep(self) -> None:
        """Keep settlement modes, limits and fee schedules in memory across groups (for the
        single writer, which forgets them after any command that is not a payment)."""
        self._kept = {}

    def forget(self) -> None:
        if self._kept is not None:
            self._kept.clear()
        if self._group is not None:
            self._group.clear()

    def note_day(self, day: OperatingDay) -> None:
        """A currency's operating day just recorded, for the rest of the group."""
        if self._group is not None:
            self._group[("day", day.currency)] = day

    def open_group(self) -> None:
        self._group = self._kept if self._kept is not None else {}

    def close_group(self) -> None:
        self._group = None

    def _read(self, key: tuple[object, ...], read: Callable[[], T]) -> T:
        if self._group is None:
            return read()
        if key not in self._group:
            self._group[key] = read()
        return cast(T, self._group[key])

    def mode(self, uow: UnitOfWork, bic: str, code: str) -> Mode:
        return self._read(("mode", bic, code), lambda: uow.rules.mode(bic, code))

    def limits(self, uow: UnitOfWork, bic: str, flow: str, code: str) -> list[Limit]:
        return self._read(
            ("limits", bic, flow, code),
            lambda: uow.limits.applicable(bic, flow, code),
        )

    def fees(self, uow: UnitOfWork, bic: str, code: str) -> FeeSchedule:
        return self._read(("fees", bic, code), lambda: self.fees_of.get(uow, bic, code))

    def calendar(self, uow: UnitOfWork, code: str) -> CurrencyCalendar:
        def read() -> CurrencyCalendar:
            schedule = uow.calendar.schedule(code) or always_open(code)
            return CurrencyCalendar(schedule, uow.calendar.closures(code))

        return self._read(("calendar", code), read)

    def current_day(self, uow: UnitOfWork, code: str) -> OperatingDay | None:
        return self._read(("day", code), lambda: uow.calendar.current_day(code))


def participant(uow: UnitOfWork, registry: Registry, bic: str, who: str) -> Participant:
    """The active participant `bic` (payer or payee), or the rejection saying why not."""
    found = registry.find(uow, bic)
    if found is None:
        raise PaymentRejected(Reason.INCORRECT_ACCOUNT, f"the {who} {bic} is not a participant")
    if not found.active:
        raise PaymentRejected(
            Reason.BLOCKED_ACCOUNT, f"the {who} {bic} is suspended: no new payments to or from it"
        )
    return found


def validate(uow: UnitOfWork, registry: Registry, memo: Memo, p: Payment, now_ns: int) -> str:
    """Refuse a payment that cannot go on; returns the sentence for its history."""
    payer = participant(uow, registry, p.debtor_agent, "payer")
    payee = participant(uow, registry, p.creditor_agent, "payee")
    if not 0 < p.source_amount_minor <= INT64_MAX:
        raise PaymentRejected(Reason.INVALID_AMOUNT, "the amount must be positive")
    if payer.bic == payee.bic:
        raise PaymentRejected(Reason.INCORRECT_ACCOUNT, "payer and payee are the same bank")
    for who, party, code in (
        ("payer", payer, p.source_currency),
        ("payee", payee, p.target_currency),
    ):
        if not party.settles_in(code):
            raise PaymentRejected(
                Reason.NOT_ALLOWED_CURRENCY, f"the {who} {party.bic} does not settle in {code}"
            )
    if p.cross_currency and not p.quote_id:
        raise PaymentRejected(
            Reason.NOT_SPECIFIED, "a cross-currency payment must name an FX quote"
        )
    within = check_limits(uow, memo, p, now_ns)
    return "participants, currencies and amount are valid" + within


def check_limits(uow: UnitOfWork, memo: Memo, p: Payment, now_ns: int) -> str:
    """Refuse a payment over a limit that applies to it; says which limits it is within."""
    limits = memo.limits(uow, p.debtor_agent, p.flow, p.source_currency)
    code, amount = p.source_currency, p.source_amount_minor
    for limit in limits:
        cap = limit.per_payment_max_minor
        if cap is not None and amount > cap:
            raise PaymentRejected(
                Reason.NOT_ALLOWED_AMOUNT,
                f"{format_amount(amount, code)} is over the per-payment maximum of "
                f"{format_amount(cap, code)} for {limit.scope}",
            )
        cap = limit.per_day_max_minor
        if cap is None:
            continue
        since, until = day_bounds(now_ns)
        flow = None if limit.flow == ALL else limit.flow
        total = uow.payments.accepted_total(
            p.debtor_agent, code, since, until, flow=flow, excluding=p.uetr
        )
        if total + amount > cap:
            raise PaymentRejected(
                Reason.EXCEEDS_AGREED_LIMIT,
                f"it would take today's total (UTC) for {limit.scope} to "
                f"{format_amount(total + amount, code)}, over the daily limit of "
                f"{format_amount(cap, code)} ({format_amount(total, code)} already accepted)",
            )
    return f"; within {len(limits)} limits" if limits else ""

"""A corridor's few days for the export tests: every kind of ledger movement the exports must get
right, on the real platform (`tests.corridor`), over three UTC days.

Day 1: funding, a crude oil payment into Sberbank's rupee vostro, an export payment out of it, a
rouble remittance converted RUB→INR through the FX provider payment-versus-payment (with VTB's
fee), and its return. Day 2: a payment held on a sanctions hit with its funds reserved (still
pending), one rejected on review (its reservation voided), one too large for its payer (queued:
nothing moves), an LSM run, and the treasury's day close (surplus invested, interest paid). Day 3:
16 hours later, past midnight: one more payment, so the last posting is not on the
day the reservations were made (and the held reservation is still pending).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.corridor import FXP, SBER, SBI, UCO, VTB, Corridor, build, uetr
from tests.fakes import Clock
from vostro.ledger.types import PendingStatus
from vostro.payments.model import Payment, PaymentRequest, State
from vostro.store import Store
from vostro.units import NS_PER_S

SANCTIONS = Path(__file__).parent / "fixtures" / "sanctions" / "latin.ftm.json"
DAY_S = 86_400


@dataclass
class ExportCorridor:
    corridor: Corridor
    clock: Clock
    payments: dict[str, Payment] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.clock() // NS_PER_S, UTC).date()


def pay(c: Corridor, payer: str, payee: str, amount: int, code: str, **extra: Any) -> Payment:
    request = PaymentRequest(
        uetr=uetr(),
        end_to_end_id=f"E2E-{c.transfer_id()}",
        debtor_agent=payer,
        creditor_agent=payee,
        amount_minor=amount,
        currency=code,
        **extra,
    )
    return c.payments.submit(request)


def first_day(c: Corridor, clock: Clock, made: dict[str, Payment]) -> None:
    c.fund(SBI, 60_000_000_000_00, "INR")
    c.fund(UCO, 1_000_000_000_00, "INR")
    c.fund(VTB, 5_000_000_000_00, "RUB")
    c.fund(FXP, 2_000_000_000_00, "INR")
    c.fund(FXP, 2_000_000_000_00, "RUB")
    clock.advance(3600)
    made["crude"] = pay(c, SBI, SBER, 4_420_000_000_00, "INR", flow="trade")
    made["export"] = pay(c, SBER, UCO, 7_650_000_00, "INR", flow="trade")
    quote = c.desk.quote(FXP, VTB, "RUB", "INR", 45_000_00, clock())
    made["remittance"] = pay(
        c, VTB, SBI, 45_000_00, "RUB", target_currency="INR", quote_id=quote.id, flow="remittance"
    )
    quote = c.desk.quote(FXP, VTB, "RUB", "INR", 120_000_00, clock())
    made["returned"] = pay(
        c, VTB, SBI, 120_000_00, "RUB", target_currency="INR", quote_id=quote.id, flow="remittance"
    )
    made["return"] = c.payments.return_payment(
        made["returned"].uetr, uetr(), "beneficiary account closed"
    )


def second_day(c: Corridor, clock: Clock, made: dict[str, Payment]) -> None:
    clock.advance(DAY_S)
    c.compliance.load_list("sanctions", SANCTIONS.read_bytes(), "ftm", "test")
    made["held"] = pay(c, SBI, SBER, 25_000_000_00, "INR", creditor_name="Газпромбанк")
    made["rejected"] = pay(c, SBI, SBER, 30_000_000_00, "INR", creditor_name="Газпромбанк")
    c.holds.reject(made["rejected"].uetr, "test", "the listed bank itself")
    made["queued"] = pay(c, UCO, SBER, 2_000_000_000_00, "INR")
    c.settlement.run_lsm("INR")
    c.treasury.configure(SBER, 100_000_000_00, Decimal("0.0650"), actor="t")
    c.treasury.close_day(datetime.fromtimestamp(clock() // NS_PER_S, UTC).date())


def third_day(c: Corridor, clock: Clock, made: dict[str, Payment]) -> None:
    clock.advance(16 * 3600)  # past midnight, within the day the held payment's funds stay reserved
    made["late"] = pay(c, SBER, SBI, 1_234_56, "INR")


def run(store: Store, clock: Clock | None = None) -> ExportCorridor:
    """Build the corridor's three days on `store` (the ledger is left open: close it after)."""
    clock = clock or Clock()
    c = build(store, clock)
    made: dict[str, Payment] = {}
    first_day(c, clock, made)
    second_day(c, clock, made)
    third_day(c, clock, made)
    expected = {
        "crude": State.SETTLED,
        "export": State.SETTLED,
        "remittance": State.SETTLED,
        "returned": State.RETURNED,
        "return": State.SETTLED,
        "held": State.HELD,
        "rejected": State.REJECTED,
        "queued": State.QUEUED,
        "late": State.SETTLED,
    }
    states = {name: c.payments.get(p.uetr).state for name, p in made.items()}
    assert states == expected, states
    # A reservation still open and one voided: the exports must leave both out of the books.
    assert store.pending_status(made["held"].payment_id | 1) is PendingStatus.PENDING
    assert store.pending_status(made["rejected"].payment_id | 1) is PendingStatus.VOIDED
    return ExportCorridor(c, clock, made)

"""A payment's legs in the ledger, and the linked chains that reserve, settle, release or return
them.

Transfer ids derive from the payment's time-ordered id (low 16 bits zero) plus a leg number, so
a retried step re-submits the same ids and the ledger answers `exists`: every step is
idempotent. A cross-currency payment has two legs, payer → FX provider and FX provider → payee,
in one chain: both settle or neither does (payment-versus-payment).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from vostro.errors import invariant
from vostro.ledger.types import CreateTransferResult, Transfer, TransferFlags, linked_chain
from vostro.money import currency
from vostro.participants.model import AccountKind, Purpose
from vostro.participants.ports import ParticipantsUnit
from vostro.participants.registry import Registry
from vostro.payments.model import Payment
from vostro.settlement.obligations import Obligation

R = CreateTransferResult
LEG_PAY, LEG_PAYOUT, LEG_FEE = 1, 2, 3
POST_BASE, VOID_BASE, RETURN_BASE = 0x10, 0x20, 0x30
RESERVATION_TIMEOUT_S = 86_400  # a reservation not settled within a day is released by the ledger
DONE = (R.OK, R.EXISTS)


@dataclass(frozen=True, slots=True)
class Leg:
    number: int  # LEG_PAY, LEG_PAYOUT or LEG_FEE
    debit_account: int
    credit_account: int
    amount_minor: int
    currency: str
    purpose: Purpose

    @property
    def is_fee(self) -> bool:
        return self.number == LEG_FEE


def new_payment_id() -> int:
    """Time-ordered 128-bit id: milliseconds in the high bits, then 64 random bits, then 16 zero
    bits for the leg number (time-ordered ids index fastest)."""
    return (time.time_ns() // 1_000_000) << 80 | secrets.randbits(64) << 16


def reservation(payment_id: int, legs: list[Leg]) -> list[Transfer]:
    """The linked chain of pending transfers that reserves the legs."""
    flags = _chain_flags(int(TransferFlags.PENDING), len(legs))
    return [
        Transfer(
            payment_id | leg.number,
            leg.debit_account,
            leg.credit_account,
            leg.amount_minor,
            currency(leg.currency).ledger,
            int(leg.purpose),
            flags=flag,
            timeout_s=RESERVATION_TIMEOUT_S,
            user_data_128=payment_id,
        )
        for leg, flag in zip(legs, flags, strict=True)
    ]


def resolution(payment_id: int, legs: list[Leg], *, post: bool) -> list[Transfer]:
    """The linked chain that posts (settles) or voids (releases) every reserved leg."""
    flag, base = (
        (TransferFlags.POST_PENDING, POST_BASE) if post else (TransferFlags.VOID_PENDING, VOID_BASE)
    )
    flags = _chain_flags(int(flag), len(legs))
    return [
        Transfer(
            payment_id | (base + leg.number),
            0,
            0,
            0,
            0,
            0,
            flags=f,
            pending_id=payment_id | leg.number,
            user_data_128=payment_id,
        )
        for leg, f in zip(legs, flags, strict=True)
    ]


def _chain_flags(flags: int, n: int) -> list[int]:
    """Each transfer's flags in a linked chain of `n` (as `linked_chain` sets them): `linked` on
    every one but the last."""
    if n == 0:
        return []
    return [flags | int(TransferFlags.LINKED)] * (n - 1) + [flags & ~int(TransferFlags.LINKED)]


def return_chain(return_id: int, original_id: int, legs: list[Leg]) -> list[Transfer]:
    """The money of a settled payment sent back along its legs, last leg first (the fee is not
    refunded)."""
    return linked_chain(
        [
            Transfer(
                return_id | (RETURN_BASE + leg.number),
                leg.credit_account,
                leg.debit_account,
                leg.amount_minor,
                currency(leg.currency).ledger,
                int(Purpose.RETURN),
                user_data_128=original_id,
            )
            for leg in reversed(legs)
            if not leg.is_fee
        ]
    )


def of(uow: ParticipantsUnit, registry: Registry, p: Payment) -> list[Leg]:
    """The payment's legs: payer → payee, or payer → FX provider → payee (PvP); its fee."""
    payer = registry.get(uow, p.debtor_agent)
    payee = registry.get(uow, p.creditor_agent)
    src, tgt = p.source_currency, p.target_currency
    if p.cross_currency:
        invariant(p.fx_provider is not None, f"payment {p.uetr} has no FX provider")
        assert p.fx_provider is not None
        fx = registry.get(uow, p.fx_provider)
        found = [
            Leg(
                LEG_PAY,
                payer.paying_account(src),
                fx.account(AccountKind.SETTLEMENT, src),
                p.source_amount_minor,
                src,
                Purpose.FX_LEG,
            ),
            Leg(
                LEG_PAYOUT,
                fx.account(AccountKind.SETTLEMENT, tgt),
                payee.paying_account(tgt),
                p.target_amount_minor,
                tgt,
                Purpose.FX_LEG,
            ),
        ]
    else:
        found = [
            Leg(
                LEG_PAY,
                payer.paying_account(src),
                payee.paying_account(tgt),
                p.source_amount_minor,
                src,
                Purpose.PAYMENT,
            )
        ]
    if p.fee_minor:
        fees = registry.operator(uow).account(AccountKind.FEE, src)
        found.append(Leg(LEG_FEE, payer.paying_account(src), fees, p.fee_minor, src, Purpose.FEE))
    return found


def obligation(p: Payment, arrival_ns: int | None = None) -> Obligation:
    """The payment as settlement sees it: who owes whom how much (and its fee), since when
    (by default since it was received)."""
    return Obligation(
        p.uetr,
        p.debtor_agent,
        p.creditor_agent,
        p.source_currency,
        p.source_amount_minor,
        p.fee_minor,
        p.payment_id,
        arrival_ns if arrival_ns is not None else (p.events[0].at if p.events else 0),
    )

"""A short demonstration on the embedded database: the corridor's three flows, posted and verified.

Opens INR and RUB settlement accounts for a few Indian and Russian banks (and the Russian banks'
rupee vostro accounts at their Indian correspondents), funds them, and posts realistic transfers:
an INR payment for a crude oil cargo into a Russian bank's vostro account, a rupee export payment
out of a vostro account, a rouble remittance through an FX provider settled payment-versus-
payment (both legs in one linked chain), and a two-phase reservation. Every id is fixed, so
running the demo again only shows that each request is idempotent (`exists`).
"""

from __future__ import annotations

from dataclasses import dataclass

from vostro.ledger.types import Account, AccountFlags, Transfer, TransferFlags
from vostro.ledger.writer import Ledger
from vostro.money import currency, parse_amount

INR = currency("INR").ledger
RUB = currency("RUB").ledger
LIMITED = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
LINKED = int(TransferFlags.LINKED)


class Code:
    """Account kinds (DESIGN.md §3) and transfer purposes used by the demo."""

    SETTLEMENT = 1
    VOSTRO = 2
    FX_LIQUIDITY = 3
    FUNDING = 7
    FUND = 100
    TRADE = 101
    REMITTANCE = 102
    FX_LEG = 103


@dataclass(frozen=True)
class DemoAccount:
    id: int
    name: str
    ledger: int
    code: int
    limited: bool = True


ACCOUNTS = [
    DemoAccount(1001, "Operator funding INR", INR, Code.FUNDING, limited=False),
    DemoAccount(1002, "Operator funding RUB", RUB, Code.FUNDING, limited=False),
    DemoAccount(2001, "State Bank of India (SBININBB) settlement INR", INR, Code.SETTLEMENT),
    DemoAccount(2002, "UCO Bank (UCBAINBB) settlement INR", INR, Code.SETTLEMENT),
    DemoAccount(2101, "VTB Bank (VTBRRUMM) rupee vostro at UCO Bank", INR, Code.VOSTRO),
    DemoAccount(2102, "Sberbank (SABRRUMM) rupee vostro at SBI", INR, Code.VOSTRO),
    DemoAccount(3001, "VTB Bank (VTBRRUMM) settlement RUB", RUB, Code.SETTLEMENT),
    DemoAccount(3002, "Sberbank (SABRRUMM) settlement RUB", RUB, Code.SETTLEMENT),
    DemoAccount(4001, "FX provider liquidity INR", INR, Code.FX_LIQUIDITY),
    DemoAccount(4002, "FX provider liquidity RUB", RUB, Code.FX_LIQUIDITY),
]


def _minor(text: str) -> int:
    return parse_amount(text)[0]


def transfers() -> list[list[Transfer]]:
    """The demo's batches, in order."""
    funding = [
        Transfer(9001, 1001, 2001, _minor("50,000,000,000.00 INR"), INR, Code.FUND),
        Transfer(9002, 1001, 2002, _minor("5,000,000,000.00 INR"), INR, Code.FUND),
        Transfer(9003, 1001, 4001, _minor("2,000,000,000.00 INR"), INR, Code.FUND),
        Transfer(9004, 1002, 3001, _minor("3,000,000,000.00 RUB"), RUB, Code.FUND),
        Transfer(9005, 1002, 3002, _minor("3,000,000,000.00 RUB"), RUB, Code.FUND),
        Transfer(9006, 1002, 4002, _minor("2,000,000,000.00 RUB"), RUB, Code.FUND),
    ]
    trade = [
        # An Indian refiner's bank pays for an Aframax cargo (USD ~52 million) in rupees into the
        # Russian exporter's bank's vostro account (RBI A.P. (DIR) Circular No. 10, 2022).
        Transfer(9101, 2001, 2102, _minor("4,420,000,000.00 INR"), INR, Code.TRADE),
        # A Russian importer pays an Indian pharmaceutical exporter out of the vostro balance.
        Transfer(9102, 2102, 2002, _minor("7,650,000.00 INR"), INR, Code.TRADE),
    ]
    # A worker's remittance: RUB 45,000 from VTB to the FX provider, INR 42,750 from the FX
    # provider to the Indian bank; linked, so both legs settle or neither does (PvP).
    remittance = [
        Transfer(9201, 3001, 4002, _minor("45,000.00 RUB"), RUB, Code.FX_LEG, flags=LINKED),
        Transfer(9202, 4001, 2002, _minor("42,750.00 INR"), INR, Code.FX_LEG),
    ]
    # A payment reserved first (two-phase), then settled for a smaller amount.
    reserve = [
        Transfer(
            9301,
            2002,
            2101,
            _minor("1,000,000.00 INR"),
            INR,
            Code.TRADE,
            flags=int(TransferFlags.PENDING),
            timeout_s=3600,
        ),
    ]
    settle = [
        Transfer(
            9302,
            0,
            0,
            _minor("990,000.00 INR"),
            0,
            0,
            flags=int(TransferFlags.POST_PENDING),
            pending_id=9301,
        ),
    ]
    return [funding, trade, remittance, reserve, settle]


def accounts() -> list[Account]:
    return [Account(a.id, a.ledger, a.code, flags=LIMITED if a.limited else 0) for a in ACCOUNTS]


def run(ledger: Ledger) -> list[tuple[str, list[str]]]:
    """Post the demo through `ledger`; returns each step's name and its result codes."""
    steps = [("open accounts", [str(r) for r in ledger.create_accounts(accounts())])]
    names = [
        "fund settlement accounts",
        "crude oil and export payments",
        "remittance, payment-versus-payment",
        "reserve a payment",
        "post it, partly",
    ]
    for name, batch in zip(names, transfers(), strict=True):
        steps.append((name, [str(r) for r in ledger.create_transfers(batch)]))
    return steps

"""Settling queues and windows: the liquidity-saving mechanism and deferred net settlement.

Both work on obligations (`settlement.obligations`), never on payments: they post the transfers,
keep the queue, the windows and the reports, and return which obligations settled (and which a
window unwound), for the payment lifecycle to turn into payment states in the same unit of work.

**LSM run** (RTGS gridlock resolution): the queued obligations of a currency, in queue order, and
each participant's available liquidity go to `lsm.resolve` (Bech & Soramäki's multilateral
offsetting; `optimal=True` solves the bank clearing problem exactly with HiGHS instead). The
chosen set must be feasible with fees too, checked exactly; then it settles *simultaneously* as
one linked chain in the ledger: first every payee is credited from the operator's clearing
account, then every payer (and its fee) is debited into it. Crediting first means no account dips
below its final balance in between, so a gridlock where nobody can pay first still settles, and
the clearing account ends where it began.

**Window close** (deferred net settlement): the window's payments are netted multilaterally; every
net payer must hold its net debit. If one cannot, the window is re-netted without *all* that
participant's payments, in and out (the unwind rule: the largest shortfall goes first, one
participant per round), and those payments are unwound. The remaining net positions settle as one
linked chain: net payers into the clearing account first, then out to the net receivers.

Each run and window leaves a report (`settlement.reports`): gross value, net value (the liquidity
actually used), liquidity saved in money and per cent, payments settled and still queued, and
time in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vostro.errors import invariant
from vostro.ledger.types import Transfer, linked_chain
from vostro.money import currency
from vostro.participants.model import Purpose
from vostro.settlement import lsm
from vostro.settlement.netting import I64, net_positions, sum_by
from vostro.settlement.obligations import Obligation, SettlementAccounts
from vostro.settlement.ports import SettlementUnit
from vostro.settlement.reports import REPORTS_LISTED_MAX, SettlementReport, with_savings
from vostro.settlement.windows import WindowPayment, WindowState
from vostro.units import NS_PER_S

__all__ = [
    "LEG_LSM_CREDIT",
    "LEG_LSM_DEBIT",
    "LEG_LSM_FEE",
    "LSM_PAYMENTS_MAX",
    "LsmResult",
    "SettlementReport",
    "WindowResult",
    "close_window",
    "reports",
    "run_lsm",
]

# Each payment settled by the LSM takes up to three transfers (credit, debit, fee) in one chain,
# and a chain must fit one ledger batch of 8,189 events.
LSM_PAYMENTS_MAX = 2_700
LEG_LSM_CREDIT, LEG_LSM_DEBIT, LEG_LSM_FEE = 0x40, 0x41, 0x42
FEES = "__fees__"  # the operator's fee account, as a participant of the window's netting


@dataclass(frozen=True, slots=True)
class LsmResult:
    report: SettlementReport
    settled: list[str]  # the ids of the obligations settled, in queue order


@dataclass(frozen=True, slots=True)
class WindowResult:
    report: SettlementReport
    settled: list[str]  # the ids of the window's obligations kept and settled on net
    unwound: list[tuple[str, str]]  # (id, why) of each obligation the unwind rule took out


# ------------------------------------------------------------------------- LSM
def run_lsm(
    uow: SettlementUnit,
    code: str,
    obligations: list[Obligation],
    accounts: SettlementAccounts,
    *,
    optimal: bool = False,
) -> LsmResult:
    """Settle as many of the queued `obligations` in `code` as can go together, take them off
    the queue and report the run."""
    invariant(len(obligations) <= LSM_PAYMENTS_MAX, "an LSM run takes one ledger batch at most")
    invariant(all(o.currency == code for o in obligations), f"an LSM run in {code} only")
    report = SettlementReport("lsm", code, optimal=optimal)
    if not obligations:
        return LsmResult(_save(uow, report), [])
    bics = sorted({o.payer for o in obligations} | {o.payee for o in obligations})
    index = {bic: i for i, bic in enumerate(bics)}
    payer = np.array([index[o.payer] for o in obligations], np.int64)
    payee = np.array([index[o.payee] for o in obligations], np.int64)
    amount = np.array([o.amount_minor for o in obligations], np.int64)
    fee = np.array([o.fee_minor for o in obligations], np.int64)
    liquidity = np.array([_available(uow, accounts, bic) for bic in bics], np.int64)
    chosen = _choose(payer, payee, amount, fee, liquidity, optimal)
    selected = [o for o, take in zip(obligations, chosen.tolist(), strict=True) if take]
    if selected:
        _post_simultaneously(uow, code, selected, accounts)
        uow.queue.remove([o.id for o in selected])
    now = uow.clock()
    waits = [(now - o.arrival_ns) / NS_PER_S for o in selected]
    report.gross_minor = int(amount[chosen].sum())
    nets = net_positions(payer[chosen], payee[chosen], amount[chosen], len(bics))
    report.net_minor = int(-nets[nets < 0].sum()) + int(fee[chosen].sum())
    report.settled, report.still_queued = len(selected), len(obligations) - len(selected)
    if waits:
        report.mean_queue_s = round(float(np.mean(waits)), 3)
        report.p95_queue_s = round(float(np.percentile(waits, 95)), 3)
    return LsmResult(_save(uow, with_savings(report)), [o.id for o in selected])


def _choose(payer: I64, payee: I64, amount: I64, fee: I64, liquidity: I64, optimal: bool) -> I64:
    """A set feasible including fees: a fee is paid out of the payer's liquidity, so the
    payer's liquidity is lowered by the fees of what it sends until the set holds exactly."""
    allowed = np.ones(len(amount), bool)
    for _ in range(len(amount) + 1):  # each round removes a payment or stops
        mask = np.zeros(len(amount), bool)
        idx = np.flatnonzero(allowed)
        fees_by_payer = sum_by(payer[idx], fee[idx], len(liquidity))
        room = np.maximum(liquidity - fees_by_payer, 0)
        if optimal:
            sub, _proven = lsm.optimal(payer[idx], payee[idx], amount[idx], room)
        else:
            sub = lsm.resolve(payer[idx], payee[idx], amount[idx], room)
        mask[idx[sub]] = True
        short = _shortfalls(payer, payee, amount, fee, liquidity, mask)
        if not short.size:
            return mask
        # Drop the latest chosen payment of each participant still short, then retry.
        for p in short.tolist():
            last = np.flatnonzero(mask & (payer == p))
            allowed[last[-1] if last.size else np.flatnonzero(allowed & (payer == p))[-1]] = False
    return np.zeros(len(amount), bool)


def _shortfalls(payer: I64, payee: I64, amount: I64, fee: I64, liquidity: I64, mask: I64) -> I64:
    n = len(liquidity)
    after = (
        liquidity
        + sum_by(payee[mask], amount[mask], n)
        - sum_by(payer[mask], amount[mask] + fee[mask], n)
    )
    return np.flatnonzero(after < 0)


def _post_simultaneously(
    uow: SettlementUnit, code: str, selected: list[Obligation], accounts: SettlementAccounts
) -> None:
    """Every payee credited from the clearing account first, then every payer debited into it
    (and its fee into the fee account), as one linked chain."""
    ledger_no = currency(code).ledger
    clearing, fees = accounts.clearing, accounts.fees
    credits, debits = [], []
    for o in selected:
        base, payer = o.transfer_base, accounts.paying(o.payer)
        credits.append(
            Transfer(
                base | LEG_LSM_CREDIT,
                clearing,
                accounts.paying(o.payee),
                o.amount_minor,
                ledger_no,
                int(Purpose.LSM_CREDIT),
                user_data_128=base,
            )
        )
        debits.append(
            Transfer(
                base | LEG_LSM_DEBIT,
                payer,
                clearing,
                o.amount_minor,
                ledger_no,
                int(Purpose.LSM_DEBIT),
                user_data_128=base,
            )
        )
        if o.fee_minor:
            debits.append(
                Transfer(
                    base | LEG_LSM_FEE,
                    payer,
                    fees,
                    o.fee_minor,
                    ledger_no,
                    int(Purpose.FEE),
                    user_data_128=base,
                )
            )
    results = uow.ledger.create_transfers(linked_chain(credits + debits))
    invariant(
        all(r in ("ok", "exists") for r in results),
        f"the LSM chain was refused although it was checked: {results[:5]}",
    )


def _available(uow: SettlementUnit, accounts: SettlementAccounts, bic: str) -> int:
    return max(uow.ledger.available(accounts.paying(bic)), 0)


# --------------------------------------------------------------------- windows
def close_window(uow: SettlementUnit, code: str, accounts: SettlementAccounts) -> WindowResult:
    """Close the currency's open window, net it, unwind who cannot pay, settle the rest on net
    and report the window."""
    report = SettlementReport("window", code)
    window = uow.windows.current(code)
    if window is None:
        report.notes.append(f"no {code} window is open")
        return WindowResult(report, [], [])
    now = uow.clock()
    uow.windows.set_state(window.id, WindowState.CLOSED, now)
    report.window_id = window.id
    members = uow.windows.payments(window.id)
    uow.windows.set_state(window.id, WindowState.SETTLING, now)
    kept, unwound = _unwind(uow, members, accounts, report)
    positions = _positions(kept)
    _post_net(uow, window.id, code, positions, accounts)
    uow.windows.set_state(window.id, WindowState.SETTLED, uow.clock())
    report.gross_minor = sum(m.amount_minor for m in kept)
    report.net_minor = sum(-v for v in positions.values() if v < 0)
    report.settled, report.rejected = len(kept), len(unwound)
    _save(uow, with_savings(report))
    return WindowResult(
        report,
        [m.uetr for m in kept],
        [(m.uetr, f"unwound from window {window.id}: {note}") for m, note in unwound],
    )


def _unwind(
    uow: SettlementUnit,
    members: list[WindowPayment],
    accounts: SettlementAccounts,
    report: SettlementReport,
) -> tuple[list[WindowPayment], list[tuple[WindowPayment, str]]]:
    """(kept payments, unwound payments each with the shortfall that took it out)."""
    kept: list[WindowPayment] = list(members)
    unwound: list[tuple[WindowPayment, str]] = []
    # Nothing moves while unwinding, so each participant's liquidity is read once.
    liquidity: dict[str, int] = {}
    while kept:
        positions = _positions(kept)
        for bic, net in positions.items():
            if bic != FEES and net < 0 and bic not in liquidity:
                liquidity[bic] = _available(uow, accounts, bic)
        short = {
            bic: -net - liquidity[bic]
            for bic, net in positions.items()
            if bic != FEES and net < 0 and -net > liquidity[bic]
        }
        if not short:
            break
        bic = max(short, key=lambda b: (short[b], b))
        note = f"{bic} could not fund its net debit (short by {short[bic]})"
        report.notes.append(note)
        unwound += [(m, note) for m in kept if bic in (m.payer, m.payee)]
        kept = [m for m in kept if bic not in (m.payer, m.payee)]
    return kept, unwound


def _post_net(
    uow: SettlementUnit,
    window_id: int,
    code: str,
    positions: dict[str, int],
    accounts: SettlementAccounts,
) -> None:
    """Net payers into the clearing account first, then out to the net receivers, as one linked
    chain. Ids: the window's in the top 32 bits, the close's millisecond below, a leg per party."""
    ledger_no = currency(code).ledger
    base = (window_id << 96) | (int(uow.clock() // 1_000_000) << 24)
    debits, credits = [], []
    for n, (bic, net) in enumerate(sorted(positions.items())):
        account = accounts.fees if bic == FEES else accounts.paying(bic)
        if net < 0:
            debits.append(
                Transfer(
                    base | (2 * n),
                    account,
                    accounts.clearing,
                    -net,
                    ledger_no,
                    int(Purpose.NET_DEBIT),
                )
            )
        elif net > 0:
            credits.append(
                Transfer(
                    base | (2 * n + 1),
                    accounts.clearing,
                    account,
                    net,
                    ledger_no,
                    int(Purpose.NET_CREDIT),
                )
            )
    if not debits and not credits:
        return
    results = uow.ledger.create_transfers(linked_chain(debits + credits))
    invariant(
        all(r in ("ok", "exists") for r in results),
        f"window {window_id} net settlement refused: {results[:5]}",
    )


def _positions(members: list[WindowPayment]) -> dict[str, int]:
    """Net position per participant (received − sent − fees); fees go to `FEES`."""
    net: dict[str, int] = {}
    for m in members:
        net[m.payer] = net.get(m.payer, 0) - m.amount_minor - m.fee_minor
        net[m.payee] = net.get(m.payee, 0) + m.amount_minor
        if m.fee_minor:
            net[FEES] = net.get(FEES, 0) + m.fee_minor
    return net


# --------------------------------------------------------------------- reports
def _save(uow: SettlementUnit, report: SettlementReport) -> SettlementReport:
    report.run_id = uow.runs.add(report, uow.clock())
    return report


def reports(
    uow: SettlementUnit, limit: int = REPORTS_LISTED_MAX, before: int | None = None
) -> list[SettlementReport]:
    """The newest runs' reports first (older than run `before`, if given)."""
    return uow.runs.latest(limit, before)

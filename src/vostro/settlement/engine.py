"""Settling queues and windows: the liquidity-saving mechanism and deferred net settlement.

**LSM run** (RTGS gridlock resolution): the queued payments of a currency, in queue order, and each
participant's available liquidity go to `lsm.resolve` (Bech & Soramäki's multilateral offsetting;
`optimal=True` solves the bank clearing problem exactly with HiGHS instead). The chosen set must be
feasible with fees too, checked exactly; then it settles *simultaneously* as one linked chain in
the ledger: first every payee is credited from the operator's clearing account, then every payer
(and its fee) is debited into it. Crediting first means no account dips below its final balance
in between, so a gridlock where nobody can pay first still settles, and the clearing account ends
where it began.

**Window close** (deferred net settlement): the window's payments are netted multilaterally; every
net payer must hold its net debit. If one cannot, the window is re-netted without *all* that
participant's payments, in and out (the unwind rule: the largest shortfall goes first, one
participant per round), and those payments are rejected. The remaining net positions settle as one
linked chain: net payers into the clearing account first, then out to the net receivers.

Each run and window leaves a report: gross value, net value (the liquidity actually used),
liquidity saved in money and per cent, payments settled and still queued, and time in the queue.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import sqlalchemy as sa

from vostro.ledger.types import Transfer, linked_chain
from vostro.money import currency
from vostro.participants.model import AccountKind, Purpose
from vostro.payments.model import Payment, Reason, State
from vostro.payments.service import PaymentService
from vostro.settlement import lsm
from vostro.settlement.netting import I64, net_positions, sum_by
from vostro.settlement.windows import WindowPayment, WindowState
from vostro.store.schema import settlement_runs

# Each payment settled by the LSM takes up to three transfers (credit, debit, fee) in one chain,
# and a chain must fit one ledger batch of 8,189 events.
LSM_PAYMENTS_MAX = 2_700
LEG_LSM_CREDIT, LEG_LSM_DEBIT, LEG_LSM_FEE = 0x40, 0x41, 0x42


@dataclass
class SettlementReport:
    kind: str  # lsm | window
    currency: str
    gross_minor: int = 0
    net_minor: int = 0  # liquidity actually used: the sum of net debits
    saved_minor: int = 0
    saved_pct: str = "0"
    settled: int = 0
    still_queued: int = 0
    rejected: int = 0
    mean_queue_s: float = 0.0
    p95_queue_s: float = 0.0
    window_id: int | None = None
    optimal: bool = False
    notes: list[str] = field(default_factory=list)


class Settlement:
    def __init__(self, payments: PaymentService) -> None:
        self.payments = payments
        self.ledger = payments.ledger
        self.registry = payments.registry
        self.engine = payments.ledger.store.engine

    # --------------------------------------------------------------------- LSM
    def run_lsm(self, code: str, *, optimal: bool = False) -> SettlementReport:
        """Settle as many queued payments in `code` as can go together; report the run."""
        entries = self.payments.queue.entries(code, limit=LSM_PAYMENTS_MAX)
        queued = [
            p
            for p in map(self.payments.repo.get, (e.uetr for e in entries))
            if p is not None and p.state is State.QUEUED and not p.cross_currency
        ]
        report = SettlementReport("lsm", code, optimal=optimal)
        if not queued:
            return self._save(report)
        bics = sorted({p.debtor_agent for p in queued} | {p.creditor_agent for p in queued})
        index = {bic: i for i, bic in enumerate(bics)}
        payer = np.array([index[p.debtor_agent] for p in queued], np.int64)
        payee = np.array([index[p.creditor_agent] for p in queued], np.int64)
        amount = np.array([p.source_amount_minor for p in queued], np.int64)
        fee = np.array([p.fee_minor for p in queued], np.int64)
        liquidity = np.array([self._available(bic, code) for bic in bics], np.int64)
        chosen = self._choose(payer, payee, amount, fee, liquidity, optimal)
        selected = [p for p, take in zip(queued, chosen.tolist(), strict=True) if take]
        if selected:
            self._post_simultaneously(selected, code)
        now = self.payments.clock()
        waits = [(now - e.arrival) / 1e9 for e in entries if e.uetr in {p.uetr for p in selected}]
        report.gross_minor = int(amount[chosen].sum())
        nets = net_positions(payer[chosen], payee[chosen], amount[chosen], len(bics))
        report.net_minor = int(-nets[nets < 0].sum()) + int(fee[chosen].sum())
        report.settled, report.still_queued = len(selected), len(queued) - len(selected)
        if waits:
            report.mean_queue_s = round(float(np.mean(waits)), 3)
            report.p95_queue_s = round(float(np.percentile(waits, 95)), 3)
        return self._save(_savings(report))

    def _choose(
        self,
        payer: I64,
        payee: I64,
        amount: I64,
        fee: I64,
        liquidity: I64,
        optimal: bool,
    ) -> I64:
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
            short = self._shortfalls(payer, payee, amount, fee, liquidity, mask)
            if not short.size:
                return mask
            # Drop the latest chosen payment of each participant still short, then retry.
            for p in short.tolist():
                last = np.flatnonzero(mask & (payer == p))
                allowed[last[-1] if last.size else np.flatnonzero(allowed & (payer == p))[-1]] = (
                    False
                )
        return np.zeros(len(amount), bool)

    @staticmethod
    def _shortfalls(
        payer: I64,
        payee: I64,
        amount: I64,
        fee: I64,
        liquidity: I64,
        mask: I64,
    ) -> I64:
        n = len(liquidity)
        after = (
            liquidity
            + sum_by(payee[mask], amount[mask], n)
            - sum_by(payer[mask], amount[mask] + fee[mask], n)
        )
        return np.flatnonzero(after < 0)

    def _post_simultaneously(self, selected: list[Payment], code: str) -> None:
        operator = self.registry.operator()
        clearing = operator.account(AccountKind.CLEARING, code)
        fees = operator.account(AccountKind.FEE, code)
        ledger_no = currency(code).ledger
        credits, debits = [], []
        for p in selected:
            payer = self.registry.get(p.debtor_agent).paying_account(code)
            payee = self.registry.get(p.creditor_agent).paying_account(code)
            credits.append(
                Transfer(
                    p.payment_id | LEG_LSM_CREDIT,
                    clearing,
                    payee,
                    p.source_amount_minor,
                    ledger_no,
                    int(Purpose.LSM_CREDIT),
                    user_data_128=p.payment_id,
                )
            )
            debits.append(
                Transfer(
                    p.payment_id | LEG_LSM_DEBIT,
                    payer,
                    clearing,
                    p.source_amount_minor,
                    ledger_no,
                    int(Purpose.LSM_DEBIT),
                    user_data_128=p.payment_id,
                )
            )
            if p.fee_minor:
                debits.append(
                    Transfer(
                        p.payment_id | LEG_LSM_FEE,
                        payer,
                        fees,
                        p.fee_minor,
                        ledger_no,
                        int(Purpose.FEE),
                        user_data_128=p.payment_id,
                    )
                )
        chain = linked_chain(credits + debits)
        results = self.ledger.create_transfers(chain)
        if any(r not in ("ok", "exists") for r in results):
            raise RuntimeError(f"the LSM chain was refused although it was checked: {results[:5]}")
        self.payments.queue.remove([p.uetr for p in selected])
        for p in selected:
            self.payments._move(
                p,
                State.SETTLED,
                "settled simultaneously by the liquidity-saving mechanism",
            )

    def _available(self, bic: str, code: str) -> int:
        (account,) = self.ledger.store.get_accounts([self.registry.get(bic).paying_account(code)])
        return max(account.credits_posted - account.debits_posted - account.debits_pending, 0)

    # ------------------------------------------------------------------ windows
    def close_window(self, code: str) -> SettlementReport:
        """Close the currency's open window, net it, unwind who cannot pay, settle the rest."""
        window = self.payments.windows.current(code)
        report = SettlementReport("window", code)
        if window is None:
            report.notes.append(f"no {code} window is open")
            return report
        now = self.payments.clock()
        windows = self.payments.windows
        windows.set_state(window.id, WindowState.CLOSED, now)
        report.window_id = window.id
        members = windows.payments(window.id)
        windows.set_state(window.id, WindowState.SETTLING, now)
        kept, unwound = self._unwind(members, code, report)
        positions = _positions(kept)
        self._post_net(window.id, positions, code)
        for member, note in unwound:
            p = self.payments.repo.get(member.uetr)
            if p is not None and p.state is State.CLEARING:
                self.payments._reject(
                    p, Reason.INSUFFICIENT_FUNDS, f"unwound from window {window.id}: {note}"
                )
        for member in kept:
            p = self.payments.repo.get(member.uetr)
            if p is not None and p.state is State.CLEARING:
                self.payments._move(
                    p,
                    State.SETTLED,
                    f"settled on net in window {window.id}",
                )
        windows.set_state(window.id, WindowState.SETTLED, self.payments.clock())
        report.gross_minor = sum(m.amount_minor for m in kept)
        report.net_minor = sum(-v for v in positions.values() if v < 0)
        report.settled, report.rejected = len(kept), len(unwound)
        return self._save(_savings(report))

    def _unwind(
        self, members: list[WindowPayment], code: str, report: SettlementReport
    ) -> tuple[list[WindowPayment], list[tuple[WindowPayment, str]]]:
        """(kept payments, unwound payments each with the shortfall that took it out)."""
        kept: list[WindowPayment] = list(members)
        unwound: list[tuple[WindowPayment, str]] = []
        while kept:
            positions = _positions(kept)
            short = {
                bic: -net - self._available(bic, code)
                for bic, net in positions.items()
                if bic != "__fees__" and net < 0 and -net > self._available(bic, code)
            }
            if not short:
                break
            bic = max(short, key=lambda b: (short[b], b))
            note = f"{bic} could not fund its net debit (short by {short[bic]})"
            report.notes.append(note)
            unwound += [(m, note) for m in kept if bic in (m.payer, m.payee)]
            kept = [m for m in kept if bic not in (m.payer, m.payee)]
        return kept, unwound

    def _post_net(self, window_id: int, positions: dict[str, int], code: str) -> None:
        operator = self.registry.operator()
        clearing = operator.account(AccountKind.CLEARING, code)
        ledger_no = currency(code).ledger
        base = (window_id << 96) | (int(time.time_ns() // 1_000_000) << 24)
        debits, credits = [], []
        for n, (bic, net) in enumerate(sorted(positions.items())):
            account = (
                operator.account(AccountKind.FEE, code)
                if bic == "__fees__"
                else self.registry.get(bic).paying_account(code)
            )
            if net < 0:
                debits.append(
                    Transfer(
                        base | (2 * n),
                        account,
                        clearing,
                        -net,
                        ledger_no,
                        int(Purpose.NET_DEBIT),
                    )
                )
            elif net > 0:
                credits.append(
                    Transfer(
                        base | (2 * n + 1),
                        clearing,
                        account,
                        net,
                        ledger_no,
                        int(Purpose.NET_CREDIT),
                    )
                )
        chain = debits + credits
        if not chain:
            return
        chain = linked_chain(chain)
        results = self.ledger.create_transfers(chain)
        if any(r not in ("ok", "exists") for r in results):
            raise RuntimeError(f"window {window_id} net settlement refused: {results[:5]}")

    # ------------------------------------------------------------------ reports
    def _save(self, report: SettlementReport) -> SettlementReport:
        with self.engine.begin() as conn:
            conn.execute(
                settlement_runs.insert().values(
                    kind=report.kind,
                    currency=report.currency,
                    at=self.payments.clock(),
                    report=json.dumps(asdict(report)),
                )
            )
        return report

    def reports(self, limit: int = 50) -> list[SettlementReport]:
        r = settlement_runs
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(r.c.report).order_by(r.c.id.desc()).limit(limit)).all()
        return [SettlementReport(**json.loads(row.report)) for row in rows]


def _positions(members: list[WindowPayment]) -> dict[str, int]:
    """Net position per participant (received − sent − fees); fees go to `__fees__`."""
    net: dict[str, int] = {}
    for m in members:
        net[m.payer] = net.get(m.payer, 0) - m.amount_minor - m.fee_minor
        net[m.payee] = net.get(m.payee, 0) + m.amount_minor
        if m.fee_minor:
            net["__fees__"] = net.get("__fees__", 0) + m.fee_minor
    return net


def _savings(report: SettlementReport) -> SettlementReport:
    report.saved_minor = report.gross_minor - report.net_minor
    if report.gross_minor:
        report.saved_pct = f"{100 * report.saved_minor / report.gross_minor:.2f}"
    return report

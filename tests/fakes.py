"""Hand-written fakes (no mocks): an in-memory store for fast unit tests of the writer, and
in-memory repositories of the unit of work (the audit log; settlement's queue, windows, rules and
runs) with a unit that holds them."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import date
from types import TracebackType
from typing import Any

import numpy as np

from vostro.audit import AuditEntry
from vostro.calendar.model import Closure, OperatingDay, Schedule
from vostro.compliance.results import Decision, ScreeningResult
from vostro.ledger.state import LedgerState, Outcome, StoredTransfer
from vostro.ledger.types import Account, PendingStatus, Transfer, TransferFlags
from vostro.ledger.writer import Ledger
from vostro.payments.model import Event, Hold, HoldStatus, Payment, State
from vostro.settlement.queue import QUEUE_PAGE_MAX, Priority, QueueEntry
from vostro.settlement.reports import REPORTS_LISTED_MAX, SettlementReport
from vostro.settlement.rules import Mode
from vostro.settlement.windows import WINDOWS_LISTED_MAX, Window, WindowPayment, WindowState


class FakeSession:
    """Keeps committed rows in dicts; `fail_next_commit` simulates a database error."""

    def __init__(self) -> None:
        self.accounts: dict[int, Account] = {}
        self.seq_to_id: dict[int, int] = {}
        self.transfers: dict[int, StoredTransfer] = {}
        self.status_by_ts: dict[int, PendingStatus] = {}
        self.commits: list[Outcome] = []
        self.fail_next_commit = False
        self.state = LedgerState()  # the committed balances, for a writer that reloads
        self.in_unit = False
        self._before_unit: dict[str, object] | None = None

    def load_state(self) -> LedgerState:
        return copy.deepcopy(self.state)

    def fetch_transfers(self, ids: Sequence[int]) -> dict[int, StoredTransfer]:
        found = {}
        for i in ids:
            stored = self.transfers.get(i)
            if stored is not None:
                status = self.status_by_ts.get(stored.transfer.timestamp)
                found[i] = StoredTransfer(
                    stored.transfer, stored.debit_seq, stored.credit_seq, status
                )
        return found

    def fetch_accounts(self, ids: Sequence[int]) -> dict[int, Account]:
        return {i: self.accounts[i] for i in ids if i in self.accounts}

    def commit(self, outcome: Outcome) -> None:
        from vostro.errors import StoreError

        if self.fail_next_commit:
            self.fail_next_commit = False
            raise StoreError("simulated failure")
        self.commits.append(outcome)
        self.state.apply(outcome)
        for row in outcome.account_rows:
            seq, aid, ledger, code, flags, ud128, ud64, ud32, *_rest, ts = row
            self.accounts[aid] = Account(aid, ledger, code, flags, ud128, ud64, ud32, timestamp=ts)
            self.seq_to_id[seq] = aid
        cols = outcome.transfer_columns or {}
        for i in range(outcome.transfer_count):
            c = {k: v[i] for k, v in cols.items()}
            t = Transfer(
                c["id"],
                self.seq_to_id[c["debit_account_seq"]],
                self.seq_to_id[c["credit_account_seq"]],
                c["amount"],
                c["ledger"],
                c["code"],
                c["flags"],
                c["pending_id"],
                c["timeout_s"],
                c["user_data_128"],
                c["user_data_64"],
                c["user_data_32"],
                c["timestamp"],
            )
            self.transfers[t.id] = StoredTransfer(
                t, c["debit_account_seq"], c["credit_account_seq"], None
            )
        for ts, status, _expires, _at in outcome.pending_inserts:
            self.status_by_ts[ts] = PendingStatus(status)
        for ts, status, _at in outcome.pending_updates:
            self.status_by_ts[ts] = PendingStatus(status)

    def load_unindexed(self) -> tuple[int, np.ndarray, np.ndarray]:
        empty = np.zeros(0, np.int64)
        return 0, empty, empty

    def write_account_entries(self, seqs: np.ndarray, timestamps: np.ndarray, upto: int) -> None:
        self.indexed_upto = upto

    def begin_unit(self) -> None:
        """A unit's writes are kept as they come; a rollback puts back what was before it."""
        self.in_unit = True
        self._before_unit = copy.deepcopy(
            {k: v for k, v in vars(self).items() if k not in ("in_unit", "_before_unit")}
        )

    def end_unit(self, commit: bool) -> None:
        before, self._before_unit, self.in_unit = self._before_unit, None, False
        if not commit and before is not None:
            vars(self).update(before)

    def close(self) -> None:
        pass


class FakeStore:
    backend = "fake"

    def __init__(self) -> None:
        self.session = FakeSession()

    def open_writer(self) -> FakeSession:
        return self.session


class Clock:
    """A clock the test moves by hand (nanoseconds)."""

    def __init__(self, start_ns: int = 1_800_000_000 * 10**9) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 10**9)


def is_pending(t: Transfer) -> bool:
    return bool(t.flags & TransferFlags.PENDING)


# ------------------------------------------------------------ units of work, in memory


class FakeAuditLog:
    """The audit log as a list, oldest first."""

    def __init__(self, clock: Callable[[], int] = lambda: 0) -> None:
        self.clock = clock
        self.logged: list[tuple[int, AuditEntry]] = []

    def record(
        self, actor: str, action: str, subject: str, *, origin: str | None = None, **detail: Any
    ) -> None:
        self.record_many([AuditEntry(actor, action, subject, origin, detail)])

    def record_many(self, entries: list[AuditEntry]) -> None:
        self.logged += [(self.clock(), e) for e in entries]

    def entries(self, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        found = [
            {"at": at, **asdict(e)}
            for at, e in reversed(self.logged)
            if subject is None or e.subject == subject
        ]
        return found[:limit]


class FakeQueue:
    """The RTGS queue as a dict by UETR (`settlement.ports.QueueRepository`)."""

    def __init__(self) -> None:
        self.by_uetr: dict[str, QueueEntry] = {}

    def add(self, entry: QueueEntry) -> None:
        self.by_uetr[entry.uetr] = entry

    def remove(self, uetrs: list[str]) -> None:
        for uetr in uetrs:
            self.by_uetr.pop(uetr, None)

    def set_priority(self, uetr: str, priority: Priority) -> None:
        if uetr in self.by_uetr:
            self.by_uetr[uetr] = replace(self.by_uetr[uetr], priority=priority)

    def get(self, uetr: str) -> QueueEntry | None:
        return self.by_uetr.get(uetr)

    def entries(
        self,
        currency: str | None = None,
        payer: str | None = None,
        limit: int = QUEUE_PAGE_MAX,
        after: tuple[int, int, str] | None = None,
    ) -> list[QueueEntry]:
        found = [
            e
            for e in self.by_uetr.values()
            if (currency is None or e.currency == currency)
            and (payer is None or e.payer == payer)
            and (after is None or (e.priority, e.arrival, e.uetr) > after)
        ]
        return sorted(found, key=lambda e: (e.priority, e.arrival, e.uetr))[:limit]

    def due(self, now_ns: int, limit: int = QUEUE_PAGE_MAX) -> list[QueueEntry]:
        found = [e for e in self.by_uetr.values() if e.deadline_at <= now_ns]
        return sorted(found, key=lambda e: e.deadline_at)[:limit]

    def depth(self) -> dict[str, int]:
        return dict(Counter(e.currency for e in self.by_uetr.values()))

    def payers(self) -> set[tuple[str, str]]:
        return {(e.payer, e.currency) for e in self.by_uetr.values()}


class FakeWindows:
    """Deferred-net windows and their payments in lists (`settlement.ports.WindowRepository`)."""

    def __init__(self) -> None:
        self.windows: dict[int, Window] = {}
        self.members: dict[int, list[WindowPayment]] = {}

    def open_window(self, code: str, now_ns: int) -> Window:
        current = self.current(code)
        if current is not None:
            return current
        window_id = len(self.windows) + 1
        self.windows[window_id] = Window(window_id, code, WindowState.OPEN, now_ns, None, None)
        self.members[window_id] = []
        return self.windows[window_id]

    def current(self, code: str) -> Window | None:
        open_ = (w for w in self.windows.values() if w.currency == code)
        return next((w for w in open_ if w.state is WindowState.OPEN), None)

    def get(self, window_id: int) -> Window | None:
        return self.windows.get(window_id)

    def all(self, limit: int = WINDOWS_LISTED_MAX, before: int | None = None) -> list[Window]:
        found = [w for w in self.windows.values() if before is None or w.id < before]
        return sorted(found, key=lambda w: -w.id)[:limit]

    def set_state(self, window_id: int, state: WindowState, now_ns: int) -> None:
        w = self.windows[window_id]
        closed = now_ns if state is WindowState.CLOSED else w.closed_at
        settled = now_ns if state is WindowState.SETTLED else w.settled_at
        self.windows[window_id] = replace(w, state=state, closed_at=closed, settled_at=settled)

    def add(self, window_id: int, payment: WindowPayment) -> None:
        known = {m.uetr for members in self.members.values() for m in members}
        if payment.uetr in known:  # the table's primary key
            raise ValueError(f"{payment.uetr} is already in a window")
        self.members[window_id].append(payment)

    def payments(self, window_id: int) -> list[WindowPayment]:
        return sorted(self.members.get(window_id, []), key=lambda m: m.uetr)

    def net_debit(self, window_id: int, bic: str) -> int:
        members = self.members.get(window_id, [])
        sent = sum(m.amount_minor + m.fee_minor for m in members if m.payer == bic)
        return sent - sum(m.amount_minor for m in members if m.payee == bic)

    def bilateral_debit(self, window_id: int, bic: str, counterparty: str) -> int:
        members = self.members.get(window_id, [])
        owed = sum(m.amount_minor for m in members if (m.payer, m.payee) == (bic, counterparty))
        return owed - sum(
            m.amount_minor for m in members if (m.payer, m.payee) == (counterparty, bic)
        )


class FakeRules:
    """Settlement modes, net debit caps and bilateral limits in dicts."""

    def __init__(self) -> None:
        self.modes: dict[tuple[str, str], Mode] = {}
        self.caps: dict[tuple[str, str], int] = {}
        self.limits: dict[tuple[str, str, str], int] = {}

    def mode(self, bic: str, code: str) -> Mode:
        return self.modes.get((bic, code), Mode.RTGS)

    def net_debit_cap(self, bic: str, code: str) -> int:
        return self.caps.get((bic, code), 0)

    def bilateral_limit(self, bic: str, counterparty: str, code: str) -> int | None:
        return self.limits.get((bic, counterparty, code))

    def store_mode(self, bic: str, code: str, mode: Mode) -> None:
        self.modes[bic, code] = mode

    def store_net_debit_cap(self, bic: str, code: str, cap_minor: int) -> None:
        self.caps[bic, code] = cap_minor

    def store_bilateral_limit(
        self, bic: str, counterparty: str, code: str, limit_minor: int
    ) -> None:
        self.limits[bic, counterparty, code] = limit_minor


class FakeRuns:
    """Settlement reports kept as the JSON the table holds, newest last."""

    def __init__(self) -> None:
        self.saved: list[tuple[int, str]] = []

    def add(self, report: SettlementReport, at_ns: int) -> int:
        stored = {k: v for k, v in asdict(report).items() if k != "run_id"}
        self.saved.append((at_ns, json.dumps(stored)))
        return len(self.saved)

    def latest(
        self, limit: int = REPORTS_LISTED_MAX, before: int | None = None
    ) -> list[SettlementReport]:
        runs = [
            SettlementReport(**{**json.loads(r), "run_id": run_id})
            for run_id, (_, r) in enumerate(self.saved, start=1)
        ]
        return [r for r in reversed(runs) if before is None or (r.run_id or 0) < before][:limit]


class FakePayments:
    """Payments and their history in dicts (`payments.ports.PaymentRepository`)."""

    def __init__(self, clock: Callable[[], int]) -> None:
        self.clock = clock
        self.rows: dict[str, Payment] = {}
        self.created_ns: dict[str, int] = {}
        self.screening_rows: dict[str, list[dict[str, Any]]] = {}
        self.tags: dict[str, str] = {}

    @contextmanager
    def batched(self) -> Iterator[None]:
        yield

    def add(self, payment: Payment, reason: str) -> None:
        assert payment.uetr not in self.rows, f"payment {payment.uetr} stored twice"
        self.created_ns[payment.uetr] = self.clock()
        self.save(payment, reason)

    def save(self, payment: Payment, reason: str | None) -> None:
        code = payment.reason_code if payment.state is State.REJECTED else None
        payment.events.append(Event(self.clock(), payment.state, code, reason))
        self.rows[payment.uetr] = copy.deepcopy(payment)

    def note(self, payment: Payment, reason: str) -> None:
        self.save(payment, reason)

    def tag(self, tags: dict[str, str]) -> None:
        self.tags.update(tags)

    def get(self, uetr: str) -> Payment | None:
        found = self.rows.get(uetr)
        return copy.deepcopy(found) if found is not None else None

    def by_end_to_end(self, debtor_agent: str, end_to_end_id: str) -> Payment | None:
        for p in self.rows.values():
            if (p.debtor_agent, p.end_to_end_id) == (debtor_agent, end_to_end_id):
                return copy.deepcopy(p)
        return None

    def known(
        self, uetrs: list[str], end_to_end: list[tuple[str, str]]
    ) -> tuple[set[str], set[tuple[str, str]]]:
        pairs = {(p.debtor_agent, p.end_to_end_id) for p in self.rows.values()}
        return {u for u in uetrs if u in self.rows}, {e for e in end_to_end if e in pairs}

    def list(self, limit: int = 100, state: State | None = None) -> list[Payment]:
        found = [p for p in self.rows.values() if state is None or p.state is state]
        return [copy.deepcopy(p) for p in reversed(found)][:limit]

    def scheduled(self, up_to: date, limit: int) -> list[Payment]:
        found = [
            p
            for p in self.rows.values()
            if p.state is State.SCHEDULED
            and p.settlement_date is not None
            and p.settlement_date <= up_to
        ]
        found.sort(key=lambda p: (self.created_ns[p.uetr], p.uetr))
        return [copy.deepcopy(p) for p in found[:limit]]

    def accepted_total(
        self,
        payer: str,
        code: str,
        since: int,
        until: int,
        *,
        flow: str | None = None,
        excluding: str | None = None,
    ) -> int:
        return sum(
            p.source_amount_minor
            for p in self.rows.values()
            if p.debtor_agent == payer
            and p.source_currency == code
            and since <= self.created_ns[p.uetr] < until
            and p.state is not State.REJECTED
            and (flow is None or p.flow == flow)
            and p.uetr != excluding
        )

    def add_screening(self, uetr: str, at: int, result: ScreeningResult) -> None:
        self.screening_rows.setdefault(uetr, []).append(
            {
                "uetr": uetr,
                "at": at,
                "decision": result.decision,
                "lists": result.lists,
                "score": result.score,
                "reason": result.reason,
                "findings": [f.as_dict() for f in result.findings],
            }
        )

    def screenings(self, uetr: str) -> list[dict[str, Any]]:
        return list(self.screening_rows.get(uetr, []))

    def held_by_screening(self, uetr: str) -> bool:
        found = self.screening_rows.get(uetr)
        return bool(found) and found[-1]["decision"] == Decision.HOLD


class FakeHolds:
    def __init__(self) -> None:
        self.rows: dict[str, Hold] = {}

    def add(self, hold: Hold) -> None:
        self.rows[hold.uetr] = hold

    def decide(self, uetr: str, status: HoldStatus, at: int, by: str, reason: str) -> None:
        hold = self.rows[uetr]
        assert hold.status is HoldStatus.HELD, f"payment {uetr} has no undecided hold"
        self.rows[uetr] = dataclasses.replace(
            hold, status=status, decided_at=at, decided_by=by, decision_reason=reason
        )

    def get(self, uetr: str) -> Hold | None:
        return self.rows.get(uetr)

    def list(
        self,
        status: HoldStatus | None = HoldStatus.HELD,
        limit: int = 1_000,
        after: tuple[int, str] | None = None,
    ) -> list[Hold]:
        found = [
            h
            for h in self.rows.values()
            if (status is None or h.status is status)
            and (after is None or (h.deadline_at, h.uetr) > after)
        ]
        return sorted(found, key=lambda h: (h.deadline_at, h.uetr))[:limit]

    def due(self, now_ns: int, limit: int = 1_000) -> list[Hold]:
        return [h for h in self.list(HoldStatus.HELD, limit) if h.deadline_at <= now_ns]


class FakeLimits:
    """Payment limits in a list (`compliance.ports.LimitRepository`, the lookup the lifecycle
    makes)."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def applicable(self, bic: str, flow: str, code: str) -> list[Any]:
        return [
            limit
            for limit in self.rows
            if limit.participant in (bic, "*")
            and limit.flow in (flow, "*")
            and limit.currency == code
        ]


class FakeCalendar:
    """The operating day's tables in memory (`calendar.ports.CalendarRepository`)."""

    def __init__(self) -> None:
        self.schedules_: dict[str, Schedule] = {}
        self.closures_: dict[tuple[str, date], Closure] = {}
        self.days_: dict[tuple[str, date], OperatingDay] = {}
        self.steps_: dict[tuple[str, date], dict[str, dict[str, Any]]] = {}
        self.statements_: dict[tuple[date, str], tuple[str, int, str | None, bytes]] = {}
        self.reports: dict[tuple[str, date], dict[str, Any]] = {}
        self.carry: set[str] = set()

    def schedule(self, code: str) -> Schedule | None:
        return self.schedules_.get(code)

    def schedules(self) -> list[Schedule]:
        return [self.schedules_[c] for c in sorted(self.schedules_)]

    def put_schedule(self, schedule: Schedule) -> None:
        self.schedules_[schedule.currency] = schedule

    def closures(self, code: str) -> list[Closure]:
        return sorted(
            (c for c in self.closures_.values() if c.currency == code), key=lambda c: c.day
        )

    def put_closure(self, closure: Closure) -> None:
        self.closures_[(closure.currency, closure.day)] = closure

    def remove_closure(self, code: str, day: date) -> bool:
        return self.closures_.pop((code, day), None) is not None

    def current_day(self, code: str) -> OperatingDay | None:
        days = [d for (c, _), d in self.days_.items() if c == code and d.state != "closed"]
        return max(days, key=lambda d: d.day, default=None)

    def day(self, code: str, day: date) -> OperatingDay | None:
        return self.days_.get((code, day))

    def days(self, code: str | None = None, limit: int = 30) -> list[OperatingDay]:
        found = [d for d in self.days_.values() if code in (None, d.currency)]
        return sorted(found, key=lambda d: (d.day, d.currency), reverse=True)[:limit]

    def add_day(self, day: OperatingDay) -> None:
        self.days_[(day.currency, day.day)] = day

    def set_state(self, code: str, day: date, state: Any, at: int) -> None:
        stamp = "closing_at" if state == "closing" else "closed_at"
        d = self.days_[(code, day)]
        self.days_[(code, day)] = replace(d, state=state, **{stamp: at})

    def steps(self, code: str, day: date) -> dict[str, dict[str, Any]]:
        return dict(self.steps_.get((code, day), {}))

    def step_done(self, code: str, day: date, step: str, at: int, detail: dict[str, Any]) -> None:
        done = self.steps_.setdefault((code, day), {})
        if step in done:
            raise AssertionError(f"step {step} twice")
        done[step] = {"done_at": at, **detail}

    def add_statement(
        self, code: str, day: date, account_id: int, name: str, owner: str | None, xml: bytes
    ) -> None:
        self.statements_[(day, name)] = (code, account_id, owner, xml)

    def statements(self, day: date, code: str | None = None) -> list[dict[str, Any]]:
        return [
            {"name": n, "currency": c, "account_id": str(a), "owner": o}
            for (d, n), (c, a, o, _) in sorted(self.statements_.items())
            if d == day and code in (None, c)
        ]

    def statement(self, day: date, name: str) -> bytes | None:
        found = self.statements_.get((day, name))
        return None if found is None else found[3]

    def put_report(self, code: str, day: date, report: dict[str, Any]) -> None:
        self.reports[(code, day)] = report

    def report(self, code: str, day: date) -> dict[str, Any] | None:
        return self.reports.get((code, day))

    def currencies(self) -> list[str]:
        return sorted(self.schedules_)

    def accounts(self, code: str) -> list[tuple[int, str, str]]:
        return []

    def day_payments(self, code: str, day: date) -> list[dict[str, Any]]:
        return []

    def carries(self, bic: str) -> bool:
        return bic in self.carry

    def set_carry(self, bic: str, carry: bool) -> None:
        (self.carry.add if carry else self.carry.discard)(bic)


class FakeUnitOfWork:
    """A unit of work over the in-memory repositories and a ledger (`Ledger(FakeStore())`).

    Used as a context manager it behaves as the SQL one: leaving the block without `commit()`
    puts every repository back as it was at the start and rolls the ledger's unit back. Used
    without one, `commit()` only runs the after-commit callbacks and sets `committed` (the
    repositories keep what they were given; a test looks at them afterwards)."""

    REPOSITORIES = (
        "audit",
        "queue",
        "windows",
        "rules",
        "runs",
        "payments",
        "holds",
        "limits",
        "calendar",
    )

    def __init__(self, ledger: Ledger, clock: Callable[[], int] | None = None) -> None:
        self.ledger = ledger
        self.clock: Callable[[], int] = clock or Clock()
        self.audit = FakeAuditLog(self.clock)
        self.queue = FakeQueue()
        self.windows = FakeWindows()
        self.rules = FakeRules()
        self.runs = FakeRuns()
        self.payments = FakePayments(self.clock)
        self.holds = FakeHolds()
        self.limits = FakeLimits()
        self.calendar = FakeCalendar()
        self.committed = False
        self._entered = False
        self._after_commit: list[Callable[[], None]] = []
        self._before: dict[str, Any] = {}

    def __enter__(self) -> FakeUnitOfWork:
        self.committed, self._entered = False, True
        self._before = copy.deepcopy({name: getattr(self, name) for name in self.REPOSITORIES})
        self.ledger.begin_unit()
        return self

    def commit(self) -> None:
        self.committed = True
        if self._entered:
            self.ledger.end_unit(commit=True)
        for then in self._after_commit:
            then()
        self._after_commit = []

    def after_commit(self, then: Callable[[], None]) -> None:
        self._after_commit.append(then)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        if self.committed:
            return
        self.ledger.end_unit(commit=False)
        for name, repository in self._before.items():
            setattr(self, name, repository)
        self._after_commit = []


@dataclass
class FixedAccounts:
    """`settlement.obligations.SettlementAccounts` from a table of paying accounts."""

    paying_by_bic: dict[str, int]
    clearing: int
    fees: int

    def paying(self, bic: str) -> int:
        return self.paying_by_bic[bic]

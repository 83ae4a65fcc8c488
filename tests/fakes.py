"""Hand-written fakes (no mocks): an in-memory ledger session for fast unit tests of the writer,
and an in-memory unit of work (every repository a dict or a list) for unit tests of the payment
lifecycle."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import numpy as np

from vostro.audit import AuditEntry
from vostro.compliance.results import Decision, ScreeningResult
from vostro.ledger.state import LedgerState, Outcome, StoredTransfer
from vostro.ledger.types import Account, PendingStatus, Transfer, TransferFlags
from vostro.ledger.writer import Ledger
from vostro.payments.model import Event, Hold, HoldStatus, Payment, State
from vostro.settlement.queue import Priority, QueueEntry
from vostro.settlement.rules import Mode


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

    def list(self, status: HoldStatus | None = HoldStatus.HELD, limit: int = 1_000) -> list[Hold]:
        found = [h for h in self.rows.values() if status is None or h.status is status]
        return sorted(found, key=lambda h: (h.deadline_at, h.uetr))[:limit]

    def due(self, now_ns: int, limit: int = 1_000) -> list[Hold]:
        return [h for h in self.list(HoldStatus.HELD, limit) if h.deadline_at <= now_ns]


class FakeAudit:
    def __init__(self) -> None:
        self.rows: list[AuditEntry] = []

    def record(
        self, actor: str, action: str, subject: str, *, origin: str | None = None, **detail: Any
    ) -> None:
        self.rows.append(AuditEntry(actor, action, subject, origin, detail))

    def record_many(self, entries: list[AuditEntry]) -> None:
        self.rows.extend(entries)

    def entries(self, subject: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        found = [e for e in reversed(self.rows) if subject is None or e.subject == subject]
        return [dataclasses.asdict(e) for e in found[:limit]]


class FakeQueue:
    def __init__(self) -> None:
        self.rows: dict[str, QueueEntry] = {}

    def add(self, entry: QueueEntry) -> None:
        self.rows[entry.uetr] = entry

    def remove(self, uetrs: list[str]) -> None:
        for uetr in uetrs:
            self.rows.pop(uetr, None)

    def set_priority(self, uetr: str, priority: Priority) -> None:
        self.rows[uetr] = dataclasses.replace(self.rows[uetr], priority=priority)

    def get(self, uetr: str) -> QueueEntry | None:
        return self.rows.get(uetr)

    def entries(
        self, currency: str | None = None, payer: str | None = None, limit: int = 8189
    ) -> list[QueueEntry]:
        found = [
            e
            for e in self.rows.values()
            if (currency is None or e.currency == currency) and (payer is None or e.payer == payer)
        ]
        return sorted(found, key=lambda e: (e.priority, e.arrival, e.uetr))[:limit]

    def due(self, now_ns: int, limit: int = 8189) -> list[QueueEntry]:
        return sorted(
            (e for e in self.rows.values() if e.deadline_at <= now_ns), key=lambda e: e.deadline_at
        )[:limit]


class FakeRules:
    """Settlement modes (RTGS unless set), net debit caps and bilateral limits."""

    def __init__(self) -> None:
        self.modes: dict[tuple[str, str], Mode] = {}
        self.caps: dict[tuple[str, str], int] = {}
        self.bilateral: dict[tuple[str, str, str], int] = {}

    def mode(self, bic: str, code: str) -> Mode:
        return self.modes.get((bic, code), Mode.RTGS)

    def net_debit_cap(self, bic: str, code: str) -> int:
        return self.caps.get((bic, code), 0)

    def bilateral_limit(self, bic: str, counterparty: str, code: str) -> int | None:
        return self.bilateral.get((bic, counterparty, code))


class FakeLimits:
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


class FakeUnitOfWork:
    """The unit of work in memory: repositories in dicts, the real ledger writer on a
    `FakeStore`. Leaving the block without `commit()` puts every repository back as it was at
    the start and rolls the ledger's unit back."""

    REPOSITORIES = ("payments", "holds", "audit", "queue", "rules", "limits")

    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clock = clock
        self.payments = FakePayments(clock)
        self.holds = FakeHolds()
        self.audit = FakeAudit()
        self.queue = FakeQueue()
        self.rules = FakeRules()
        self.limits = FakeLimits()
        self.windows: Any = None
        self.committed = False
        self._then: list[Callable[[], None]] = []
        self._before: dict[str, Any] = {}

    def __enter__(self) -> FakeUnitOfWork:
        self.committed = False
        self._before = copy.deepcopy({name: getattr(self, name) for name in self.REPOSITORIES})
        self.ledger.begin_unit()
        return self

    def commit(self) -> None:
        self.committed = True
        self.ledger.end_unit(commit=True)
        for then in self._then:
            then()
        self._then = []

    def after_commit(self, then: Callable[[], None]) -> None:
        self._then.append(then)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.committed:
            self.ledger.end_unit(commit=False)
            for name, repository in self._before.items():
                setattr(self, name, repository)
            self._then = []

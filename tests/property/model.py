"""A deliberately simple reference model of the ledger's semantics, for property tests.

Written from the rules (DESIGN.md §3, TigerBeetle), not from `vostro.ledger.engine`: dictionaries,
Python integers, and a deep copy to undo a failed linked chain. It covers the events the property
tests generate (plain, pending, post and void transfers, linked chains, duplicate and bad ids,
unknown accounts, wrong ledgers, bad amounts); timeouts and balancing are covered by unit tests.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from vostro.ledger.types import ID_MAX, INT64_MAX, Account, AccountFlags, Transfer, TransferFlags

LINKED = int(TransferFlags.LINKED)
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING)
VOID = int(TransferFlags.VOID_PENDING)
DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
CR_LIMIT = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)


@dataclass
class ModelAccount:
    account: Account
    dp: int = 0
    dpo: int = 0
    cp: int = 0
    cpo: int = 0


@dataclass
class ModelLedger:
    accounts: dict[int, ModelAccount] = field(default_factory=dict)
    transfers: dict[int, Transfer] = field(default_factory=dict)  # as stored (fields filled in)
    status: dict[int, str] = field(default_factory=dict)  # pending id -> pending/posted/voided

    # -------------------------------------------------------------- accounts
    def create_accounts(self, accounts: list[Account]) -> list[str]:
        return self._run(accounts, self._account)

    def _account(self, a: Account) -> str:
        if a.id == 0:
            return "id_must_not_be_zero"
        if a.id == ID_MAX:
            return "id_must_not_be_int_max"
        if a.id in self.accounts:
            old = self.accounts[a.id].account
            same = (old.ledger, old.code, old.flags & ~1) == (a.ledger, a.code, a.flags & ~1)
            return "exists" if same else "exists_with_different_fields"
        if a.flags & DR_LIMIT and a.flags & CR_LIMIT:
            return "flags_are_mutually_exclusive"
        if a.ledger == 0:
            return "ledger_must_not_be_zero"
        if a.code == 0:
            return "code_must_not_be_zero"
        self.accounts[a.id] = ModelAccount(a)
        return "ok"

    # ------------------------------------------------------------- transfers
    def create_transfers(self, transfers: list[Transfer]) -> list[str]:
        return self._run(transfers, self._transfer)

    def _transfer(self, t: Transfer) -> str:
        if t.id == 0:
            return "id_must_not_be_zero"
        if t.id in self.transfers:
            return self._compare(t, self.transfers[t.id])
        if t.flags & (POST | VOID):
            return self._resolve(t)
        if t.debit_account_id == t.credit_account_id:
            return "accounts_must_be_different"
        if t.ledger == 0:
            return "ledger_must_not_be_zero"
        if t.code == 0:
            return "code_must_not_be_zero"
        if t.amount < 0:
            return "amount_must_not_be_negative"
        if t.amount == 0:
            return "amount_must_not_be_zero"
        if t.amount > INT64_MAX:
            return "amount_exceeds_max"
        dr = self.accounts.get(t.debit_account_id)
        if dr is None:
            return "debit_account_not_found"
        cr = self.accounts.get(t.credit_account_id)
        if cr is None:
            return "credit_account_not_found"
        if dr.account.ledger != cr.account.ledger:
            return "accounts_must_have_the_same_ledger"
        if t.ledger != dr.account.ledger:
            return "transfer_must_have_the_same_ledger_as_accounts"
        pending = bool(t.flags & PENDING)
        a = t.amount
        if pending and dr.dp + a > INT64_MAX:
            return "overflows_debits_pending"
        if pending and cr.cp + a > INT64_MAX:
            return "overflows_credits_pending"
        if not pending and dr.dpo + a > INT64_MAX:
            return "overflows_debits_posted"
        if not pending and cr.cpo + a > INT64_MAX:
            return "overflows_credits_posted"
        if dr.dp + dr.dpo + a > INT64_MAX:
            return "overflows_debits"
        if cr.cp + cr.cpo + a > INT64_MAX:
            return "overflows_credits"
        if dr.account.flags & DR_LIMIT and dr.dp + dr.dpo + a > dr.cpo:
            return "exceeds_credits"
        if cr.account.flags & CR_LIMIT and cr.cp + cr.cpo + a > cr.dpo:
            return "exceeds_debits"
        if pending:
            dr.dp += a
            cr.cp += a
            self.status[t.id] = "pending"
        else:
            dr.dpo += a
            cr.cpo += a
        self.transfers[t.id] = t
        return "ok"

    def _resolve(self, t: Transfer) -> str:
        if t.pending_id == 0:
            return "pending_id_must_not_be_zero"
        if t.pending_id == t.id:
            return "pending_id_must_be_different"
        if t.amount < 0:
            return "amount_must_not_be_negative"
        p = self.transfers.get(t.pending_id)
        if p is None:
            return "pending_transfer_not_found"
        if not p.flags & PENDING:
            return "pending_transfer_not_pending"
        post = bool(t.flags & POST)
        amount = t.amount or p.amount
        if post and amount > p.amount:
            return "exceeds_pending_transfer_amount"
        if not post and amount != p.amount:
            return "pending_transfer_has_different_amount"
        status = self.status[p.id]
        if status != "pending":
            return f"pending_transfer_already_{status}"
        dr, cr = self.accounts[p.debit_account_id], self.accounts[p.credit_account_id]
        if post and (dr.dpo + amount > INT64_MAX):
            return "overflows_debits_posted"
        if post and (cr.cpo + amount > INT64_MAX):
            return "overflows_credits_posted"
        dr.dp -= p.amount
        cr.cp -= p.amount
        if post:
            dr.dpo += amount
            cr.cpo += amount
        self.status[p.id] = "posted" if post else "voided"
        self.transfers[t.id] = Transfer(
            t.id,
            p.debit_account_id,
            p.credit_account_id,
            amount,
            p.ledger,
            p.code,
            t.flags,
            t.pending_id,
        )
        return "ok"

    @staticmethod
    def _compare(t: Transfer, stored: Transfer) -> str:
        inherits = bool(t.flags & (POST | VOID))

        def same(a: int, b: int) -> bool:
            return a == b or (inherits and a == 0)

        equal = (
            t.flags == stored.flags
            and t.pending_id == stored.pending_id
            and same(t.debit_account_id, stored.debit_account_id)
            and same(t.credit_account_id, stored.credit_account_id)
            and same(t.ledger, stored.ledger)
            and same(t.code, stored.code)
            and same(t.amount, stored.amount)
        )
        return "exists" if equal else "exists_with_different_fields"

    # ------------------------------------------------------------ the chains
    def _run(self, events: list, apply) -> list[str]:  # type: ignore[no-untyped-def, type-arg]
        results: list[str] = []
        i = 0
        while i < len(events):
            chain = [i]
            while events[chain[-1]].flags & LINKED and chain[-1] + 1 < len(events):
                chain.append(chain[-1] + 1)
            saved = copy.deepcopy((self.accounts, self.transfers, self.status))
            codes: list[str] = []
            for position, j in enumerate(chain):
                last_of_batch_still_linked = events[j].flags & LINKED and j == len(events) - 1
                code = "linked_event_chain_open" if last_of_batch_still_linked else apply(events[j])
                codes.append(code)
                if code not in ("ok", "exists"):
                    codes[:position] = ["linked_event_failed"] * position
                    codes += ["linked_event_failed"] * (len(chain) - position - 1)
                    break
            failed = any(c not in ("ok", "exists") for c in codes)
            mixed = "ok" in codes and "exists" in codes
            if failed or mixed:
                self.accounts, self.transfers, self.status = saved
                if mixed and not failed:
                    codes = ["exists" if c == "exists" else "linked_event_failed" for c in codes]
            results += codes
            i = chain[-1] + 1
        return results

    def balances(self) -> dict[int, tuple[int, int, int, int]]:
        return {i: (a.dp, a.dpo, a.cp, a.cpo) for i, a in self.accounts.items()}

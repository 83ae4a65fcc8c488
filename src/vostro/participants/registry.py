"""Registering participants, opening their accounts, funding and suspending them.

Registration writes the participant's row and opens its ledger accounts through the single writer
(`create_accounts` is idempotent, so a repeated registration only reports `exists`). Funding moves
money from the operator's funding account in that currency into the participant's account;
defunding moves it back and cannot take more than the participant holds (its accounts may not go
overdrawn). Every change is written to the audit log with who made it, in the change's unit of
work. Participants are cached between units (`uow.caches`): a change drops its entry at once and
again once committed, so no reader can keep the old row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vostro.errors import VostroError
from vostro.ledger.types import Account, AccountFlags, CreateTransferResult, Transfer
from vostro.money import currency
from vostro.participants.bic import InvalidBic, normalize_bic
from vostro.participants.model import (
    OPERATOR_NUMBER,
    AccountKind,
    Participant,
    Purpose,
    Role,
    Status,
)
from vostro.participants.ports import ParticipantsUnit
from vostro.text import LABEL, PARTICIPANT_NAME

LIMITED = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
UNLIMITED_KINDS = (AccountKind.FUNDING, AccountKind.TREASURY, AccountKind.CLEARING)
OPERATOR_KINDS = (AccountKind.FUNDING, AccountKind.FEE, AccountKind.TREASURY, AccountKind.CLEARING)


class ParticipantError(VostroError):
    """A participant request that cannot be carried out; the message says why."""


class Registry:
    """Participants: their rows, their ledger accounts and their liquidity."""

    # ------------------------------------------------------------ registration
    def register(
        self,
        uow: ParticipantsUnit,
        bic: str,
        name: str,
        roles: Iterable[Role | str],
        currencies: Iterable[str],
        *,
        correspondent_bic: str | None = None,
        actor: str = "operator",
    ) -> Participant:
        bic = normalize_bic(bic)
        PARTICIPANT_NAME.check("name", name)  # InvalidText (FF01): it goes into every message
        role_set = frozenset(Role(r) for r in roles)
        codes = tuple(sorted({currency(c).code for c in currencies}))
        if not role_set or not codes:
            raise ParticipantError(f"{bic}: a participant needs at least one role and currency")
        if correspondent_bic is not None:
            correspondent_bic = self._vostro_holder(uow, bic, correspondent_bic)
        existing = self.find(uow, bic)
        if existing is not None:
            return _same_or_refuse(existing, name, role_set, codes, correspondent_bic)
        number = _next_number(uow, role_set)
        participant = Participant(
            bic, number, name, bic[4:6], role_set, codes, correspondent_bic, Status.ACTIVE
        )
        kinds = _account_kinds(participant)
        _open_accounts(uow, participant, kinds)
        uow.participants.add(participant, kinds)
        uow.audit.record(
            actor,
            "participant.register",
            bic,
            name=name,
            roles=sorted(role_set),
            currencies=codes,
            correspondent_bic=correspondent_bic,
        )
        return participant

    def _vostro_holder(self, uow: ParticipantsUnit, bic: str, correspondent_bic: str) -> str:
        correspondent_bic = normalize_bic(correspondent_bic)
        holder = self.get(uow, correspondent_bic)
        if holder.country != "IN" or Role.BANK not in holder.roles:
            raise ParticipantError(
                f"{bic}: a rupee vostro account is held at an Indian bank participant; "
                f"{correspondent_bic} is not one"
            )
        return correspondent_bic

    # ----------------------------------------------------------------- lookups
    def find(self, uow: ParticipantsUnit, bic: str) -> Participant | None:
        bic = normalize_bic(bic)
        cached = uow.caches.participants.get(bic)
        if cached is not None:
            return cached
        participant = uow.participants.get(bic)
        if participant is not None:
            uow.caches.participants[bic] = participant
        return participant

    def get(self, uow: ParticipantsUnit, bic: str) -> Participant:
        participant = self.find(uow, bic)
        if participant is None:
            raise ParticipantError(f"{bic} is not a registered participant")
        return participant

    def all(self, uow: ParticipantsUnit) -> list[Participant]:
        return uow.participants.all()

    def operator(self, uow: ParticipantsUnit) -> Participant:
        bic = uow.participants.operator_bic()
        if bic is None:
            raise ParticipantError("no operator is registered: register one first")
        return self.get(uow, bic)

    def add_alias(self, uow: ParticipantsUnit, bic: str, alias: str, *, actor: str) -> None:
        """Let messages name this participant by another identifier (e.g. "USABA:011104238")."""
        participant = self.get(uow, bic)
        LABEL.check("alias", alias)
        uow.participants.set_alias(alias, participant.bic)
        uow.audit.record(actor, "participant.alias", participant.bic, alias=alias)

    def resolve(self, uow: ParticipantsUnit, identifier: str) -> Participant | None:
        """The participant a message names by BIC or by one of its aliases."""
        bic = uow.participants.alias(identifier)
        if bic is not None:
            return self.find(uow, bic)
        try:
            return self.find(uow, identifier)
        except InvalidBic:
            return None

    # ------------------------------------------------------------------ status
    def set_status(
        self, uow: ParticipantsUnit, bic: str, status: Status, *, actor: str, reason: str
    ) -> Participant:
        """Suspend or reinstate: stops new payments to and from it; settled ones stay."""
        participant = self.get(uow, bic)
        uow.participants.set_status(participant.bic, status)
        uow.audit.record(actor, f"participant.{status}", participant.bic, reason=reason)
        forget = _forgetting(uow, participant.bic)
        forget()
        uow.after_commit(forget)
        return self.get(uow, participant.bic)

    # -------------------------------------------------------------- liquidity
    def fund(
        self,
        uow: ParticipantsUnit,
        bic: str,
        amount_minor: int,
        currency_code: str,
        *,
        transfer_id: int,
        actor: str,
    ) -> CreateTransferResult:
        """Move money from the operator's funding account into the participant's account."""
        return self._move(uow, bic, amount_minor, currency_code, transfer_id, actor, defund=False)

    def defund(
        self,
        uow: ParticipantsUnit,
        bic: str,
        amount_minor: int,
        currency_code: str,
        *,
        transfer_id: int,
        actor: str,
    ) -> CreateTransferResult:
        """Move money back to the operator's funding account (at most what it holds)."""
        return self._move(uow, bic, amount_minor, currency_code, transfer_id, actor, defund=True)

    def _move(
        self,
        uow: ParticipantsUnit,
        bic: str,
        amount_minor: int,
        currency_code: str,
        transfer_id: int,
        actor: str,
        *,
        defund: bool,
    ) -> CreateTransferResult:
        participant = self.get(uow, bic)
        if not participant.settles_in(currency_code):
            raise ParticipantError(f"{bic} does not settle in {currency_code}")
        funding = self.operator(uow).account(AccountKind.FUNDING, currency_code)
        mine = participant.paying_account(currency_code)
        debit, credit = (mine, funding) if defund else (funding, mine)
        purpose = Purpose.DEFUND if defund else Purpose.FUND
        (result,) = uow.ledger.create_transfers(
            [
                Transfer(
                    transfer_id,
                    debit,
                    credit,
                    amount_minor,
                    currency(currency_code).ledger,
                    int(purpose),
                    user_data_64=participant.number,
                )
            ]
        )
        if result in (CreateTransferResult.OK, CreateTransferResult.EXISTS):
            uow.audit.record(
                actor,
                "participant.defund" if defund else "participant.fund",
                participant.bic,
                amount_minor=amount_minor,
                currency=currency_code,
                transfer_id=str(transfer_id),
                result=str(result),
            )
        return result

    def balance(self, uow: ParticipantsUnit, bic: str, currency_code: str) -> int:
        """Posted balance of the participant's account in that currency (for the operator: its
        fee income)."""
        participant = self.get(uow, bic)
        if Role.OPERATOR in participant.roles:
            account = participant.account(AccountKind.FEE, currency_code)
        else:
            account = participant.paying_account(currency_code)
        found = uow.accounts.get([account])
        if not found:
            raise ParticipantError(f"{bic} has no account in {currency_code}")
        return found[0].credits_posted - found[0].debits_posted


def _forgetting(uow: ParticipantsUnit, bic: str) -> Callable[[], None]:
    def forget() -> None:
        uow.caches.participants.pop(bic, None)

    return forget


def _same_or_refuse(
    existing: Participant,
    name: str,
    roles: frozenset[Role],
    codes: tuple[str, ...],
    correspondent_bic: str | None,
) -> Participant:
    mine = (existing.name, existing.roles, existing.currencies, existing.correspondent_bic)
    if mine != (name, roles, codes, correspondent_bic):
        raise ParticipantError(f"{existing.bic} is already registered with other details")
    return existing


def _next_number(uow: ParticipantsUnit, roles: frozenset[Role]) -> int:
    if Role.OPERATOR in roles:
        return OPERATOR_NUMBER
    return max(uow.participants.top_number(), OPERATOR_NUMBER) + 1


def _account_kinds(p: Participant) -> list[tuple[AccountKind, str]]:
    if Role.OPERATOR in p.roles:
        return [(kind, code) for code in p.currencies for kind in OPERATOR_KINDS]
    kinds = [(AccountKind.SETTLEMENT, code) for code in p.currencies]
    if p.has_vostro():
        kinds += [(AccountKind.VOSTRO, "INR"), (AccountKind.INVESTMENT, "INR")]
    return kinds


def _open_accounts(
    uow: ParticipantsUnit, p: Participant, kinds: list[tuple[AccountKind, str]]
) -> None:
    accounts = [
        Account(
            p.account(kind, code),
            currency(code).ledger,
            int(kind),
            flags=0 if kind in UNLIMITED_KINDS else LIMITED,
            user_data_64=p.number,
        )
        for kind, code in kinds
    ]
    results = uow.ledger.create_accounts(accounts)
    refused = [
        (a.id, r) for a, r in zip(accounts, results, strict=True) if r not in ("ok", "exists")
    ]
    if refused:
        raise ParticipantError(f"{p.bic}: the ledger refused its accounts: {refused}")

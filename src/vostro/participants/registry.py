"""Registering participants, opening their accounts, funding and suspending them.

Registration writes the participant's row and opens its ledger accounts through the single writer
(`create_accounts` is idempotent, so a repeated registration only reports `exists`). Funding moves
money from the operator's funding account in that currency into the participant's account;
defunding moves it back and cannot take more than the participant holds (its accounts may not go
overdrawn). Every change is written to the audit log with who made it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import sqlalchemy as sa

from vostro import audit
from vostro.errors import VostroError
from vostro.ledger.types import Account, AccountFlags, CreateTransferResult, Transfer
from vostro.ledger.writer import Ledger
from vostro.money import currency
from vostro.participants.bic import InvalidBic, normalize_bic
from vostro.participants.model import (
    OPERATOR_NUMBER,
    AccountKind,
    Participant,
    Purpose,
    Role,
    Status,
    account_id,
)
from vostro.payments.fees import FeeSchedule
from vostro.store.schema import (
    fee_schedules,
    participant_accounts,
    participant_aliases,
    participants,
)

LIMITED = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)


class ParticipantError(VostroError):
    """A participant request that cannot be carried out; the message says why."""


class Registry:
    """Participants, backed by the store's tables and the ledger writer."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = ledger.store.engine
        self._cache: dict[str, Participant] = {}

    # ------------------------------------------------------------ registration
    def register(
        self,
        bic: str,
        name: str,
        roles: Iterable[Role | str],
        currencies: Iterable[str],
        *,
        correspondent_bic: str | None = None,
        actor: str = "operator",
    ) -> Participant:
        bic = normalize_bic(bic)
        role_set = frozenset(Role(r) for r in roles)
        codes = tuple(sorted({currency(c).code for c in currencies}))
        if not role_set or not codes:
            raise ParticipantError(f"{bic}: a participant needs at least one role and currency")
        if correspondent_bic is not None:
            correspondent_bic = normalize_bic(correspondent_bic)
            holder = self.get(correspondent_bic)
            if holder.country != "IN" or Role.BANK not in holder.roles:
                raise ParticipantError(
                    f"{bic}: a rupee vostro account is held at an Indian bank participant; "
                    f"{correspondent_bic} is not one"
                )
        existing = self.find(bic)
        if existing is not None:
            return self._same_or_refuse(existing, name, role_set, codes, correspondent_bic)
        number = self._next_number(role_set)
        participant = Participant(
            bic, number, name, bic[4:6], role_set, codes, correspondent_bic, Status.ACTIVE
        )
        kinds = self._account_kinds(participant)
        self._open_accounts(participant, kinds)
        with self.engine.begin() as conn:
            conn.execute(
                participants.insert().values(
                    bic=bic,
                    number=number,
                    name=name,
                    country=participant.country,
                    roles=",".join(sorted(role_set)),
                    currencies=",".join(codes),
                    correspondent_bic=correspondent_bic,
                    status=Status.ACTIVE,
                    created_at=time.time_ns(),
                )
            )
            for kind, code in kinds:
                conn.execute(
                    participant_accounts.insert().values(
                        account_id=account_id(number, kind, code).to_bytes(16, "big"),
                        bic=bic,
                        currency=code,
                        kind=kind.name.lower(),
                        held_at_bic=correspondent_bic if kind is AccountKind.VOSTRO else None,
                    )
                )
            audit.record(
                conn,
                actor,
                "participant.register",
                bic,
                name=name,
                roles=sorted(role_set),
                currencies=codes,
                correspondent_bic=correspondent_bic,
            )
        self._cache[bic] = participant
        return participant

    def _same_or_refuse(
        self,
        existing: Participant,
        name: str,
        roles: frozenset[Role],
        codes: tuple[str, ...],
        correspondent_bic: str | None,
    ) -> Participant:
        if (existing.name, existing.roles, existing.currencies, existing.correspondent_bic) != (
            name,
            roles,
            codes,
            correspondent_bic,
        ):
            raise ParticipantError(f"{existing.bic} is already registered with other details")
        return existing

    def _next_number(self, roles: frozenset[Role]) -> int:
        if Role.OPERATOR in roles:
            return OPERATOR_NUMBER
        with self.engine.connect() as conn:
            top = conn.execute(sa.select(sa.func.max(participants.c.number))).scalar()
        return max(int(top or OPERATOR_NUMBER), OPERATOR_NUMBER) + 1

    @staticmethod
    def _account_kinds(p: Participant) -> list[tuple[AccountKind, str]]:
        if Role.OPERATOR in p.roles:
            return [
                (kind, code)
                for code in p.currencies
                for kind in (
                    AccountKind.FUNDING,
                    AccountKind.FEE,
                    AccountKind.TREASURY,
                    AccountKind.CLEARING,
                )
            ]
        kinds = [(AccountKind.SETTLEMENT, code) for code in p.currencies]
        if p.has_vostro():
            kinds += [(AccountKind.VOSTRO, "INR"), (AccountKind.INVESTMENT, "INR")]
        return kinds

    def _open_accounts(self, p: Participant, kinds: list[tuple[AccountKind, str]]) -> None:
        unlimited = (AccountKind.FUNDING, AccountKind.TREASURY, AccountKind.CLEARING)
        accounts = [
            Account(
                account_id(p.number, kind, code),
                currency(code).ledger,
                int(kind),
                flags=0 if kind in unlimited else LIMITED,
                user_data_64=p.number,
            )
            for kind, code in kinds
        ]
        results = self.ledger.create_accounts(accounts)
        refused = [
            (a.id, r) for a, r in zip(accounts, results, strict=True) if r not in ("ok", "exists")
        ]
        if refused:
            raise ParticipantError(f"{p.bic}: the ledger refused its accounts: {refused}")

    # ----------------------------------------------------------------- lookups
    def find(self, bic: str) -> Participant | None:
        bic = normalize_bic(bic)
        cached = self._cache.get(bic)
        if cached is not None:
            return cached
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(participants).where(participants.c.bic == bic)).first()
        if row is None:
            return None
        participant = _participant(row)
        self._cache[bic] = participant
        return participant

    def add_alias(self, bic: str, alias: str, *, actor: str) -> None:
        """Let messages name this participant by another identifier (e.g. "USABA:011104238")."""
        participant = self.get(bic)
        with self.engine.begin() as conn:
            conn.execute(participant_aliases.delete().where(participant_aliases.c.alias == alias))
            conn.execute(participant_aliases.insert().values(alias=alias, bic=participant.bic))
            audit.record(conn, actor, "participant.alias", participant.bic, alias=alias)

    def resolve(self, identifier: str) -> Participant | None:
        """The participant a message names by BIC or by one of its aliases."""
        with self.engine.connect() as conn:
            bic = conn.execute(
                sa.select(participant_aliases.c.bic).where(
                    participant_aliases.c.alias == identifier
                )
            ).scalar()
        if bic is not None:
            return self.find(bic)
        try:
            return self.find(identifier)
        except InvalidBic:
            return None

    def get(self, bic: str) -> Participant:
        participant = self.find(bic)
        if participant is None:
            raise ParticipantError(f"{bic} is not a registered participant")
        return participant

    def all(self) -> list[Participant]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(participants).order_by(participants.c.number)).all()
        return [_participant(r) for r in rows]

    def operator(self) -> Participant:
        with self.engine.connect() as conn:
            bic = conn.execute(
                sa.select(participants.c.bic).where(participants.c.number == OPERATOR_NUMBER)
            ).scalar()
        if bic is None:
            raise ParticipantError("no operator is registered: register one first")
        return self.get(bic)

    # ------------------------------------------------------------ status, fees
    def set_status(self, bic: str, status: Status, *, actor: str, reason: str) -> Participant:
        """Suspend or reinstate: stops new payments to and from it; settled ones stay."""
        participant = self.get(bic)
        with self.engine.begin() as conn:
            conn.execute(
                participants.update()
                .where(participants.c.bic == participant.bic)
                .values(status=status)
            )
            audit.record(conn, actor, f"participant.{status}", participant.bic, reason=reason)
        self._cache.pop(participant.bic, None)
        return self.get(participant.bic)

    def set_fee_schedule(self, bic: str, schedule: FeeSchedule, *, actor: str) -> None:
        participant = self.get(bic)
        values = dict(
            fixed_minor=schedule.fixed_minor,
            rate_bps=schedule.rate_bps,
            cap_minor=schedule.cap_minor,
        )
        with self.engine.begin() as conn:
            conn.execute(
                fee_schedules.delete().where(
                    fee_schedules.c.bic == participant.bic,
                    fee_schedules.c.currency == schedule.currency,
                )
            )
            conn.execute(
                fee_schedules.insert().values(
                    bic=participant.bic, currency=schedule.currency, **values
                )
            )
            audit.record(
                conn,
                actor,
                "fees.set",
                participant.bic,
                currency=schedule.currency,
                schedule=values,
            )

    def fee_schedule(self, bic: str, currency_code: str) -> FeeSchedule:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(fee_schedules).where(
                    fee_schedules.c.bic == bic, fee_schedules.c.currency == currency_code
                )
            ).first()
        if row is None:
            return FeeSchedule(currency_code)
        return FeeSchedule(currency_code, row.fixed_minor, row.rate_bps, row.cap_minor)

    # -------------------------------------------------------------- liquidity
    def fund(
        self, bic: str, amount_minor: int, currency_code: str, *, transfer_id: int, actor: str
    ) -> CreateTransferResult:
        """Move money from the operator's funding account into the participant's account."""
        return self._move(bic, amount_minor, currency_code, transfer_id, actor, defund=False)

    def defund(
        self, bic: str, amount_minor: int, currency_code: str, *, transfer_id: int, actor: str
    ) -> CreateTransferResult:
        """Move money back to the operator's funding account (at most what it holds)."""
        return self._move(bic, amount_minor, currency_code, transfer_id, actor, defund=True)

    def _move(
        self,
        bic: str,
        amount_minor: int,
        currency_code: str,
        transfer_id: int,
        actor: str,
        *,
        defund: bool,
    ) -> CreateTransferResult:
        participant = self.get(bic)
        if not participant.settles_in(currency_code):
            raise ParticipantError(f"{bic} does not settle in {currency_code}")
        funding = self.operator().account(AccountKind.FUNDING, currency_code)
        mine = participant.paying_account(currency_code)
        debit, credit = (mine, funding) if defund else (funding, mine)
        purpose = Purpose.DEFUND if defund else Purpose.FUND
        (result,) = self.ledger.create_transfers(
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
        if result in ("ok", "exists"):
            with self.engine.begin() as conn:
                audit.record(
                    conn,
                    actor,
                    "participant.defund" if defund else "participant.fund",
                    participant.bic,
                    amount_minor=amount_minor,
                    currency=currency_code,
                    transfer_id=str(transfer_id),
                    result=str(result),
                )
        return result

    def balance(self, bic: str, currency_code: str) -> int:
        """Posted balance of the participant's account in that currency (for the operator: its
        fee income)."""
        participant = self.get(bic)
        kind = AccountKind.FEE if Role.OPERATOR in participant.roles else None
        account_id_ = (
            participant.account(kind, currency_code)
            if kind is not None
            else participant.paying_account(currency_code)
        )
        found = self.ledger.store.get_accounts([account_id_])
        if not found:
            raise ParticipantError(f"{bic} has no account in {currency_code}")
        return found[0].credits_posted - found[0].debits_posted


def _participant(row: sa.Row) -> Participant:  # type: ignore[type-arg]
    return Participant(
        bic=row.bic,
        number=row.number,
        name=row.name,
        country=row.country,
        roles=frozenset(Role(r) for r in row.roles.split(",")),
        currencies=tuple(row.currencies.split(",")),
        correspondent_bic=row.correspondent_bic,
        status=Status(row.status),
    )

"""camt.053.001.08 end-of-day statements and camt.054.001.08 debit/credit notifications,
straight from the ledger's journal.

For one account and one UTC day: the opening booked balance (OPBD) is the posted balance after the
last transfer before the day (from the balance history each journal row carries), the entries are
the day's posted transfers (reservations are not booked; posts of reservations are), and the
closing booked balance (CLBD) is the balance after the day's last transfer. Before the statement
leaves, opening + credits − debits must equal closing, and the closing balance must equal the
history the ledger recorded: a statement that does not reconcile is never sent.

A notification (camt.054) reports chosen booked transfers of one account as they happen, with the
same entries a statement would show.

Both go to the participant holding the account, from the operator, with a business application
header (when the journal knows both: `Journal.account_route`); the end-to-end ids they quote go
through `vostro.text.for_xml`, so no stored text can stop a statement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pyiso20022.camt.camt_053_001_08 import camt_053_001_08 as c053
from pyiso20022.camt.camt_054_001_08 import camt_054_001_08 as c054
from xsdata.models.datatype import XmlDate, XmlDateTime

from vostro.errors import VostroError, invariant
from vostro.iso20022.ports import PAGE_LIMIT_MAX, Journal
from vostro.iso20022.xml import Route, render
from vostro.ledger.types import Transfer, TransferFlags
from vostro.money import currency, currency_by_ledger
from vostro.text import for_xml
from vostro.units import NS_PER_DAY, NS_PER_S

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
NOT_BOOKED = int(TransferFlags.PENDING | TransferFlags.VOID_PENDING)


@dataclass(frozen=True, slots=True)
class Statement:
    xml: bytes
    opening_minor: int
    closing_minor: int
    credits_minor: int
    debits_minor: int
    entries: int


def statement(
    store: Journal,
    account_id: int,
    day: date,
    xsd_dir: Path,
    *,
    span: tuple[int, int] | None = None,
) -> Statement:
    """The account's statement for `day`: the UTC day, or the operating day's `span` (start,
    end) in ns when given."""
    found = store.get_accounts([account_id])
    if not found:
        raise VostroError(f"no account has id {account_id}")
    code = currency_by_ledger(found[0].ledger).code
    start, end = span or utc_day(day)
    opening = _balance_before(store, account_id, start)
    rows = _day(store, account_id, start, end)
    booked = [t for t in rows if not t.flags & NOT_BOOKED]
    credits = sum(t.amount for t in booked if t.credit_account_id == account_id)
    debits = sum(t.amount for t in booked if t.debit_account_id == account_id)
    closing = _balance_before(store, account_id, end)
    invariant(
        opening + credits - debits == closing,
        f"statement of {account_id} for {day} does not reconcile: {opening} + {credits} "
        f"- {debits} != {closing}",
    )
    refs = store.payment_refs({t.user_data_128 for t in booked if t.user_data_128})
    message_id = _id()
    document = c053.Document(
        bk_to_cstmr_stmt=c053.BankToCustomerStatementV08(
            grp_hdr=c053.GroupHeader81(msg_id=message_id, cre_dt_tm=_now()),
            stmt=[
                c053.AccountStatement9(
                    id=f"{day:%Y%m%d}-{account_id:x}"[:35],
                    cre_dt_tm=_now(),
                    acct=c053.CashAccount39(
                        id=c053.AccountIdentification4Choice(
                            othr=c053.GenericAccountIdentification1(id=f"{account_id:032x}")
                        ),
                        ccy=code,
                    ),
                    bal=[
                        _balance("OPBD", opening, code, day),
                        _balance("CLBD", closing, code, day),
                    ],
                    ntry=[_entry(t, account_id, code, refs) for t in booked],
                )
            ],
        )
    )
    xml = render(
        document,
        CAMT053_NS,
        xsd_dir / "camt.053.001.08.xsd",
        route=_route(store, account_id),
        message_id=message_id,
    )
    return Statement(xml, opening, closing, credits, debits, len(booked))


def utc_day(day: date) -> tuple[int, int]:
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * NS_PER_S
    return start, start + NS_PER_DAY


def notification(store: Journal, account_id: int, transfer_ids: list[int], xsd_dir: Path) -> bytes:
    """A camt.054 telling the account's owner of these booked transfers (debits and credits)."""
    found = store.get_accounts([account_id])
    if not found:
        raise VostroError(f"no account has id {account_id}")
    code = currency_by_ledger(found[0].ledger).code
    booked = [
        t
        for t in store.get_transfers(transfer_ids)
        if not t.flags & NOT_BOOKED and account_id in (t.debit_account_id, t.credit_account_id)
    ]
    refs = store.payment_refs({t.user_data_128 for t in booked if t.user_data_128})
    account = c054.CashAccount39(
        id=c054.AccountIdentification4Choice(
            othr=c054.GenericAccountIdentification1(id=f"{account_id:032x}")
        ),
        ccy=code,
    )
    message_id = _id()
    document = c054.Document(
        bk_to_cstmr_dbt_cdt_ntfctn=c054.BankToCustomerDebitCreditNotificationV08(
            grp_hdr=c054.GroupHeader81(msg_id=message_id, cre_dt_tm=_now()),
            ntfctn=[
                c054.AccountNotification17(
                    id=_id(),
                    cre_dt_tm=_now(),
                    acct=account,
                    ntry=[_entry(t, account_id, code, refs, c054) for t in booked],
                )
            ],
        )
    )
    return render(
        document,
        CAMT054_NS,
        xsd_dir / "camt.054.001.08.xsd",
        route=_route(store, account_id),
        message_id=message_id,
    )


def _route(store: Journal, account_id: int) -> Route | None:
    found = store.account_route(account_id)
    return Route(*found) if found else None


def _balance_before(store: Journal, account_id: int, moment: int) -> int:
    """Posted balance (credits − debits) after the last transfer strictly before `moment`."""
    if moment <= 0:  # before the first transfer (0 would ask for the newest page)
        return 0
    page = store.account_history(account_id, limit=1, after_timestamp=moment, reverse=True)
    return page[0].credits_posted - page[0].debits_posted if page else 0


def _day(store: Journal, account_id: int, start: int, end: int) -> list[Transfer]:
    found: list[Transfer] = []
    cursor = start - 1
    while True:
        page = store.account_transfers(account_id, limit=PAGE_LIMIT_MAX, after_timestamp=cursor)
        found += [t for t in page if t.timestamp < end]
        if len(page) < PAGE_LIMIT_MAX or page[-1].timestamp >= end:
            return found
        cursor = page[-1].timestamp


def _entry(
    t: Transfer, account_id: int, code: str, refs: dict[int, tuple[str, str]], m: Any = c053
) -> Any:
    """One booked entry; `m` is the message's dataclass module (camt.053 or camt.054 share the
    entry's shape but not its classes)."""
    credit = t.credit_account_id == account_id
    booked = datetime.fromtimestamp(t.timestamp // NS_PER_S, tz=UTC)
    e2e, uetr = refs.get(t.user_data_128, (None, None))
    return m.ReportEntry10(
        ntry_ref=f"{t.id:032x}"[-35:],
        amt=_amount(t.amount, code, m),
        cdt_dbt_ind=m.CreditDebitCode.CRDT if credit else m.CreditDebitCode.DBIT,
        sts=m.EntryStatus1Choice(cd="BOOK"),
        bookg_dt=m.DateAndDateTime2Choice(dt_tm=XmlDateTime.from_datetime(booked)),
        acct_svcr_ref=f"{t.id:032x}",
        bk_tx_cd=m.BankTransactionCodeStructure4(
            prtry=m.ProprietaryBankTransactionCodeStructure1(cd=str(t.code), issr="VOSTRO")
        ),
        ntry_dtls=[
            m.EntryDetails9(
                tx_dtls=[
                    m.EntryTransaction10(
                        refs=m.TransactionReferences6(
                            acct_svcr_ref=f"{t.id:032x}",
                            end_to_end_id=for_xml(e2e, 35),
                            uetr=uetr,
                        )
                    )
                ]
            )
        ]
        if uetr
        else [],
    )


def _balance(kind: str, minor: int, code: str, day: date) -> c053.CashBalance8:
    return c053.CashBalance8(
        tp=c053.BalanceType13(cd_or_prtry=c053.BalanceType10Choice(cd=kind)),
        amt=_amount(abs(minor), code),
        cdt_dbt_ind=c053.CreditDebitCode.CRDT if minor >= 0 else c053.CreditDebitCode.DBIT,
        dt=c053.DateAndDateTime2Choice(dt=XmlDate.from_date(day)),
    )


def _amount(minor: int, code: str, m: Any = c053) -> Any:
    """Minor units as the message's decimal amount: exact (a power-of-ten shift, no rounding)."""
    exponent = currency(code).exponent
    return m.ActiveOrHistoricCurrencyAndAmount(value=Decimal(minor).scaleb(-exponent), ccy=code)


def _id() -> str:
    return f"VSTR{uuid.uuid4().hex[:28].upper()}"


def _now() -> XmlDateTime:
    return XmlDateTime.from_datetime(datetime.now(UTC))

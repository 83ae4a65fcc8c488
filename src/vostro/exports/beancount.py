"""The ledger as one Beancount v3 file: the operator's books, which `bean-check` can verify.

The file holds an `open` directive for every ledger account (dated the UTC day it was opened,
which is before its first posting since the writer's timestamps only increase; its currency as
the only one it may hold; its vostro id, ledger, code and owner as metadata), one transaction for
every transfer that moved posted balances (its transfer id and code as metadata, the payment's
UETR where the transfer names a payment, the ledger's nanosecond time), and a `balance` assertion
for every account on the day after the last posting, equal to the account's posted balances as
the ledger stores them. `bean-check` folding the transactions into those assertions is a check of
the export against the ledger, independent of how either was computed.

What counts: only what the ledger posted. A single-phase transfer posts its amount; a reservation
(`pending`) moves pending balances only, whether it is still pending, expired, voided or later
posted, so it is not a transaction; the post of a reservation is, with the reservation's accounts
and the amount actually posted (which may be less than reserved); a void posts nothing.

Accounts, from the operator's side of the books (vostro keeps the settlement bank's books):

    kind         Beancount account                        normal  why
    settlement   Liabilities:Settlement:{BIC}:{CCY}       credit  owed to the participant
    vostro       Liabilities:Vostro:{BIC}:{CCY}           credit  a foreign bank's rupees, held
                                                                  at its correspondent bank
    investment   Liabilities:Investment:{BIC}:{CCY}       credit  its surplus in treasury bills,
                                                                  still owed to it
    fee          Income:Fees:{BIC}:{CCY}                  credit  the operator's fee income
    funding      Assets:Funding:{BIC}:{CCY}               debit   the reserves behind every
                                                                  participant's balance
    treasury     Assets:Treasury:{BIC}:{CCY}              debit   the issuer side of the bills
    clearing     Assets:Clearing:{BIC}:{CCY}              debit   LSM and net settlement pass
                                                                  through it; zero after a run
    (bare)       Liabilities:Ledger:{Kind}:ID{id}:{CCY}   credit  an account no participant
                 Assets:Ledger:{Kind}:ID{id}:{CCY}        debit   owns: credit-normal if its
                                                                  debits must not exceed credits

The BIC is the owner's (the operator's for its own accounts); a BIC starts with four letters, so
no participant's name can equal a bare account's `ID...` one, and (kind, BIC, currency) names
exactly one account: names are deterministic and unique, and checked to be.

Signs: Beancount counts debits positive. Every transfer is a transaction of two postings, `+amount`
on its debit account and `-amount` on its credit account, whatever the accounts' types; so every
account's Beancount balance is `debits_posted - credits_posted`, and a credit-normal account
(Liabilities, Income) asserts the negative of what vostro calls its balance (credits − debits,
`Account.balance_posted`). The type only tells which side is normal; no sign is ever flipped, so
the assertions hold for every account and the books sum to zero per currency, as the ledger's do.

Amounts are the ledger's integer minor units written as exact decimals with the currency's
ISO 4217 exponent (never a float). Balance assertions carry an explicit tolerance of zero
(`~ 0`): by default Beancount would accept a balance one unit of the last digit away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache

from vostro.errors import invariant
from vostro.ledger.types import AccountFlags
from vostro.money import currency, currency_by_ledger
from vostro.participants.model import AccountKind, Purpose
from vostro.store.exports import ExportReader, JournalEntry, LedgerAccount
from vostro.units import NS_PER_DAY, NS_PER_S

# kind (as `participant_accounts` names it) → (Beancount account type, name component)
KIND_BOOKS: dict[str, tuple[str, str]] = {
    "settlement": ("Liabilities", "Settlement"),
    "vostro": ("Liabilities", "Vostro"),
    "investment": ("Liabilities", "Investment"),
    "fee": ("Income", "Fees"),
    "funding": ("Assets", "Funding"),
    "treasury": ("Assets", "Treasury"),
    "clearing": ("Assets", "Clearing"),
}
# Beancount v3's account grammar (ASCII part): a type, then components of letters, digits, '-'.
ACCOUNT_NAME = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$")
EPOCH = date(1970, 1, 1)
DAYS_CACHED = 4096  # dates of journal days kept at hand: over ten years of days
PURPOSES_CACHED = 256  # narrations of transfer codes kept at hand (vostro uses a dozen)
HEADER = (
    "; The vostro ledger, exported by `vostro export beancount` (Beancount v3).\n"
    "; The operator's books: debits positive, amounts exact in each currency's minor units;\n"
    "; only posted transfers (reservations and voids move no posted balance).\n"
    'option "title" "vostro ledger"\n\n'
)


@dataclass(slots=True)
class BookAccount:
    """A ledger account as the Beancount file names it, with its posted balances."""

    name: str
    currency: str
    opened: date
    debits_posted: int
    credits_posted: int


@dataclass(slots=True)
class Books:
    """What the file needs to remember while the journal streams: every account's name (the
    journal names accounts by id) and the latest day anything happened."""

    accounts: dict[int, BookAccount] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    last_day: date | None = None

    def add(self, account: LedgerAccount) -> BookAccount:
        book = book_account(account)
        invariant(
            book.name not in self.names, f"two ledger accounts are named {book.name} in Beancount"
        )
        self.names.add(book.name)
        self.accounts[account.id] = book
        self.saw(book.opened)
        return book

    def saw(self, day: date) -> None:
        if self.last_day is None or day > self.last_day:
            self.last_day = day


def account_name(account: LedgerAccount) -> str:
    """The account's Beancount name (see the table above): deterministic, valid, unique."""
    code = currency_by_ledger(account.ledger).code
    books = KIND_BOOKS.get(account.kind or "")
    if books is not None and account.bic is not None:
        kind_type, component = books
        name = f"{kind_type}:{component}:{account.bic}:{code}"
    else:
        credit_normal = account.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
        kind_type = "Liabilities" if credit_normal else "Assets"
        try:
            component = AccountKind(account.code).name.title()
        except ValueError:
            component = f"Code{account.code}"
        name = f"{kind_type}:Ledger:{component}:ID{account.id}:{code}"
    invariant(bool(ACCOUNT_NAME.match(name)), f"{name!r} is not a valid Beancount account name")
    return name


def book_account(account: LedgerAccount) -> BookAccount:
    return BookAccount(
        account_name(account),
        currency_by_ledger(account.ledger).code,
        _day(account.timestamp // NS_PER_DAY),
        account.debits_posted,
        account.credits_posted,
    )


def ledger_file(reader: ExportReader) -> Iterator[str]:
    """The whole Beancount file, a batch of directives at a time (every chunk ends a line)."""
    yield HEADER
    books = Books()
    for accounts in reader.accounts():
        yield "".join(_open(a, books.add(a)) for a in accounts)
    for entries in reader.journal(posted_only=True):
        yield "".join(_transaction(e, books) for e in entries)
    if books.last_day is not None:
        yield _balances(books.accounts.values(), books.last_day + timedelta(days=1))


def _open(account: LedgerAccount, book: BookAccount) -> str:
    meta = [
        f'  vostro_id: "{account.id}"',
        f"  ledger: {account.ledger}",
        f"  code: {account.code}",
    ]
    if account.bic is not None:
        meta.append(f"  owner: {_quoted(account.bic)}")
    if account.kind is not None:
        meta.append(f"  kind: {_quoted(account.kind)}")
    if account.held_at_bic is not None:
        meta.append(f"  held_at: {_quoted(account.held_at_bic)}")
    lines = "\n".join(meta)
    return f"{book.opened} open {book.name} {book.currency}\n{lines}\n\n"


def _transaction(entry: JournalEntry, books: Books) -> str:
    debit = books.accounts[entry.debit_account_id]
    credit = books.accounts[entry.credit_account_id]
    invariant(
        debit.currency == credit.currency,
        f"transfer {entry.id} moves money between {debit.currency} and {credit.currency}",
    )
    day = _day(entry.timestamp // NS_PER_DAY)
    books.saw(day)
    uetr = f"\n  uetr: {_quoted(entry.uetr)}" if entry.uetr is not None else ""
    pending = f'\n  pending_id: "{entry.pending_id}"' if entry.pending_id else ""
    amount = _number(entry.amount, debit.currency)
    return (
        f"{day} * {_purpose(entry.code)}\n"
        f'  transfer_id: "{entry.id}"\n'
        f"  code: {entry.code}{uetr}{pending}\n"
        f'  ledger_time: "{_instant(entry.timestamp)}"\n'
        f"  {debit.name}  {amount} {debit.currency}\n"
        f"  {credit.name}  -{amount} {credit.currency}\n\n"
    )


def _balances(accounts: Iterable[BookAccount], day: date) -> str:
    """Every account's posted balance as the ledger stores it, asserted exactly (`~ 0`)."""
    return "".join(
        f"{day} balance {a.name}  "
        f"{_number(a.debits_posted - a.credits_posted, a.currency)} ~ 0 {a.currency}\n"
        for a in accounts
    )


def _number(minor: int, code: str) -> str:
    """Minor units as the exact decimal number of the currency's units ("-1234.50"): integer
    arithmetic on the ISO 4217 exponent, as `money.format_amount` does."""
    exponent = _exponent(code)
    sign = "-" if minor < 0 else ""
    if exponent == 0:
        return f"{sign}{abs(minor)}"
    units, fraction = divmod(abs(minor), 10**exponent)
    return f"{sign}{units}.{fraction:0{exponent}d}"


@cache
def _exponent(code: str) -> int:
    return currency(code).exponent


@lru_cache(maxsize=PURPOSES_CACHED)
def _purpose(code: int) -> str:
    """The transfer's purpose as the transaction's narration, quoted."""
    try:
        return _quoted(Purpose(code).name.lower())
    except ValueError:
        return _quoted(f"transfer code {code}")


def _quoted(text: str) -> str:
    """A Beancount string: our own ids and names, escaped all the same."""
    cleaned = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\r\n]", " ", cleaned) + '"'


@lru_cache(maxsize=DAYS_CACHED)
def _day(day_number: int) -> date:
    """The UTC date of a day counted from the epoch (a journal has few distinct days)."""
    return EPOCH + timedelta(days=day_number)


def _instant(timestamp_ns: int) -> str:
    """The ledger's nanosecond time in UTC, to the nanosecond (a datetime stops at µs)."""
    days, ns_of_day = divmod(timestamp_ns, NS_PER_DAY)
    seconds, ns = divmod(ns_of_day, NS_PER_S)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{_day(days)}T{hour:02d}:{minute:02d}:{second:02d}.{ns:09d}Z"

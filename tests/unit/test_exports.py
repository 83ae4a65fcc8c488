"""The exports' formatting on hand-made ledger rows (no database): Beancount names and amounts,
a property test that any journal's Beancount file balances exactly to its fold, and CSV cells a
spreadsheet would run as formulas."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pyarrow as pa
import pytest
from beancount import loader
from beancount.core import data, realization
from hypothesis import given, settings
from hypothesis import strategies as st

from vostro.errors import InvariantViolation
from vostro.exports.beancount import ACCOUNT_NAME, _instant, account_name, ledger_file
from vostro.exports.tables import _spreadsheet_safe
from vostro.ledger.types import AccountFlags, TransferFlags
from vostro.money import currency
from vostro.store.exports import JournalEntry, LedgerAccount

DAY_NS = 86_400 * 10**9
START_NS = 1_800_000_000 * 10**9
LIMITED = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)


def account(
    id: int, code: str = "INR", *, bic: str | None = None, kind: str | None = None, flags: int = 0
) -> LedgerAccount:
    return LedgerAccount(
        id, currency(code).ledger, 1, flags, 0, 0, 0, 0, START_NS + id, bic, kind, None
    )


def folded(accounts: list[LedgerAccount], entries: list[JournalEntry]) -> list[LedgerAccount]:
    """The accounts with the posted balances the entries give them (as the ledger stores)."""
    debits = {a.id: 0 for a in accounts}
    credits = dict(debits)
    for e in entries:
        if e.posted:
            debits[e.debit_account_id] += e.amount
            credits[e.credit_account_id] += e.amount
    return [replace(a, debits_posted=debits[a.id], credits_posted=credits[a.id]) for a in accounts]


@dataclass
class FakeReader:
    """The two reads the Beancount file makes, from lists."""

    opened: list[LedgerAccount]
    entries: list[JournalEntry] = field(default_factory=list)

    def accounts(self) -> Iterator[list[LedgerAccount]]:
        yield self.opened

    def journal(self, *, posted_only: bool = False) -> Iterator[list[JournalEntry]]:
        yield [e for e in self.entries if e.posted or not posted_only]


def entry(
    n: int, debit: int, credit: int, amount: int, code: str, flags: int = 0, at: int = 0
) -> JournalEntry:
    return JournalEntry(
        n, at or START_NS + DAY_NS + n, debit, credit, amount, currency(code).ledger, 110, flags,
        0, 0, 0, 0, 0, None, None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "flags", "name"),
    [
        ("settlement", LIMITED, "Liabilities:Settlement:SBININBB:INR"),
        ("vostro", LIMITED, "Liabilities:Vostro:SABRRUMM:INR"),
        ("investment", LIMITED, "Liabilities:Investment:SABRRUMM:INR"),
        ("fee", LIMITED, "Income:Fees:VSTRINBB:INR"),
        ("funding", 0, "Assets:Funding:VSTRINBB:INR"),
        ("treasury", 0, "Assets:Treasury:VSTRINBB:INR"),
        ("clearing", 0, "Assets:Clearing:VSTRINBB:INR"),
    ],
)
def test_each_kind_of_account_has_its_beancount_type(kind: str, flags: int, name: str) -> None:
    bic = name.split(":")[2]
    assert account_name(account(7, bic=bic, kind=kind, flags=flags)) == name


def test_a_bare_ledger_account_is_named_by_its_id_and_typed_by_its_flags() -> None:
    assert account_name(account(2102, flags=LIMITED)) == "Liabilities:Ledger:Settlement:ID2102:INR"
    bare = LedgerAccount(1001, 643, 3, 0, 0, 0, 0, 0, START_NS, None, None, None)
    assert account_name(bare) == "Assets:Ledger:Code3:ID1001:RUB"
    assert ACCOUNT_NAME.match(account_name(account(2**128 - 2, "JPY")))


def test_two_accounts_with_one_name_stop_the_export() -> None:
    twins = [account(1, bic="SBININBB", kind="settlement")] * 2
    with pytest.raises(InvariantViolation, match="two ledger accounts are named"):
        "".join(ledger_file(FakeReader(twins)))  # type: ignore[arg-type]


def test_the_ledgers_time_is_written_to_the_nanosecond_in_utc() -> None:
    assert _instant(1_800_000_000 * 10**9 + 18) == "2027-01-15T08:00:00.000000018Z"
    assert _instant(951_868_799 * 10**9 + 999_999_999) == "2000-02-29T23:59:59.999999999Z"
    assert _instant(0) == "1970-01-01T00:00:00.000000000Z"


def load(text: str) -> tuple[list[data.Directive], realization.RealAccount]:
    entries, errors, _ = loader.load_string(text)
    assert errors == [], [e.message for e in errors]
    return entries, realization.realize(entries)


def test_amounts_follow_each_currencys_exponent_exactly() -> None:
    accounts = [account(1, "JPY"), account(2, "JPY", flags=LIMITED)]
    accounts += [account(3, "BHD"), account(4, "BHD", flags=LIMITED)]
    entries = [entry(10, 1, 2, 9_223_372_036_854_775_807, "JPY"), entry(11, 3, 4, 1, "BHD")]
    text = "".join(ledger_file(FakeReader(folded(accounts, entries), entries)))  # type: ignore[arg-type]
    assert "9223372036854775807 JPY" in text and "0.001 BHD" in text and "-0.001 BHD" in text
    _, root = load(text)
    bhd = realization.get(root, "Assets:Ledger:Settlement:ID3:BHD").balance
    assert bhd.get_currency_units("BHD").number == Decimal("0.001")


def test_reservations_and_voids_are_left_out_and_a_post_counts() -> None:
    accounts = [account(1), account(2, flags=LIMITED)]
    pending = int(TransferFlags.PENDING)
    entries = [
        entry(10, 1, 2, 500_00, "INR", pending),
        entry(11, 1, 2, 300_00, "INR", int(TransferFlags.POST_PENDING)),  # part of it posted
        entry(12, 1, 2, 700_00, "INR", pending),
        entry(13, 1, 2, 700_00, "INR", int(TransferFlags.VOID_PENDING)),
    ]
    reader = FakeReader(folded(accounts, entries), entries)
    entries_out, root = load("".join(ledger_file(reader)))  # type: ignore[arg-type]
    assert [e.meta["transfer_id"] for e in entries_out if isinstance(e, data.Transaction)] == ["11"]
    balance = realization.get(root, "Liabilities:Ledger:Settlement:ID2:INR").balance
    assert balance.get_currency_units("INR").number == Decimal("-300.00")


CURRENCIES = ("INR", "RUB", "JPY", "BHD")
CURRENCIES_BY_LEDGER = {currency(code).ledger: code for code in CURRENCIES}


@st.composite
def journals(draw: st.DrawFn) -> tuple[list[LedgerAccount], list[JournalEntry]]:
    count = draw(st.integers(2, 6))
    codes = [draw(st.sampled_from(CURRENCIES)) for _ in range(count)]
    accounts = [
        account(i + 1, codes[i], flags=draw(st.sampled_from([0, LIMITED]))) for i in range(count)
    ]
    moves = draw(
        st.lists(
            st.tuples(
                st.integers(0, count - 1),
                st.integers(0, count - 1),
                st.integers(1, 2**62),
                st.integers(0, 40),  # days after the start
                st.sampled_from([0, int(TransferFlags.PENDING), int(TransferFlags.VOID_PENDING)]),
            ),
            max_size=25,
        )
    )
    entries = [
        entry(100 + n, d + 1, c + 1, amount, codes[d], flags, START_NS + day * DAY_NS + n)
        for n, (d, c, amount, day, flags) in enumerate(sorted(moves, key=lambda m: m[3]))
        if d != c and codes[d] == codes[c]
    ]
    return folded(accounts, entries), entries


@settings(max_examples=60, deadline=None)
@given(journals())
def test_any_journal_balances_exactly_in_beancount(
    journal: tuple[list[LedgerAccount], list[JournalEntry]],
) -> None:
    accounts, entries = journal
    entries_out, root = load("".join(ledger_file(FakeReader(accounts, entries))))  # type: ignore[arg-type]
    for a in accounts:
        code = currency(CURRENCIES_BY_LEDGER[a.ledger])
        units = realization.get(root, account_name(a)).balance.get_currency_units(code.code)
        expected = Decimal(a.debits_posted - a.credits_posted).scaleb(-code.exponent)
        assert units.number == expected
    assert sum(isinstance(e, data.Balance) for e in entries_out) == len(accounts)


def test_csv_cells_a_spreadsheet_would_run_get_a_quote() -> None:
    batch = pa.record_batch(
        [
            pa.array(["=HYPERLINK(1)", "+1", "-2", "@SUM", "\tx", "plain", None]),
            pa.array([1, 2, 3, 4, 5, 6, 7], pa.int64()),
        ],
        names=["text", "amount_minor"],
    )
    safe = _spreadsheet_safe(batch)
    assert safe.column(0).to_pylist() == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-2",
        "'@SUM",
        "'\tx",
        "plain",
        None,
    ]
    assert safe.column(1).to_pylist() == [1, 2, 3, 4, 5, 6, 7]  # numbers are never touched

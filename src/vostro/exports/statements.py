"""The camt.053 end-of-day statement of every ledger account for one UTC day, one file each.

Each statement is made by `vostro.iso20022.statements.statement` (which validates it against the
official schema and refuses one that does not reconcile with the ledger); this module only
chooses the accounts and the file names. A participant's account is named by its owner, kind and
currency (`SABRRUMM-vostro-INR-2026-11-27.xml`), a bare ledger account by its id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vostro.iso20022.statements import Statement, statement
from vostro.money import currency_by_ledger
from vostro.store.base import Store
from vostro.store.exports import LedgerAccount, snapshot


@dataclass(frozen=True, slots=True)
class WrittenStatement:
    account_id: int
    currency: str
    path: Path
    statement: Statement


def statement_file_name(account: LedgerAccount, day: date) -> str:
    code = currency_by_ledger(account.ledger).code
    if account.bic is not None and account.kind is not None:
        return f"{account.bic}-{account.kind}-{code}-{day.isoformat()}.xml"
    return f"account-{account.id}-{code}-{day.isoformat()}.xml"


def ledger_accounts(store: Store) -> Iterator[LedgerAccount]:
    with snapshot(store) as reader:
        for batch in reader.accounts():
            yield from batch


def write_statements(
    store: Store, day: date, out_dir: Path, xsd_dir: Path
) -> Iterator[WrittenStatement]:
    """Write every account's camt.053 for `day` into `out_dir`, yielding each as it is written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    accounts = list(ledger_accounts(store))  # the list first: no snapshot held while writing
    for account in accounts:
        made = statement(store, account.id, day, xsd_dir)
        path = out_dir / statement_file_name(account, day)
        path.write_bytes(made.xml)
        yield WrittenStatement(account.id, currency_by_ledger(account.ledger).code, path, made)

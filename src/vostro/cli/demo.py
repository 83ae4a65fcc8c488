"""`vostro demo`: the corridor's flows posted through the ledger's writer, its balances, and a
verification of the whole journal."""

from __future__ import annotations

import typer

from vostro.cli.ledger import print_balances, print_verify
from vostro.cli.options import LedgerDatabaseUrl, console, opened_store, styled


def demo(database_url: LedgerDatabaseUrl = None) -> None:
    """Open INR and RUB accounts, post the corridor's flows, print balances, verify."""
    from vostro.ledger.writer import Ledger
    from vostro.sim import ledger_demo as corridor
    from vostro.store.verify import verify as verify_ledger

    with opened_store(database_url) as store:
        console.print(styled(("vostro demo", "bold"), f" on {store.display_url}\n"))
        with Ledger(store) as ledger:
            for name, results in corridor.run(ledger):
                summary = ", ".join(f"{results.count(r)}x {r}" for r in dict.fromkeys(results))
                console.print(f"  {name:<36} {summary}")
        print_balances(store, {a.id: a.name for a in corridor.ACCOUNTS})
        report = verify_ledger(store)
    print_verify(report)
    if not report.ok:
        raise typer.Exit(1)

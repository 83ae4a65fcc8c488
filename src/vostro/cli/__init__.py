"""The `vostro` command line (Typer). Entry point only: it parses, calls the library, prints.

Each command group is a module of this package; `options` holds what they share (the options,
opening the platform, printing). `main` is the console script (`vostro = "vostro.cli:main"`).
"""

from __future__ import annotations

import sys

import typer

from vostro.cli import (
    bench,
    compliance,
    days,
    demo,
    exports,
    fx,
    iso,
    keys,
    ledger,
    participants,
    payments,
    serve,
    settlement,
    sim,
    treasury,
)
from vostro.cli.options import print_error
from vostro.errors import VostroError

app = typer.Typer(no_args_is_help=True, help="vostro: settlement in local currencies.")

# In the order `vostro --help` lists them: commands first, then groups.
COMMANDS = (
    participants.fund,
    participants.defund,
    payments.pay,
    serve.serve,
    ledger.init,
    demo.demo,
    ledger.accounts,
    compliance.screen,
    ledger.history,
    ledger.verify,
)
GROUPS = {
    "bench": bench.app,
    "participant": participants.app,
    "payment": payments.payment_app,
    "fx": fx.app,
    "vostro": treasury.app,
    "settlement": settlement.settlement_app,
    "queue": payments.queue_app,
    "window": settlement.window_app,
    "day": days.app,
    "iso": iso.app,
    "list": compliance.list_app,
    "hold": compliance.hold_app,
    "limit": compliance.limit_app,
    "key": keys.app,
    "sim": sim.app,
    "export": exports.app,
}


def _register() -> None:
    for command in COMMANDS:
        app.command()(command)
    for name, group in GROUPS.items():
        app.add_typer(group, name=name)


_register()


def main() -> None:
    """Run the command line; a refusal from the library ends it with exit code 2."""
    try:
        app()
    except VostroError as error:
        print_error(error)
        sys.exit(2)

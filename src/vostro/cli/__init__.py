"""The `vostro` command line (Typer). Entry point only: it parses, calls the library, prints.

Each command group is a module of this package; `options` holds what they share (the options,
opening the platform, printing), `client` the way to a running service (the root options `--url`
and `--api-key`). `main` is the console script (`vostro = "vostro.cli:main"`).
"""

from __future__ import annotations

import sys
from typing import Annotated

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
from vostro.cli.client import Target, choose
from vostro.cli.options import print_error
from vostro.errors import VostroError, WriterLockHeld

app = typer.Typer(no_args_is_help=True, help="vostro: settlement in local currencies.")


@app.callback()
def root(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            envvar="VOSTRO_URL",
            help="A running vostro service (http://HOST:PORT): commands that change the "
            "platform go through its API instead of the database",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="VOSTRO_API_KEY",
            help="The API key to act with on --url (it names who acts in the audit log)",
        ),
    ] = None,
) -> None:
    """vostro: settlement in local currencies."""
    if url and not url.startswith(("http://", "https://")):
        raise typer.BadParameter(f"{url!r} is not an http:// or https:// URL", param_hint="--url")
    choose(Target(url or None, api_key or None))


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
        if isinstance(error, WriterLockHeld):
            print_error(
                "a command that changes the platform goes to a running service with --url and "
                "--api-key (or $VOSTRO_URL and $VOSTRO_API_KEY)",
                label="hint:",
            )
        sys.exit(2)

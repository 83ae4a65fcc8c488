"""`vostro key`: API keys created, listed and revoked offline (the service need not run)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, NoReturn

import typer

from vostro.cli.options import (
    JsonPlainFlag,
    ServiceDatabaseUrl,
    checked,
    console,
    err,
    new_table,
    opened_store,
)
from vostro.text import LABEL

app = typer.Typer(no_args_is_help=True, help="API keys: create, list, revoke, rotate.")


def _refused(refused: Exception) -> NoReturn:
    err.print(str(refused), style="red")
    raise typer.Exit(1) from None


@app.command("create")
def key_create(
    role: Annotated[str, typer.Option(help="operator, participant or auditor")],
    label: Annotated[str, typer.Option(help="What the key is for", callback=checked(LABEL))],
    bic: Annotated[str | None, typer.Option(help="The participant of a participant key")] = None,
    database_url: ServiceDatabaseUrl = None,
) -> None:
    """Create an API key and print it (the only time it is shown)."""
    from vostro.service.auth import KeyRefused, KeyRing, Role

    with opened_store(database_url) as store:
        try:
            key, info = KeyRing(store.engine).create(
                Role(role), bic, label, actor="vostro key create"
            )
        except (KeyRefused, ValueError) as refused:
            _refused(refused)
    print(key)
    err.print(f"key {info.key_id} ({info.role}{' ' + info.bic if info.bic else ''}) created")


@app.command("list")
def key_list(database_url: ServiceDatabaseUrl = None, as_json: JsonPlainFlag = False) -> None:
    """API keys (never the keys themselves)."""
    from vostro.service.auth import KeyRing

    with opened_store(database_url) as store:
        keys = KeyRing(store.engine).all()
    if as_json:
        print(json.dumps([{**asdict(k), "role": str(k.role)} for k in keys]))
        return
    table = new_table("API keys", ("key id", "role", "participant", "label", "revoked"))
    for k in keys:
        table.add_row(k.key_id, str(k.role), k.bic or "", k.label, "yes" if k.revoked_at else "")
    console.print(table)


@app.command("revoke")
def key_revoke(key_id: str, database_url: ServiceDatabaseUrl = None) -> None:
    """Revoke a key at once."""
    from vostro.service.auth import KeyRefused, KeyRing

    with opened_store(database_url) as store:
        try:
            KeyRing(store.engine).revoke(key_id, actor="vostro key revoke")
        except KeyRefused as refused:
            _refused(refused)
    err.print(f"key {key_id} revoked")

"""`vostro key`: API keys created, listed, revoked and rotated. On the database they need no
running service; with `--url` they are made through the running service (`vostro.cli.client`),
which forgets a revoked key at once. The new key is printed on stdout, the only time it is shown;
what happened goes to stderr."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from vostro.cli.client import ServiceClient, either, v1
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

if TYPE_CHECKING:
    from collections.abc import Callable

    from vostro.service.auth import KeyInfo, KeyRing

T = TypeVar("T")
app = typer.Typer(no_args_is_help=True, help="API keys: create, list, revoke, rotate.")
# A new key and what it is: its id, role and participant (None for the operator and auditors).
NewKey = tuple[str, str, str, str | None]


def _refused(refused: Exception) -> NoReturn:
    err.print(str(refused), style="red")
    raise typer.Exit(1) from None


def _on_keys(database_url: str | None, act: Callable[[KeyRing], T]) -> T:
    """Run `act` on the database's key ring; a refusal ends the command."""
    from vostro.service.auth import KeyRefused, KeyRing

    with opened_store(database_url) as store:
        try:
            return act(KeyRing(store.engine))
        except (KeyRefused, ValueError) as refused:
            _refused(refused)


def _new_key(made: tuple[str, KeyInfo]) -> NewKey:
    key, info = made
    return key, info.key_id, str(info.role), info.bic


def _new_key_from(api: ServiceClient, path: str, body: dict[str, str] | None = None) -> NewKey:
    made = api.post(path, body)
    return made["key"], made["key_id"], made["role"], made["bic"]


def _show_new(made: NewKey, what: str) -> None:
    key, key_id, role, bic = made
    print(key)
    err.print(f"key {key_id} ({role}{' ' + bic if bic else ''}) {what}")


@app.command("create")
def key_create(
    role: Annotated[str, typer.Option(help="operator, participant or auditor")],
    label: Annotated[str, typer.Option(help="What the key is for", callback=checked(LABEL))],
    bic: Annotated[str | None, typer.Option(help="The participant of a participant key")] = None,
    database_url: ServiceDatabaseUrl = None,
) -> None:
    """Create an API key and print it (the only time it is shown)."""
    from vostro.service.auth import Role

    body = {"role": role, "label": label} | ({"bic": bic} if bic else {})
    made = either(
        lambda api: _new_key_from(api, "/v1/keys", body),
        lambda: _on_keys(
            database_url,
            lambda ring: _new_key(ring.create(Role(role), bic, label, actor="vostro key create")),
        ),
    )
    _show_new(made, "created")


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
    either(
        lambda api: api.post(v1("keys", key_id, "revoke")),
        lambda: _on_keys(database_url, lambda ring: ring.revoke(key_id, actor="vostro key revoke")),
    )
    err.print(f"key {key_id} revoked")


@app.command("rotate")
def key_rotate(key_id: str, database_url: ServiceDatabaseUrl = None) -> None:
    """Replace a key by a new one with the same role and participant; the old one stops working
    at once. Prints the new key (the only time it is shown)."""
    made = either(
        lambda api: _new_key_from(api, v1("keys", key_id, "rotate")),
        lambda: _on_keys(
            database_url, lambda ring: _new_key(ring.rotate(key_id, actor="vostro key rotate"))
        ),
    )
    _show_new(made, f"replaces {key_id}")

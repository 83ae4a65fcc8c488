"""`vostro serve` (the HTTP service, with `--demo` the live demonstration corridor) and
`vostro key` (API keys, offline: the service need not run)."""

from __future__ import annotations

import gc
import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vostro.config import Settings

GC_YOUNG_THRESHOLD = 100_000  # allocations between young collections (Python's default: 700)
key_app = typer.Typer(no_args_is_help=True, help="API keys: create, list, revoke, rotate.")
console = Console()
err = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"),
]


def serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Register the demo corridor and stream payments")
    ] = False,
    demo_rate: Annotated[
        float, typer.Option(min=0.1, max=500, help="Demo payments per second")
    ] = 4.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run the settlement service: the API, its single writer and the dashboard."""
    import uvicorn

    from vostro.platform import Platform
    from vostro.service import demo as demo_corridor
    from vostro.service import logs
    from vostro.service.app import create_app
    from vostro.service.auth import KeyRing, Role
    from vostro.service.bootstrap import prepare

    settings = Settings() if database_url is None else Settings(database_url=database_url)
    url = settings.database_url
    logs.configure(log_level.upper())
    base = f"http://{host}:{port}"
    stream = None
    if demo:
        with Platform.open(url) as platform:
            keys = demo_corridor.setup(platform, settings.data_dir)
        stream = demo_corridor.Stream(base, keys, settings.data_dir, per_second=demo_rate)
        _announce(base, keys.operator, "demo corridor registered; streaming payments")
    else:
        with Platform.open(url) as platform:
            active = [
                k
                for k in KeyRing(platform.store.engine).all()
                if k.role is Role.OPERATOR and k.revoked_at is None
            ]
        if not active:
            _announce(base, prepare(url), "first start: an operator key was created")
        else:
            err.print(f"vostro serving {base} (operator keys exist; `vostro key create` for more)")
    # The event loop and the writer thread share the interpreter: switch between them often, so
    # a request waiting for its answer is not held up by a round of ledger work.
    sys.setswitchinterval(0.0005)
    app = create_app(url)
    # Full garbage collections over everything loaded at start (the libraries, the app, its
    # schemas) were the p99 under load (about 100 ms each): keep those objects out of every
    # collection, and collect the young generation less often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 1000)
    if stream is not None:
        stream.start()
    try:
        uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    finally:
        if stream is not None:
            stream.stop.set()


def _announce(base: str, key: str, what: str) -> None:
    lines = [
        f"vostro: {what}",
        f"  operator API key (shown once): {key}",
        f"  dashboard: {base}/#key={key}",
        f"  API docs:  {base}/docs",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


@key_app.command("create")
def key_create(
    role: Annotated[str, typer.Option(help="operator, participant or auditor")],
    label: Annotated[str, typer.Option(help="What the key is for")],
    bic: Annotated[str | None, typer.Option(help="The participant of a participant key")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API key and print it (the only time it is shown)."""
    from vostro.service.auth import KeyRefused, KeyRing, Role
    from vostro.store import open_store

    store = open_store(database_url or Settings().database_url)
    try:
        key, info = KeyRing(store.engine).create(Role(role), bic, label, actor="vostro key create")
    except (KeyRefused, ValueError) as refused:
        err.print(f"[red]{refused}[/red]")
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    print(key)
    err.print(f"key {info.key_id} ({info.role}{' ' + info.bic if info.bic else ''}) created")


@key_app.command("list")
def key_list(
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """API keys (never the keys themselves)."""
    from vostro.service.auth import KeyRing
    from vostro.store import open_store

    store = open_store(database_url or Settings().database_url)
    try:
        keys = KeyRing(store.engine).all()
    finally:
        store.dispose()
    if as_json:
        print(json.dumps([{**asdict(k), "role": str(k.role)} for k in keys]))
        return
    table = Table(title="API keys")
    for column in ("key id", "role", "participant", "label", "revoked"):
        table.add_column(column)
    for k in keys:
        table.add_row(k.key_id, str(k.role), k.bic or "", k.label, "yes" if k.revoked_at else "")
    console.print(table)


@key_app.command("revoke")
def key_revoke(key_id: str, database_url: DatabaseUrl = None) -> None:
    """Revoke a key at once."""
    from vostro.service.auth import KeyRefused, KeyRing
    from vostro.store import open_store

    store = open_store(database_url or Settings().database_url)
    try:
        KeyRing(store.engine).revoke(key_id, actor="vostro key revoke")
    except KeyRefused as refused:
        err.print(f"[red]{refused}[/red]")
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    err.print(f"key {key_id} revoked")

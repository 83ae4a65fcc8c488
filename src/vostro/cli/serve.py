"""`vostro serve`: the HTTP service (the API, its single writer and the dashboard), with
`--demo` the live demonstration corridor streaming payments into it.

By default it runs one HTTP worker process per core and one writer process
(`service.workers`); `--workers 0` runs everything in this one process."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from vostro.cli.options import ServiceDatabaseUrl, err, open_platform, open_reader, settings_for

# In one process the event loop and the writer thread share the interpreter: switch between them
# often, so a request waiting for its answer is not held up by a round of ledger work.
SWITCH_INTERVAL_S = 0.0005


def serve(
    database_url: ServiceDatabaseUrl = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Register the demo corridor and stream payments")
    ] = False,
    demo_rate: Annotated[
        float, typer.Option(min=0.1, max=500, help="Demo payments per second")
    ] = 4.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=64,
            help="HTTP worker processes beside the writer process (default: one per core; "
            "0: the API and the writer in this one process)",
        ),
    ] = None,
) -> None:
    """Run the settlement service: the API, its single writer and the dashboard. A second
    service on the same database is a standby: it serves reads and takes over the writes when
    the active one stops."""
    import uvicorn

    from vostro.service import demo as demo_corridor
    from vostro.service import logs
    from vostro.service.app import create_app
    from vostro.service.writer.process import quiet_collector

    settings = settings_for(database_url)
    url = settings.database_url
    logs.configure(log_level.upper())
    base = f"http://{host}:{port}"
    stream = None
    if demo:
        with open_platform(url, settings) as platform:
            keys = demo_corridor.setup(platform, settings.data_dir)
        stream = demo_corridor.Stream(base, keys, settings.data_dir, per_second=demo_rate)
        _announce(base, keys.operator, "demo corridor registered; streaming payments")
    else:
        _ensure_operator_key(url, base)
    count = (os.cpu_count() or 1) if workers is None else workers
    if stream is not None:
        stream.start()
    try:
        if count:
            from vostro.service import workers as processes

            processes.serve(settings, host, port, count, log_level.upper())
        else:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
            app = create_app(url)
            quiet_collector()
            uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    finally:
        if stream is not None:
            stream.stop.set()


def _ensure_operator_key(url: str, base: str) -> None:
    """On the first start (no active operator key), create one and show it once."""
    from vostro.service.auth import KeyRing, Role
    from vostro.service.bootstrap import prepare

    with open_reader(url) as platform:
        active = [
            k
            for k in KeyRing(platform.store.engine).all()
            if k.role is Role.OPERATOR and k.revoked_at is None
        ]
    if not active:
        _announce(base, prepare(url), "first start: an operator key was created")
    else:
        err.print(f"vostro serving {base} (operator keys exist; `vostro key create` for more)")


def _announce(base: str, key: str, what: str) -> None:
    lines = [
        f"vostro: {what}",
        f"  operator API key (shown once): {key}",
        f"  dashboard: {base}/#key={key}",
        f"  API docs:  {base}/docs",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)

"""`vostro serve`: the HTTP service (the API, its single writer and the dashboard), with
`--demo` the live demonstration corridor streaming payments into it."""

from __future__ import annotations

import gc
import sys
from typing import Annotated

import typer

from vostro.cli.options import ServiceDatabaseUrl, err, open_platform, settings_for

GC_YOUNG_THRESHOLD = 100_000  # allocations between young collections (Python's default: 700)
# The event loop and the writer thread share the interpreter: switch between them often, so a
# request waiting for its answer is not held up by a round of ledger work.
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
) -> None:
    """Run the settlement service: the API, its single writer and the dashboard."""
    import uvicorn

    from vostro.service import demo as demo_corridor
    from vostro.service import logs
    from vostro.service.app import create_app

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
    sys.setswitchinterval(SWITCH_INTERVAL_S)
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


def _ensure_operator_key(url: str, base: str) -> None:
    """On the first start (no active operator key), create one and show it once."""
    from vostro.service.auth import KeyRing, Role
    from vostro.service.bootstrap import prepare

    with open_platform(url) as platform:
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

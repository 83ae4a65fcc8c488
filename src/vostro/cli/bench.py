"""`vostro bench`: the benchmarks behind docs/benchmarks.md, each printing its figures as a table
(or one JSON object with --json)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated

import typer

from vostro.cli.options import JsonFlag, LedgerDatabaseUrl, console, figures_table, progress
from vostro.ledger.types import BATCH_EVENTS_MAX

app = typer.Typer(no_args_is_help=True, help="Benchmarks (figures in docs/benchmarks.md).")


@app.command("ledger")
def bench_ledger(
    transfers: Annotated[int, typer.Option("--transfers", "-n", min=1)] = 1_000_000,
    accounts: Annotated[int, typer.Option(min=2)] = 10_000,
    batch_size: Annotated[int, typer.Option(min=1, max=BATCH_EVENTS_MAX)] = BATCH_EVENTS_MAX,
    ids: Annotated[str, typer.Option(help="time (time-ordered) or random")] = "time",
    database_url: Annotated[
        str | None, typer.Option(help="Where to post (default: a new temporary SQLite file)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Post N transfers through the writer; compare with plain bulk inserts of the same rows."""
    from vostro.bench import ledger as bench

    if ids not in ("time", "random"):
        raise typer.BadParameter("--ids is 'time' or 'random'")
    run = functools.partial(
        bench.run,
        transfers=transfers,
        accounts=accounts,
        batch_size=batch_size,
        ids=ids,
        database_url=database_url,
    )
    if as_json:
        print(json.dumps(run().as_dict()))
        return
    with progress() as bar:
        task = bar.add_task("posting transfers", total=transfers)
        result = run(progress=functools.partial(bar.advance, task))
    title = f"vostro bench ledger ({result.backend}, {result.ids} ids)"
    console.print(figures_table(title, result.as_dict(), (int, float)))
    console.print(f"check it: vostro verify --database-url '{result.database_url}'")


@app.command("api")
def bench_api(
    database_url: LedgerDatabaseUrl = None,
    seconds: Annotated[float, typer.Option(min=1)] = 20.0,
    concurrency: Annotated[int, typer.Option(min=1, max=1024)] = 32,
    workers: Annotated[
        int | None, typer.Option(min=0, help="`vostro serve --workers` (default: its own)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Payments per second through the HTTP API of a separate `vostro serve` process on
    loopback, with p50/p99 latency, against GET /healthz in the same run (SQLite by default;
    a PostgreSQL URL gets a fresh schema of its own)."""
    from vostro.bench import api as bench

    with progress() as bar:
        task = bar.add_task("loading the service", total=None)
        result = bench.run(database_url, seconds=seconds, concurrency=concurrency, workers=workers)
        bar.update(task, completed=1, total=1)
    if as_json:
        print(json.dumps(result))
        return
    console.print(figures_table(f"vostro bench api ({result['backend']})", result, (int, float)))


@app.command("soak")
def bench_soak(
    minutes: Annotated[float, typer.Option(min=0.1, help="How long to keep the load on")] = 60.0,
    rate: Annotated[float, typer.Option(min=1, help="Payments per second, open loop")] = 1000.0,
    out: Annotated[Path, typer.Option(help="Where the chart, windows and summary go")] = Path(
        "soak"
    ),
    database_url: LedgerDatabaseUrl = None,
    workers: Annotated[
        int | None, typer.Option(min=0, help="`vostro serve --workers` (default: its own)")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The service as deployed under a steady rate of payments for a long time: latency window
    by window, each process's memory at start and end, nothing refused or lost, the ledger
    verified; OUT/soak.html charts it."""
    from vostro.bench import soak as bench

    total = int(rate * minutes * 60)
    with progress() as bar:
        task = bar.add_task("soaking the service", total=total)
        summary = bench.run(
            database_url,
            minutes=minutes,
            rate=rate,
            out=out,
            workers=workers,
            progress=lambda sent: bar.update(task, completed=sent),
        )
        bar.update(task, completed=total)
    if as_json:
        print(json.dumps(summary))
        return
    console.print(figures_table("vostro bench soak", summary, (int, float)))
    console.print(f"chart: {out / 'soak.html'}")


@app.command("sim")
def bench_sim(
    days: Annotated[int, typer.Option(min=1, max=365, help="Days of the base year")] = 30,
    scale: Annotated[float, typer.Option(help="Share of the year's payments")] = 1.0,
    sweep: Annotated[bool, typer.Option(help="Time the 8-scenario sweep on Dask instead")] = False,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    as_json: JsonFlag = False,
) -> None:
    """The simulator through the real engine against submit_many alone (or a sweep on Dask
    against the same scenarios one after another)."""
    from vostro.bench import sim as bench

    if sweep:
        figures = bench.sweep(days=days, scale=scale, workers=workers)
    else:
        figures = bench.run(days=days, scale=scale)
    if as_json:
        print(json.dumps(figures))
        return
    console.print(figures_table("vostro bench sim" + (" --sweep" if sweep else ""), figures))


@app.command("netting")
def bench_netting(
    payments: Annotated[int, typer.Option(min=2)] = 1_000_000,
    participants: Annotated[int, typer.Option(min=2)] = 200,
    queued: Annotated[int, typer.Option(min=2)] = 100_000,
    mip_payments: Annotated[int, typer.Option(min=2)] = 300,
    seed: int = 1,
    as_json: JsonFlag = False,
) -> None:
    """Multilateral netting and the gridlock resolver, timed, and the resolver against the
    optimal (HiGHS) clearing on an instance the MIP solves."""
    from vostro.bench import netting as bench

    result = bench.run(
        payments=payments,
        participants=participants,
        queued=queued,
        mip_payments=mip_payments,
        seed=seed,
    )
    if as_json:
        print(json.dumps(result))
        return
    console.print(figures_table("vostro bench netting", result))


@app.command("screening")
def bench_screening(
    payments: Annotated[int, typer.Option(min=1)] = 100_000,
    entities: Annotated[int, typer.Option(min=1)] = 50_000,
    seed: int = 1,
    as_json: JsonFlag = False,
) -> None:
    """Sanctions screening: precision and recall on the labelled pairs, and names/s screening
    payments against a synthetic list, with baselines from the same run."""
    from vostro.bench import screening as bench

    run = functools.partial(bench.run, entities=entities, payments=payments, seed=seed)
    if as_json:
        print(json.dumps(run(), ensure_ascii=False))
        return
    with progress() as bar:
        task = bar.add_task("screening payments", total=payments)
        result = run(progress=functools.partial(bar.advance, task))
    console.print(figures_table("vostro bench screening", result, skip={"misclassified"}))
    for pair in result["misclassified"]:  # type: ignore[attr-defined]
        console.print(f"  misclassified: {pair}")

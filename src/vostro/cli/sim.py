"""`vostro sim`: the corridor simulator — a calibrated year through the real engine (`run`), many
scenarios on Dask (`sweep`), and the report drawn from a run's stored measures (`report`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from vostro.cli.options import console, fail, figures_table, progress, settings_for

app = typer.Typer(no_args_is_help=True, help="The corridor simulator.")

SUMMARY_SHOWN = (
    "scenario",
    "days",
    "payments",
    "payments_through_vostro",
    "payments_settled",
    "payments_refused",
    "remittance_cost_pct_mean",
    "remittance_cost_pct_p95",
    "delay_indicator",
    "ledger_verified",
    "seconds",
)


@app.command("run")
def run(
    out: Annotated[Path, typer.Option(help="Folder for report.html, the tables, summary.json")],
    scenario_file: Annotated[
        Path | None, typer.Argument(metavar="[SCENARIO.toml]", help="A scenario file")
    ] = None,
    scenario: Annotated[str | None, typer.Option(help="A shipped scenario by name")] = None,
    scale: Annotated[float, typer.Option(help="Share of the year's payments to run")] = 1.0,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the year (default: the scenario's)")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=365, help="Run the first N days")] = 365,
    database_url: Annotated[
        str | None, typer.Option(help="Database for the run (default: a new SQLite file)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Run one scenario through the real engine and write its report."""
    from vostro.sim import scenario as scenarios
    from vostro.sim.report import write_report
    from vostro.sim.simulate import simulate

    if (scenario_file is None) == (scenario is None):
        fail("name one scenario: a SCENARIO.toml file or --scenario NAME")
    if not 0 < scale <= 10:
        fail("--scale must be above 0 and at most 10")
    chosen = scenarios.load(scenario_file or scenario or "base")
    data_dir = settings_for(None).data_dir
    with progress() as bar:
        task = bar.add_task(f"{chosen.name}: generating the year", total=None)

        def started(w: Any) -> None:
            bar.update(task, total=len(w), description=f"{chosen.name}: {len(w):,} payments")

        summary = simulate(
            chosen,
            data_dir,
            out,
            scale=scale,
            days=days,
            seed=seed,
            database_url=database_url,
            on_workload=started,
            progress=lambda n: bar.advance(task, n),
        )
    write_report(out)
    _show(summary, out, as_json)


@app.command("sweep")
def sweep(
    sweep_file: Annotated[str, typer.Argument(metavar="SWEEP.toml", help="A sweep file or name")],
    out: Annotated[Path, typer.Option(help="Folder for the runs and the comparison report")],
    workers: Annotated[int, typer.Option(min=1, help="Dask workers on this machine")] = 2,
    address: Annotated[
        str | None, typer.Option(help="A running Dask scheduler, tcp://HOST:PORT")
    ] = None,
    scale: Annotated[float, typer.Option(help="Share of the year's payments to run")] = 1.0,
    days: Annotated[int, typer.Option(min=1, max=365, help="Run the first N days")] = 365,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sweep as JSON")] = False,
) -> None:
    """Run every scenario of a sweep's grid on Dask and compare them in one report."""
    from vostro.sim import scenario as scenarios
    from vostro.sim.report import write_sweep_report
    from vostro.sim.sweep import run_sweep

    plan = scenarios.load_sweep(sweep_file)
    data_dir = settings_for(None).data_dir
    with progress() as bar:
        task = bar.add_task(f"{plan.name}: scenarios", total=len(plan.runs()))
        result = run_sweep(
            plan,
            data_dir,
            out,
            scale=scale,
            days=days,
            workers=workers,
            address=address,
            done=lambda: bar.advance(task),
        )
    write_sweep_report(out)
    if as_json:
        print(json.dumps(result, default=str, sort_keys=True))
        return
    for r in result["runs"]:
        s = r["summary"]
        console.print(
            f"{r['label']}: ρ {s['delay_indicator']:.3f}, settled {s['payments_settled']:,} "
            f"of {s['payments_through_vostro']:,}"
        )
    console.print(f"report: {out / 'report.html'} ({result['seconds']} s)")


@app.command("report")
def report(run_dir: Annotated[Path, typer.Argument(help="A run or sweep folder")]) -> None:
    """Rebuild the report from a run's (or a sweep's) stored measures."""
    from vostro.sim.report import build_report

    if not (run_dir / "summary.json").is_file() and not (run_dir / "sweep.json").is_file():
        fail(f"{run_dir} holds no simulation: no summary.json or sweep.json in it")
    console.print(f"report: {build_report(run_dir)}")


def _show(summary: dict[str, Any], out: Path, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, default=str, sort_keys=True))
        return
    shown = {k: summary[k] for k in SUMMARY_SHOWN}
    console.print(figures_table(f"simulation: {summary['scenario']}", shown))
    console.print(f"report: {out / 'report.html'}")

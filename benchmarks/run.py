"""Run the benchmarks behind docs/benchmarks.md and print their figures as JSON lines.

    python benchmarks/run.py                 # SQLite, and PostgreSQL if reachable
    python benchmarks/run.py --transfers 200000

Each line is the `--json` output of one `vostro bench ...` command, with the command itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

PG_SERVER = os.environ.get(
    "VOSTRO_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PG_SCHEMA = "vostro_bench"  # a schema of its own; left in place for `vostro verify`
PG_URL = f"{PG_SERVER}?options=-csearch_path%3D{PG_SCHEMA}"


def fresh_pg_schema() -> None:
    from vostro.store.postgres import fresh_schema

    fresh_schema(PG_SERVER, PG_SCHEMA)


def bench(args: list[str]) -> dict[str, object] | None:
    command = [sys.executable, "-m", "vostro", "bench", *args, "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        print(f"# failed: {' '.join(command)}\n{done.stderr}", file=sys.stderr)
        return None
    figures: dict[str, object] = json.loads(done.stdout)
    figures["command"] = "vostro bench " + " ".join(args)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    options = parser.parse_args()
    n = str(options.transfers)
    runs = [
        ["ledger", "-n", n],
        ["ledger", "-n", n, "--ids", "random"],
        ["netting"],
        ["screening"],
        ["api"],
    ]
    if not options.skip_postgres:
        runs += [
            ["api", "--database-url", PG_SERVER],  # makes a fresh schema of its own
            ["ledger", "-n", n, "--database-url", PG_URL],
            ["ledger", "-n", n, "--ids", "random", "--database-url", PG_URL],
        ]
    for args in runs:
        if PG_URL in args:
            fresh_pg_schema()
        figures = bench(args)
        if figures is not None:
            print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()

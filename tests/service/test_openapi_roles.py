"""The API contract, as an integrator meets it: Schemathesis (every default check, every phase:
examples, coverage, fuzzing and the stateful phase) against a live service holding a seeded
corridor, once with each role's key (operator, participant, auditor). It must find nothing: no
schema-valid request refused, no schema-violating one accepted, no undocumented status, body or
content type, no wrong `Allow`, and no server error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import SBI, UCO, build
from tests.service.live import serving
from vostro.service.bootstrap import prepare

CONFIG = Path(__file__).parent / "schemathesis" / "schemathesis.toml"
# Per operation and phase; the seed keeps the run reproducible. A deeper run sets
# VOSTRO_CONTRACT_EXAMPLES (e.g. 50) before a release.
EXAMPLES = int(os.environ.get("VOSTRO_CONTRACT_EXAMPLES", "4"))


@pytest.fixture(scope="module")
def corridor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('contract') / 'v.db'}"
    operator = prepare(url)
    with serving(url, housekeeping=False) as base, httpx.Client(base_url=base) as client:
        api = build(client, operator)  # type: ignore[arg-type]
        api.pay(SBI, UCO, 100_00)
        api.pay(UCO, SBI, 50_00)
        keys = {
            "operator": api.operator["Authorization"],
            "participant": api.keys[SBI]["Authorization"],
            "auditor": api.auditor["Authorization"],
        }
        yield base, keys


@pytest.mark.slow
@pytest.mark.parametrize("role", ["operator", "participant", "auditor"])
def test_schemathesis_finds_nothing(
    corridor: tuple[str, dict[str, str]], role: str, tmp_path: Path
) -> None:
    base, keys = corridor
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli is not None, "schemathesis is a dev dependency"
    run = subprocess.run(
        [
            cli,
            "--config-file",
            str(CONFIG),
            "run",
            f"{base}/openapi.json",
            "--header",
            f"Authorization: {keys[role]}",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "1",
            "--no-color",
        ],
        cwd=tmp_path,  # it keeps its reports there, not in the working tree
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]

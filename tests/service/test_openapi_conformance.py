"""Schemathesis against the service's own OpenAPI document: generated requests (valid and
invalid) to every operation, as the operator, on a live server. No response may be a 5xx, and
each must be documented: its status, content type and body schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from tests.service.conftest import build
from tests.service.live import serving
from vostro.service.app import create_app
from vostro.service.bootstrap import prepare


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'v.db'}"
    key = prepare(url)
    with serving(url, housekeeping=False) as base, httpx.Client(base_url=base) as client:
        build(client, key)  # type: ignore[arg-type]
        yield base, key


FRAMING_HEADERS = {"content-length", "transfer-encoding", "host", "connection"}

# The document of the app itself (building it opens no database); the calls go to a live server.
# Schemathesis keeps no cache of its own (it would write .schemathesis/ into the working tree).
schema = schemathesis.openapi.from_dict(
    create_app("sqlite:///openapi-only.db").openapi(),
    config=SchemathesisConfig.from_dict({"cache": {"enabled": False}}),
)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_documented(case: Any, live: tuple[str, str]) -> None:
    base, key = live
    # Framing is the HTTP client's, not the API's: a generated Content-Length the server's HTTP
    # parser cannot read is refused by uvicorn before the request reaches vostro.
    for name in [h for h in case.headers or {} if h.lower() in FRAMING_HEADERS]:
        del case.headers[name]
    case.call_and_validate(
        base_url=base,
        headers={"Authorization": f"Bearer {key}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )

"""The service's writer: results and errors go back to their callers, submissions that arrive
together run as one group, and a broken invariant stops all writes (503) while reads go on."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import SBI, UCO, Api
from vostro.errors import InvariantViolation
from vostro.service.logs import JsonFormatter
from vostro.service.metrics import Metrics
from vostro.service.problems import Problem
from vostro.service.writer.thread import Writer


def test_results_errors_and_groups_go_back_to_their_callers() -> None:
    writer = Writer(object(), Metrics())  # type: ignore[arg-type]
    groups: list[list[int]] = []
    gate = threading.Event()

    def doubled(platform: Any, items: list[int]) -> list[Any]:
        groups.append(items)
        return [ValueError("odd") if i % 2 else i * 2 for i in items]

    writer.groups["double"] = doubled
    writer.start()

    async def scenario() -> None:
        assert await writer.run(lambda p: 41 + 1) == 42
        with pytest.raises(ZeroDivisionError):
            await writer.run(lambda p: 1 // 0)
        blocker = asyncio.ensure_future(writer.run(lambda p: gate.wait(5)))
        await asyncio.sleep(0.05)  # the writer is busy: the next items queue up together
        items = [asyncio.ensure_future(writer.run_grouped("double", i)) for i in range(10)]
        await asyncio.sleep(0.05)
        gate.set()
        await blocker
        outcomes = await asyncio.gather(*items, return_exceptions=True)
        assert [o if isinstance(o, int) else "odd" for o in outcomes] == [
            0,
            "odd",
            4,
            "odd",
            8,
            "odd",
            12,
            "odd",
            16,
            "odd",
        ]

    try:
        asyncio.run(scenario())
    finally:
        writer.close()
    assert groups == [list(range(10))]  # one round, one group


def test_a_broken_invariant_stops_writes_but_not_reads(api: Api) -> None:
    service = api.app.state.service

    def corrupt(platform: Any) -> None:
        raise InvariantViolation("INR debits 100 != credits 99")

    assert isinstance(api.client, TestClient)
    with pytest.raises(InvariantViolation):
        api.client.portal.call(service.writer.run, corrupt)  # type: ignore[union-attr]
    ready = api.client.get("/readyz")
    assert ready.status_code == 503 and "INR debits" in ready.json()["detail"]
    refused = api.client.post(
        "/v1/payments",
        json={"end_to_end_id": "X", "creditor_agent": UCO, "amount_minor": 100, "currency": "INR"},
        headers=api.keys[SBI],
    )
    assert refused.status_code == 503
    assert refused.json()["type"] == "urn:vostro:problem:writer-stopped"
    assert api.client.get("/v1/participants", headers=api.operator).status_code == 200
    with pytest.raises(Problem):
        api.client.portal.call(service.writer.run, lambda p: 1)  # type: ignore[union-attr]


def test_log_lines_are_json_with_their_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "vostro.http", "levelname": "INFO", "msg": "request", "status": 201, "ms": 3.5}
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request" and line["status"] == 201 and line["ms"] == 3.5
    assert line["level"] == "info" and line["time"].endswith("+00:00")

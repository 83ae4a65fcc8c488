"""Screening lists: versioned, stored for every process, reloaded without interrupting screening."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.corridor import SBER, SBI, Corridor, audit_entries, build, uetr
from tests.fakes import Clock
from vostro.compliance.admin import ComplianceError
from vostro.compliance.lists import ListError
from vostro.compliance.results import Decision
from vostro.compliance.screener import parse_list
from vostro.compliance.stored import StoredList
from vostro.config import Settings
from vostro.payments.model import Payment, PaymentRequest, State
from vostro.platform import Platform
from vostro.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sanctions"
LATIN = (FIXTURES / "latin.ftm.json").read_bytes()
OWN_CSV = (FIXTURES / "own.csv").read_bytes()
EXTRA = b'{"id": "x-1", "schema": "Company", "properties": {"name": ["Polar Star Shipping"]}}\n'


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def corridor(store: Store, clock: Clock) -> Any:
    c = build(store, clock)
    c.fund(SBI, 1_000_000_000_00, "INR")
    yield c
    c.ledger.close()


def pay(c: Corridor, creditor_name: str) -> Payment:
    return c.payments.submit(
        PaymentRequest(
            uetr(),
            f"E2E-{c.transfer_id()}",
            SBI,
            SBER,
            1_000_00,
            "INR",
            creditor_name=creditor_name,
        )
    )


def test_with_no_list_every_payment_passes_and_says_it_was_not_screened(corridor) -> None:
    p = pay(corridor, "Газпромбанк")
    assert p.state is State.SETTLED
    assert "not screened: no sanctions list is configured" in p.events[2].reason
    assert corridor.holds.screenings(p.uetr) == []


def test_a_loaded_list_is_versioned_audited_and_screens_in_a_new_process(
    corridor, database_url, store
) -> None:
    compliance = corridor.compliance
    loaded = compliance.load_list("sanctions", LATIN, "ftm", "alice", origin="10.1.1.1")
    own = compliance.load_list("own", OWN_CSV, "csv", "alice", source="own.csv")
    assert (loaded.entities, own.entities) == (3, 2)
    assert [s.name for s in compliance.lists()] == ["own", "sanctions"]
    assert compliance.load_list("sanctions", LATIN, "ftm", "bob") == loaded  # same version
    (entry,) = audit_entries(store, subject="sanctions")
    assert (entry["action"], entry["actor"], entry["origin"]) == (
        "list.loaded",
        "alice",
        "10.1.1.1",
    )
    assert entry["detail"]["version"] == loaded.version

    corridor.ledger.close()  # one writer per database: this process is done
    with Platform.open(database_url, clock=corridor.clock, settings=Settings()) as platform:
        assert [s.version for s in platform.compliance.lists()] == [own.version, loaded.version]
        p = platform.payments.submit(
            PaymentRequest(
                uetr(), "E2E-NEW-1", SBI, SBER, 1_000_00, "INR", creditor_name="Gazprombank"
            )
        )
        assert p.state is State.HELD
        (screening,) = platform.holds.screenings(p.uetr)
        assert screening["lists"] == {"own": own.version, "sanctions": loaded.version}


def test_bad_lists_are_refused_with_the_line_and_change_nothing(corridor) -> None:
    compliance = corridor.compliance
    compliance.load_list("sanctions", LATIN, "ftm", "alice")
    before = compliance.lists()
    with pytest.raises(ListError, match=r"sanctions.ftm:2: not a FollowTheMoney entity"):
        compliance.load_list("sanctions", LATIN.splitlines()[0] + b"\n{not json\n", "ftm", "a")
    with pytest.raises(ListError, match="not UTF-8"):
        compliance.load_list("own", b"id,name\n1,\xff\n", "csv", "alice")
    with pytest.raises(ComplianceError, match="format"):
        compliance.load_list("own", OWN_CSV, "xlsx", "alice")
    with pytest.raises(ComplianceError, match="list name"):
        compliance.load_list("../etc", OWN_CSV, "csv", "alice")
    with pytest.raises(ComplianceError, match="no data"):
        compliance.load_list("own", b"", "csv", "alice")
    assert compliance.lists() == before
    assert pay(corridor, "Gazprombank").state is State.HELD  # still screening with the old list


def test_reloading_while_screening_swaps_whole_lists_and_records_the_new_version(
    corridor,
) -> None:
    compliance = corridor.compliance
    old = compliance.load_list("sanctions", LATIN, "ftm", "alice").version
    probe = pay(corridor, "Gazprombank")  # a payment object to screen again and again
    seen: set[str | None] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def screen_continuously() -> None:
        try:
            while not stop.is_set():
                result = compliance.screener.screen(probe)
                assert result.decision is Decision.HOLD
                seen.add(result.lists.get("sanctions"))
        except BaseException as error:  # reported to the test below
            errors.append(error)

    worker = threading.Thread(target=screen_continuously)
    worker.start()
    try:
        versions = [old]
        for n in range(5):
            data = LATIN + EXTRA.replace(b"x-1", f"x-{n}".encode())
            versions.append(compliance.load_list("sanctions", data, "ftm", "alice").version)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not errors, errors
    assert seen <= set(versions) and seen
    p = pay(corridor, "Gazprombank")
    (screening,) = corridor.holds.screenings(p.uetr)
    assert screening["lists"] == {"sanctions": versions[-1]}
    assert f"version {versions[-1]}" in p.events[2].reason


def test_another_process_picks_up_a_reloaded_list_on_refresh(corridor) -> None:
    compliance = corridor.compliance
    compliance.load_list("sanctions", LATIN, "ftm", "alice")
    # another process (an operator's command line beside the service) stores a new version
    data = LATIN + EXTRA
    newer = StoredList("sanctions", "ftm", parse_list(data, "ftm", "x").version, "x", 4, 1, "bob")
    with corridor.platform.unit() as uow:  # as another process would, straight to the store
        uow.lists.put(newer, data)
        uow.commit()
    assert pay(corridor, "Polar Star Shipping").state is State.SETTLED  # not taken up yet
    assert compliance.refresh() == ["sanctions"]
    assert compliance.refresh() == []
    assert compliance.screener.active()[0].stored.version == newer.version
    assert pay(corridor, "Polar Star Shipping").state is State.HELD
    compliance.remove_list("sanctions", "alice", "superseded")
    assert compliance.lists() == []
    assert pay(corridor, "Polar Star Shipping").state is State.SETTLED


def test_a_name_below_the_threshold_passes_with_its_best_score(corridor) -> None:
    compliance = corridor.compliance
    compliance.screener.threshold = 99.5  # as VOSTRO_SCREENING_THRESHOLD=99.5 would set it
    compliance.load_list("sanctions", LATIN, "ftm", "alice")
    p = pay(corridor, "Gazprom Banking Group")
    assert p.state is State.SETTLED, p.reason
    assert "below the threshold" in p.events[2].reason
    (screening,) = corridor.holds.screenings(p.uetr)
    assert screening["decision"] == "pass" and screening["score"] < 99.5

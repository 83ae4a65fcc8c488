"""The end of day survives its writer's death: a process running it is SIGKILLed five times,
each time at a random statement inside a different step; each restart resumes at the step that
was cut short, and in the end every step was done exactly once and the books verify."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal

import pytest

from tests.corridor import FXP, SBI, UCO, VTB, Corridor, build
from tests.integration.test_operating_day import INR_HOURS, pay, utc
from vostro.calendar.model import Schedule
from vostro.day.procedure import STEPS
from vostro.payments.model import State
from vostro.store import open_store
from vostro.store.verify import verify

DAY = date(2027, 1, 18)
END_OF_DAY = utc("2027-01-18T13:30:00")  # 19:00 IST
KILLED_IN = ("lsm", "window", "queue", "vostro", "statements")

# A writer that runs the writer's day round at the end of the rupee day, and kills itself at
# the K-th database statement inside step S (or as S returns, before its unit commits).
CHILD = textwrap.dedent("""
    import os, signal, sys
    import sqlalchemy as sa
    from vostro.day.procedure import OperatingDays
    from vostro.platform import Platform

    url, now, step, k = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    platform = Platform.open(url, clock=lambda: now)

    def die(*_):
        os.kill(os.getpid(), signal.SIGKILL)

    if step != "none":
        original = getattr(OperatingDays, "_" + step)
        def dying(self, uow, day):
            seen = [0]
            def count(*_):
                seen[0] += 1
                if seen[0] >= k:
                    die()
            sa.event.listen(platform.store.engine, "before_cursor_execute", count)
            original(self, uow, day)
            die()
        setattr(OperatingDays, "_" + step, dying)
    print(platform.day_tick()["closed"], flush=True)
    platform.close()
""")


def setup(url: str) -> dict[str, str]:
    store = open_store(url)
    clock = lambda: utc("2027-01-18T05:00:00")  # noqa: E731 - 10:30 IST
    c: Corridor = build(store, clock)
    try:
        c.calendar.set_schedule(Schedule("INR", **INR_HOURS), actor="test")  # type: ignore[arg-type]
        c.fund(SBI, 100_000_000_00, "INR")
        c.fund(UCO, 10_000_000_00, "INR")
        c.fund(FXP, 1_000_00, "INR")
        c.treasury.configure(VTB, 1_000_000_00, Decimal("0.065"), actor="test")
        assert pay(c, SBI, VTB, 5_000_000_00).state is State.SETTLED  # into VTB's rupee vostro
        c.rules.set_mode(UCO, "INR", "dns", actor="test")
        c.rules.set_net_debit_cap(UCO, "INR", 5_000_000_00, actor="test")
        windowed = pay(c, UCO, SBI, 2_000_000_00)  # into the open deferred-net window
        rejected = pay(c, FXP, SBI, 50_000_00)  # more than ICICI holds: queued
        c.calendar.set_carry(SBI, True, actor="test")
        carried = pay(c, SBI, FXP, 500_000_000_00)  # more than SBI holds: queued, then carried
        assert (rejected.state, carried.state) == (State.QUEUED, State.QUEUED)
        return {"windowed": windowed.uetr, "rejected": rejected.uetr, "carried": carried.uetr}
    finally:
        c.ledger.close()
        store.dispose()


def run_child(url: str, step: str, k: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, url, str(END_OF_DAY), step, str(k)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_an_end_of_day_killed_five_times_completes_each_step_once(database_url: str) -> None:
    uetrs = setup(database_url)
    rng = random.Random(20270118)
    for step in KILLED_IN:
        died = run_child(database_url, step, rng.randint(1, 12))
        assert died.returncode == -signal.SIGKILL, died.stderr
        done = steps_done(database_url)
        assert done == list(STEPS[: STEPS.index(step)]), (step, done)
    finished = run_child(database_url, "none", 0)
    assert finished.returncode == 0, finished.stderr
    assert steps_done(database_url) == list(STEPS)
    check_books(database_url, uetrs)


def steps_done(url: str) -> list[str]:
    store = open_store(url, migrate=False)
    try:
        from vostro.store.uow import read_unit

        with read_unit(store, clock=lambda: END_OF_DAY) as uow:
            done = uow.calendar.steps("INR", DAY)
        return [s for s in STEPS if s in done]
    finally:
        store.dispose()


def check_books(url: str, uetrs: dict[str, str]) -> None:
    from vostro.platform import Platform

    with Platform.open(url, clock=lambda: END_OF_DAY) as p:
        vostro_days = p.treasury.report(VTB, DAY)
        assert len(vostro_days) == 1  # one sweep, not one per attempt
        assert vostro_days[0].vostro_minor == 1_000_000_00
        swept = vostro_days[0]
        assert swept.invested_minor == 4_000_000_00 + swept.interest_minor  # once, with a day's
        assert swept.interest_minor == 71_233  # interest: 4,000,000 × 6.5 % / 365, to the paisa
        statements = p.calendar.statements(DAY, "INR")
        names = [s["name"] for s in statements]
        assert len(names) == len(set(names)) == len(p.read(lambda u: u.calendar.accounts("INR")))
        rejected = p.payments.get(uetrs["rejected"])
        carried = p.payments.get(uetrs["carried"])
        assert rejected.state is State.REJECTED and rejected.reason_code == "AM04"
        assert [e.state for e in rejected.events].count(State.REJECTED) == 1
        assert carried.state is State.QUEUED and carried.settlement_date == date(2027, 1, 19)
        assert State.REJECTED not in [e.state for e in carried.events]
        assert p.payments.get(uetrs["windowed"]).state is State.SETTLED  # the window closed
        report = p.calendar.day("INR", DAY)["report"]
        assert report["by_state"]["rejected"] == 1
        report_check = verify(p.store)
        assert report_check.ok, report_check.discrepancy

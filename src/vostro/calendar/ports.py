"""What the operating day needs from storage (`store/repositories/calendar.py` implements it)."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from vostro.calendar.model import Closure, DayState, OperatingDay, Schedule


class CalendarRepository(Protocol):
    # schedules and calendars
    def schedule(self, code: str) -> Schedule | None: ...

    def schedules(self) -> list[Schedule]: ...

    def put_schedule(self, schedule: Schedule) -> None: ...

    def closures(self, code: str) -> list[Closure]: ...

    def put_closure(self, closure: Closure) -> None: ...

    def remove_closure(self, code: str, day: date) -> bool: ...

    # operating days and their end-of-day steps
    def current_day(self, code: str) -> OperatingDay | None:
        """The currency's latest day not yet closed (open, or closing)."""

    def day(self, code: str, day: date) -> OperatingDay | None: ...

    def days(self, code: str | None = None, limit: int = 30) -> list[OperatingDay]:
        """The newest days first."""

    def add_day(self, day: OperatingDay) -> None: ...

    def set_state(self, code: str, day: date, state: DayState, at: int) -> None: ...

    def steps(self, code: str, day: date) -> dict[str, dict[str, Any]]:
        """The end-of-day steps done, each with what it recorded."""

    def step_done(self, code: str, day: date, step: str, at: int, detail: dict[str, Any]) -> None:
        """Record a step; a step recorded twice is an invariant violation."""

    # what the end of day keeps
    def add_statement(
        self, code: str, day: date, account_id: int, name: str, owner: str | None, xml: bytes
    ) -> None: ...

    def statements(self, day: date, code: str | None = None) -> list[dict[str, Any]]:
        """The day's stored statements (without their XML), by file name."""

    def statement(self, day: date, name: str) -> bytes | None: ...

    def put_report(self, code: str, day: date, report: dict[str, Any]) -> None: ...

    def report(self, code: str, day: date) -> dict[str, Any] | None: ...

    # what a day reads
    def currencies(self) -> list[str]: ...

    def accounts(self, code: str) -> list[tuple[int, str, str]]: ...

    def day_payments(self, code: str, day: date) -> list[dict[str, Any]]: ...

    # participants' choice for what is still queued at the end of the day
    def carries(self, bic: str) -> bool: ...

    def set_carry(self, bic: str, carry: bool) -> None: ...


class CalendarUnit(Protocol):
    calendar: CalendarRepository

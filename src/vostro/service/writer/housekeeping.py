"""What the writer does between commands: the operating days, deadlines and the
liquidity-saving mechanism.

Every few seconds: each currency's end of day when it is due (or resumed, after a crash), the
release of warehoused payments whose day has opened, queued payments past their deadline are
rejected, screening lists loaded by another process (the CLI) are taken up, held payments past
their review deadline are rejected, and, every `lsm_every_s`, the gridlock resolver runs for
each currency that has a queue.
"""

from __future__ import annotations

import logging
import time

from vostro.platform import Platform

log = logging.getLogger("vostro.housekeeping")


class Housekeeper:
    def __init__(self, lsm_every_s: float) -> None:
        self.lsm_every_s = lsm_every_s
        self.last_lsm = time.monotonic()

    def __call__(self, platform: Platform) -> None:
        days = platform.day_tick()
        for code, (day, steps) in days["closed"].items():
            log.info("end of day", extra={"currency": code, "day": str(day), "steps": steps})
        if days["released"]:
            log.info("warehoused payments released", extra={"count": len(days["released"])})
        expired = platform.payments.expire_queue()
        if expired:
            log.info("queued payments expired", extra={"count": len(expired)})
        changed = platform.compliance.refresh()  # lists loaded meanwhile by another process
        if changed:
            log.info("screening lists taken up", extra={"lists": changed})
        platform.holds.expire()
        if time.monotonic() - self.last_lsm < self.lsm_every_s:
            return
        self.last_lsm = time.monotonic()
        for code, depth in sorted(platform.settlement_views.queue_depth().items()):
            if depth:
                report = platform.settlement.run_lsm(code)
                log.info(
                    "lsm run",
                    extra={"currency": code, "settled": report.settled, "queued": depth},
                )

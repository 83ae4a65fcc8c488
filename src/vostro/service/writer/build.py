"""The service's writer as it is assembled, in one process or in the writer process: the thread
with its group handlers (payment submissions) and its housekeeping."""

from __future__ import annotations

from vostro.config import Settings
from vostro.platform import Platform
from vostro.service.metrics import Metrics
from vostro.service.writer.groups import install_groups
from vostro.service.writer.housekeeping import Housekeeper
from vostro.service.writer.thread import Writer


def build_writer(
    platform: Platform, settings: Settings, metrics: Metrics, *, housekeeping: bool = True
) -> Writer:
    writer = Writer(
        platform,
        metrics,
        batch_max=settings.writer_batch_max,
        housekeeping=Housekeeper(settings.lsm_every_s) if housekeeping else None,
        housekeeping_every_s=settings.housekeeping_every_s,
    )
    install_groups(writer)
    return writer

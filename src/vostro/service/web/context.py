"""What every request handler reaches through `deps.service_of`: the platform (reads), the
writer (writes), the key ring, the rate limiter, the metrics and the settings."""

from __future__ import annotations

import logging
import threading
import time

from vostro.config import Settings
from vostro.platform import Platform
from vostro.service.auth import KeyRing
from vostro.service.metrics import Metrics
from vostro.service.writer.build import build_writer
from vostro.service.writer.remote import RemoteWriter
from vostro.service.writer.thread import Writer
from vostro.store.repositories.idempotency import StoredResponse

log = logging.getLogger("vostro.service")


class RateLimiter:
    """A token bucket per API key: `rate` requests a second, saving up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str) -> float:
        """0 if the request may go ahead, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[key_id] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key_id] = (tokens - 1, now)
            return 0.0


class Service:
    """Everything a request needs: the platform (reads), the writer (writes), keys, settings.

    The writer is the thread in this process (`in_process`), or, in an HTTP worker of
    `vostro serve --workers N`, the writer process behind the service's local socket
    (`worker`); requests see the same port either way."""

    def __init__(
        self,
        platform: Platform,
        settings: Settings,
        metrics: Metrics,
        writer: Writer | RemoteWriter,
    ) -> None:
        self.platform = platform
        self.settings = settings
        self.xsd_dir = settings.iso20022_xsd_dir
        self.metrics = metrics
        self.keys = KeyRing(platform.store.engine)  # reads; its changes run on the writer
        self.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
        self.writer = writer
        self.metrics.watch(self._snapshot)

    @classmethod
    def in_process(
        cls, platform: Platform, settings: Settings, *, housekeeping: bool = True
    ) -> Service:
        metrics = Metrics()
        writer = build_writer(platform, settings, metrics, housekeeping=housekeeping)
        return cls(platform, settings, metrics, writer)

    @classmethod
    def worker(cls, platform: Platform, settings: Settings, socket: str, token: bytes) -> Service:
        return cls(platform, settings, Metrics(writer=False), RemoteWriter(socket, token))

    def _snapshot(self) -> tuple[dict[str, int], dict[str, int]]:
        by_state = self.platform.read(lambda uow: uow.read_models.payments_by_state())
        return by_state, self.platform.settlement_views.queue_depth()

    def idempotency_lookup(self, principal: str, key: str) -> StoredResponse | None:
        return self.platform.read(lambda uow: uow.idempotency.lookup(principal, key))

    async def idempotency_store(self, principal: str, key: str, response: StoredResponse) -> None:
        def keep(platform: Platform) -> None:
            platform.run(lambda uow: uow.idempotency.keep(principal, key, response))

        try:
            await self.writer.run(keep)
        except Exception:  # a concurrent process kept it first: the stored one stands
            log.warning("idempotency record not kept", extra={"key_id": principal})

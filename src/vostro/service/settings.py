"""Settings of the HTTP service (environment variables with the `VOSTRO_` prefix)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOSTRO_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    # Requests per second each API key may make, and the burst it may save up.
    rate_limit_per_s: float = 2_000.0
    rate_limit_burst: int = 4_000
    # Largest request bodies: JSON commands are small; an ISO 20022 message may carry many
    # transactions (the inbound parser refuses anything over 10 MiB on its own).
    max_json_bytes: int = 64 * 1024
    max_xml_bytes: int = 10 * 1024 * 1024
    max_list_bytes: int = 256 * 1024 * 1024  # a sanctions list upload (the full OpenSanctions set)
    # Commands the writer takes from its queue at once (one group of work per round).
    writer_batch_max: int = 256
    # Housekeeping on the writer: expire queued payments and holds, run the LSM.
    housekeeping_every_s: float = 5.0
    lsm_every_s: float = 30.0

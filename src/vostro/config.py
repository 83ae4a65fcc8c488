"""Typed settings, built once at start-up from the environment (prefix `VOSTRO_`).

`VOSTRO_DATABASE_URL` selects the store: a SQLite file (the embedded default) or PostgreSQL
(`postgresql+psycopg://user@host:5432/db`). Nothing reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vostro.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///vostro.db"
# The screening score (0-100) at which a name is a hit, calibrated on the labelled pairs in
# tests/fixtures/screening (recall 0.982 at precision 0.957, docs/benchmarks.md).
HIT_THRESHOLD = 83.0
# A hold must be decided before the ledger's own reservation timeout (24 h,
# `payments.service.RESERVATION_TIMEOUT_S`) releases the held funds under the operator.
HOLD_DEADLINE_MAX_S = 86_400
# 23 h: an hour's margin before that timeout, so the operator's decision (or the expiry's
# rejection) always finds the reservation still there.
HOLD_DEADLINE_S = 23 * 3600
QUEUE_DEADLINE_S = 4 * 3600  # a queued payment still unfunded after four hours is rejected
QUEUE_DEADLINE_MAX_S = 24 * 3600
SUPPORTED_URL_PREFIXES = ("sqlite:///", "postgresql+psycopg://")


class Settings(BaseSettings):
    """Every setting vostro reads, with safe defaults."""

    model_config = SettingsConfigDict(env_prefix="VOSTRO_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Sourced corridor figures (shared/data beside the repository), for calibrated workloads.
    data_dir: Path = Path(__file__).resolve().parents[3] / "shared" / "data"
    # The official ISO 20022 schemas; never copied into the repository.
    iso20022_xsd_dir: Path = Path(__file__).resolve().parents[3] / "shared" / "iso20022" / "xsd"

    # Sanctions screening: the score (0-100) at which a name match holds a payment, and how long
    # a held payment waits for an operator's decision before it is rejected.
    screening_threshold: float = HIT_THRESHOLD
    hold_deadline_s: int = HOLD_DEADLINE_S
    # How long a payment waits in the RTGS queue for liquidity before it is rejected.
    queue_deadline_s: int = QUEUE_DEADLINE_S
    # Whether each end of day stores a camt.053 per account (a simulated year need not).
    end_of_day_statements: bool = True

    # The HTTP service (`vostro serve`): where it listens.
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
    # Commands the service's writer takes from its queue at once (one group of work per round).
    writer_batch_max: int = 256
    # Housekeeping on the writer: expire queued payments and holds, run the LSM.
    housekeeping_every_s: float = 5.0
    lsm_every_s: float = 30.0

    @field_validator("screening_threshold")
    @classmethod
    def _threshold_in_range(cls, value: float) -> float:
        if not 0 < value <= 100:
            raise ConfigurationError(
                f"VOSTRO_SCREENING_THRESHOLD is a score above 0 and at most 100, not {value}"
            )
        return value

    @field_validator("queue_deadline_s")
    @classmethod
    def _queue_deadline_in_range(cls, value: int) -> int:
        if not 0 < value <= QUEUE_DEADLINE_MAX_S:
            raise ConfigurationError(
                f"VOSTRO_QUEUE_DEADLINE_S must be 1..{QUEUE_DEADLINE_MAX_S} seconds, not {value}"
            )
        return value

    @field_validator("hold_deadline_s")
    @classmethod
    def _deadline_in_range(cls, value: int) -> int:
        if not 0 < value <= HOLD_DEADLINE_MAX_S:
            raise ConfigurationError(
                f"VOSTRO_HOLD_DEADLINE_S must be 1..{HOLD_DEADLINE_MAX_S} seconds (the ledger "
                f"releases a reservation after 24 h), not {value}"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        return check_database_url(url)


def check_database_url(url: str) -> str:
    """Refuse a URL the stores cannot open, with the forms that are accepted."""
    if not url.startswith(SUPPORTED_URL_PREFIXES):
        raise ConfigurationError(
            f"unsupported database URL {url!r}: use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE"
        )
    if url.startswith("sqlite:///") and url in ("sqlite:///", "sqlite:///:memory:"):
        raise ConfigurationError(
            "the ledger needs a SQLite file (durable on commit), not an in-memory database"
        )
    return url


def sqlite_path(url: str) -> Path:
    """The file behind a `sqlite:///PATH` URL."""
    return Path(url.removeprefix("sqlite:///"))

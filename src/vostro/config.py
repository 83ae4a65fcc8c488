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
SUPPORTED_URL_PREFIXES = ("sqlite:///", "postgresql+psycopg://")


class Settings(BaseSettings):
    """Every setting vostro reads, with safe defaults."""

    model_config = SettingsConfigDict(env_prefix="VOSTRO_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Sourced corridor figures (shared/data beside the repository), for calibrated workloads.
    data_dir: Path = Path(__file__).resolve().parents[3] / "shared" / "data"
    # The official ISO 20022 schemas; never copied into the repository.
    iso20022_xsd_dir: Path = Path(__file__).resolve().parents[3] / "shared" / "iso20022" / "xsd"

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

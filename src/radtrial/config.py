"""One settings object for the whole application: environment > .env > defaults.

The default database is an embedded SQLite file in ``./var``; ``RADTRIAL_DATABASE_URL``
selects another (for example ``postgresql+psycopg://user@host/db``). The identity store
(national identity numbers, names, contact details) is a separate database so that
pseudonymised research data and the re-identification key are never kept together
(GDPR art. 4(5), 32); ``RADTRIAL_IDENTITY_DATABASE_URL`` selects it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The secret key a development checkout runs with. It is public (it is in the source), so
#: :class:`Settings` refuses it, and any key shorter than :data:`MIN_SECRET_KEY_LENGTH`, outside
#: development.
DEVELOPMENT_SECRET_KEY = "radtrial-development-only-secret-key-do-not-use-in-production"  # noqa: S105

#: Shortest secret key accepted outside development (e.g. ``secrets.token_urlsafe(48)``).
MIN_SECRET_KEY_LENGTH = 32

Environment = Literal["development", "production"]


class Settings(BaseSettings):
    """Runtime configuration. Read once per process via :func:`get_settings`."""

    model_config = SettingsConfigDict(env_prefix="RADTRIAL_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where embedded databases live")
    database_url: str | None = Field(default=None, description="Research database URL")
    identity_database_url: str | None = Field(default=None, description="Identity store URL")
    actor: str | None = Field(
        default=None, description="Username the CLI acts as (default: the OS user)"
    )

    environment: Environment = Field(
        default="development",
        description="development or production; production refuses the development secret key",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET_KEY),
        description="Key for signing the web app's pre-login CSRF tokens",
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, le=30, description="A web session ends after this long unused"
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, le=12, description="A web session ends this long after sign-in"
    )
    login_failures_per_account_hour: int = Field(
        default=100, ge=1, le=100, description="Failed sign-ins per account per hour, then 429"
    )
    login_failures_per_address_hour: int = Field(
        default=300, ge=1, description="Failed sign-ins per client address per hour, then 429"
    )
    portal_invitation_days: int = Field(
        default=14, ge=1, le=60, description="A patient-portal link or code expires after this"
    )
    portal_idle_minutes: int = Field(
        default=15, ge=1, le=30, description="A patient-portal session ends after this long unused"
    )
    portal_failures_per_address_hour: int = Field(
        default=30, ge=1, le=300, description="Wrong portal codes per client address per hour"
    )

    @model_validator(mode="after")
    def _no_default_secret_outside_development(self) -> Settings:
        if self.environment != "development":
            key = self.secret_key.get_secret_value()
            if key == DEVELOPMENT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
                raise ValueError(
                    f"RADTRIAL_SECRET_KEY must be set to a random value of at least "
                    f"{MIN_SECRET_KEY_LENGTH} characters when RADTRIAL_ENVIRONMENT is "
                    f"{self.environment!r} (the built-in key is public)"
                )
        return self

    def research_url(self) -> str:
        """The research database URL, defaulting to ``<data_dir>/radtrial.db``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'radtrial.db'}"

    def identity_url(self) -> str:
        """The identity store URL, defaulting to ``<data_dir>/radtrial-identity.db``."""
        return self.identity_database_url or f"sqlite:///{self.data_dir / 'radtrial-identity.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()

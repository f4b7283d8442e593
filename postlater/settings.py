"""Configuration from environment variables and an optional .env file, read once."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import ArgumentError

from storage.database import normalise_url

# The fix for each variable when it is missing or malformed.
_HELP = {
    "TELEGRAM_BOT_TOKEN": (
        "create a bot with @BotFather in Telegram (/newbot) and set TELEGRAM_BOT_TOKEN "
        "to the token it sends you, in the environment or in .env"
    ),
    "PUBLIC_URL": "set it to the https:// address where this server is reachable",
    "TELEGRAM_WEBHOOK_SECRET": (
        "set it to 1-256 characters of A-Z, a-z, 0-9, _ and -, e.g. the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    ),
    "DATABASE_URL": "use sqlite:///path/to/file.db or postgresql://user@host/dbname",
    "LOG_LEVEL": "use DEBUG, INFO, WARNING or ERROR",
    "PORT": "use a whole number from 1 to 65535",
    "TELEGRAM_API_BASE_URL": "use the Bot API base URL ending in /bot, e.g. https://api.telegram.org/bot",
    "QSTASH_MAX_DELAY": "use a duration such as 7d (free plan) or 365d (pay-as-you-go)",
    "QSTASH_RETRIES": "use a whole number from 0 to 20",
    "LINKEDIN_API_VERSION": "use a LinkedIn API version as YYYYMM, e.g. 202610",
}


class Settings(BaseSettings):
    # Empty values count as unset, so a .env copied from .env.example works as is.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=True, env_ignore_empty=True
    )

    TELEGRAM_BOT_TOKEN: SecretStr
    DATABASE_URL: str = "sqlite:///./data/postlater.db"
    HOST: str = "127.0.0.1"
    PORT: Annotated[int, Field(ge=1, le=65535)] = 8000
    LOG_LEVEL: str = "INFO"

    # Webhook mode when both are set; long polling otherwise.
    PUBLIC_URL: AnyHttpUrl | None = None
    TELEGRAM_WEBHOOK_SECRET: SecretStr | None = None
    TELEGRAM_API_BASE_URL: str = "https://api.telegram.org/bot"
    TELEGRAM_API_FILE_URL: str = "https://api.telegram.org/file/bot"

    # Seconds to wait for Telegram, LinkedIn or X to answer. A publish that
    # times out after it was sent is marked unknown, never repeated on its own.
    NETWORK_TIMEOUT_SECONDS: Annotated[float, Field(gt=0, le=300)] = 20.0

    # Local queue: seconds between looks at the posts table when not woken.
    LOCAL_QUEUE_POLL_SECONDS: Annotated[float, Field(gt=0, le=60)] = 1.0
    LOCAL_QUEUE_CONCURRENCY: Annotated[int, Field(ge=1, le=500)] = 20

    # QStash job queue, used instead of the local one when QSTASH_TOKEN is set.
    QSTASH_TOKEN: SecretStr | None = None
    QSTASH_URL: str = "https://qstash.upstash.io"
    QSTASH_CURRENT_SIGNING_KEY: SecretStr | None = None
    QSTASH_NEXT_SIGNING_KEY: SecretStr | None = None
    # Longest Upstash-Not-Before ahead the plan allows; later posts go in hops.
    QSTASH_MAX_DELAY: timedelta = timedelta(days=7)
    QSTASH_RETRIES: Annotated[int, Field(ge=0, le=20)] = 3

    # LinkedIn and X apps; a platform without both values is not offered.
    LINKEDIN_CLIENT_ID: str | None = None
    LINKEDIN_CLIENT_SECRET: SecretStr | None = None
    LINKEDIN_OAUTH_BASE_URL: str = "https://www.linkedin.com"
    LINKEDIN_API_BASE_URL: str = "https://api.linkedin.com"
    # LinkedIn retires each monthly API version after about a year.
    LINKEDIN_API_VERSION: Annotated[str, Field(pattern=r"^\d{6}$")] = "202610"
    X_CLIENT_ID: str | None = None
    X_CLIENT_SECRET: SecretStr | None = None
    X_OAUTH_AUTHORIZE_URL: str = "https://x.com/i/oauth2/authorize"
    X_API_BASE_URL: str = "https://api.x.com"

    # Fernet key for tokens at rest, and the one it replaced during a rotation.
    SECRET_KEY: SecretStr | None = None
    SECRET_KEY_PREVIOUS: SecretStr | None = None

    @field_validator("TELEGRAM_BOT_TOKEN")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is empty")
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            normalise_url(value)
        except (ValueError, ArgumentError) as error:
            raise ValueError(str(error).splitlines()[0]) from None
        return value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level")
        return value.upper()

    @field_validator("TELEGRAM_WEBHOOK_SECRET")
    @classmethod
    def _secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value()
        allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        if not 1 <= len(secret) <= 256 or not set(secret) <= allowed:
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("QSTASH_MAX_DELAY", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @property
    def linkedin_enabled(self) -> bool:
        return bool(self.LINKEDIN_CLIENT_ID and self.LINKEDIN_CLIENT_SECRET)

    @property
    def x_enabled(self) -> bool:
        return bool(self.X_CLIENT_ID and self.X_CLIENT_SECRET)

    @property
    def qstash_mode(self) -> bool:
        return self.QSTASH_TOKEN is not None

    @property
    def webhook_mode(self) -> bool:
        return self.PUBLIC_URL is not None and self.TELEGRAM_WEBHOOK_SECRET is not None

    @property
    def public_base_url(self) -> str:
        if self.PUBLIC_URL is None:
            raise ValueError("PUBLIC_URL is not set")
        return str(self.PUBLIC_URL).rstrip("/")


class DatabaseSettings(BaseSettings):
    """Settings of `postlater migrate`, which needs no bot token."""

    # Empty values count as unset, so a .env copied from .env.example works as is.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=True, env_ignore_empty=True
    )

    DATABASE_URL: str = Settings.model_fields["DATABASE_URL"].default
    LOG_LEVEL: str = "INFO"


class SettingsError(Exception):
    """Settings are missing or malformed; the message has one line per variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_describe(error)) from error
    _check_combinations(settings)
    return settings


def _check_combinations(settings: Settings) -> None:
    problems = []
    webhook_url = settings.PUBLIC_URL
    if settings.TELEGRAM_WEBHOOK_SECRET is not None and webhook_url is not None:
        if webhook_url.scheme != "https" and not _is_loopback(webhook_url.host):
            problems.append(
                "PUBLIC_URL is invalid for webhook mode (Telegram only calls https:// "
                "addresses): put postlater behind a TLS proxy and use its https:// address"
            )
    if settings.TELEGRAM_WEBHOOK_SECRET is not None and settings.PUBLIC_URL is None:
        problems.append(
            "PUBLIC_URL is missing: webhook mode needs both PUBLIC_URL and "
            "TELEGRAM_WEBHOOK_SECRET; unset TELEGRAM_WEBHOOK_SECRET to use long polling"
        )
    if settings.qstash_mode:
        required = {
            "PUBLIC_URL": settings.PUBLIC_URL,
            "QSTASH_CURRENT_SIGNING_KEY": settings.QSTASH_CURRENT_SIGNING_KEY,
            "QSTASH_NEXT_SIGNING_KEY": settings.QSTASH_NEXT_SIGNING_KEY,
        }
        for name, value in required.items():
            if value is None:
                problems.append(f"{name} is missing: QSTASH_TOKEN is set, and {_QSTASH_HELP[name]}")
    for name, enabled in (("LinkedIn", settings.linkedin_enabled), ("X", settings.x_enabled)):
        if not enabled:
            continue
        if settings.SECRET_KEY is None:
            problems.append(
                f"SECRET_KEY is missing: {name} is configured and its tokens are stored "
                "encrypted; generate one with python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())'"
            )
        if settings.PUBLIC_URL is None:
            problems.append(
                f"PUBLIC_URL is missing: {name} logins return to "
                "{PUBLIC_URL}/oauth/" + name.lower() + "/callback, so set the server's "
                "public https:// address"
            )
    for name in ("SECRET_KEY", "SECRET_KEY_PREVIOUS"):
        value = getattr(settings, name)
        if value is not None and not _is_fernet_key(value.get_secret_value()):
            problems.append(
                f"{name} is invalid (not a Fernet key): generate one with python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            )
    if settings.QSTASH_MAX_DELAY < timedelta(minutes=1):
        problems.append("QSTASH_MAX_DELAY is invalid (under a minute): use e.g. 7d, 365d or 12h")
    if problems:
        raise SettingsError("\n".join(problems))


_QSTASH_HELP = {
    "PUBLIC_URL": ("QStash must reach this server: set PUBLIC_URL to its public https:// address"),
    "QSTASH_CURRENT_SIGNING_KEY": (
        "deliveries are verified with it: copy it from the Upstash console (QStash → Signing keys)"
    ),
    "QSTASH_NEXT_SIGNING_KEY": (
        "deliveries are verified with it after a key roll: copy it from the Upstash console "
        "(QStash → Signing keys)"
    ),
}


def _is_loopback(host: str | None) -> bool:
    # Test servers on this machine accept plain http; Telegram itself does not.
    return host in ("127.0.0.1", "localhost", "::1", "[::1]")


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode())) == 32
    except (ValueError, binascii.Error):
        return False


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parse_duration(text: str) -> timedelta:
    """'7d', '12h', '90m', '30s' or a number of seconds."""
    cleaned = text.strip().lower()
    try:
        if cleaned and cleaned[-1] in _UNITS:
            return timedelta(seconds=float(cleaned[:-1]) * _UNITS[cleaned[-1]])
        return timedelta(seconds=float(cleaned))
    except ValueError:
        raise ValueError(f"{text!r} is not a duration such as 7d, 12h, 90m or 3600") from None


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        what = "is missing" if problem["type"] == "missing" else f"is invalid ({problem['msg']})"
        hint = _HELP.get(name, "see .env.example")
        lines.append(f"{name} {what}: {hint}")
    return "\n".join(lines)

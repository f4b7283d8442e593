"""Configuration from environment variables and an optional .env file, read once."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What to do about each variable when it is missing or malformed.
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
    "PORT": "use a whole number from 1 to 65535",
    "TELEGRAM_API_BASE_URL": "use the Bot API base URL ending in /bot, e.g. https://api.telegram.org/bot",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

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

    # Local queue: seconds between looks at the posts table when not woken.
    LOCAL_QUEUE_POLL_SECONDS: Annotated[float, Field(gt=0, le=60)] = 1.0
    LOCAL_QUEUE_CONCURRENCY: Annotated[int, Field(ge=1, le=500)] = 20

    # Fernet key for tokens at rest, and the one it replaced during a rotation.
    SECRET_KEY: SecretStr | None = None
    SECRET_KEY_PREVIOUS: SecretStr | None = None

    @field_validator("TELEGRAM_BOT_TOKEN")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is empty")
        return value

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

    @property
    def webhook_mode(self) -> bool:
        return self.PUBLIC_URL is not None and self.TELEGRAM_WEBHOOK_SECRET is not None

    @property
    def public_base_url(self) -> str:
        if self.PUBLIC_URL is None:
            raise ValueError("PUBLIC_URL is not set")
        return str(self.PUBLIC_URL).rstrip("/")


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
    if settings.TELEGRAM_WEBHOOK_SECRET is not None and settings.PUBLIC_URL is None:
        raise SettingsError(
            "PUBLIC_URL is missing: webhook mode needs both PUBLIC_URL and "
            "TELEGRAM_WEBHOOK_SECRET; unset TELEGRAM_WEBHOOK_SECRET to use long polling"
        )
    if settings.PUBLIC_URL is not None and settings.TELEGRAM_WEBHOOK_SECRET is None:
        raise SettingsError(
            "TELEGRAM_WEBHOOK_SECRET is missing: webhook mode needs a secret so that only "
            f"Telegram can send updates; {_HELP['TELEGRAM_WEBHOOK_SECRET']}"
        )


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        what = "is missing" if problem["type"] == "missing" else f"is invalid ({problem['msg']})"
        hint = _HELP.get(name, "see .env.example")
        lines.append(f"{name} {what}: {hint}")
    return "\n".join(lines)

"""Logging set-up for the postlater process: one line per event, secrets redacted."""

from __future__ import annotations

import logging
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
_QUIET_LOGGERS = ("httpx", "httpcore", "aiosqlite", "asyncio", "alembic.runtime.plugins")
# python-telegram-bot logs whole updates and message texts at DEBUG, so it
# never goes below INFO, whatever LOG_LEVEL says: messages stay out of logs.
_NEVER_DEBUG = ("telegram",)


class RedactSecrets(logging.Filter):
    """Replaces any configured secret in a log line, as a safety net."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _NEVER_DEBUG:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))

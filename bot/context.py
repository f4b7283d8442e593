"""What handlers reach through python-telegram-bot's context: postlater's services."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import ContextTypes

from domain.model import Platform
from domain.services import Services

BOT_DATA_KEY = "postlater"


@dataclass
class BotDeps:
    services: Services
    # Platforms that can be connected and published to on this installation.
    available: tuple[Platform, ...]


def deps(context: ContextTypes.DEFAULT_TYPE) -> BotDeps:
    value = context.application.bot_data.get(BOT_DATA_KEY)
    if not isinstance(value, BotDeps):
        raise RuntimeError("bot started without postlater's services in bot_data")
    return value

"""/start, /timezone, /help, /cancel and commands the bot does not know."""

from __future__ import annotations

import html
import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.context import deps
from bot.formatting import account_label
from bot.handlers.common import register_user, reply
from bot.location import timezone_at
from domain.model import DialogueState, User
from domain.timezones import likely_timezones, resolve_timezone

logger = logging.getLogger(__name__)


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets, asks for the timezone (or shows it), and says what to do next."""
    user = await register_user(update, context)
    if user is None:
        return
    services = deps(context).services
    await services.store.dialogues.clear(user.id, services.clock.now())

    await reply(update, texts.GREETING)
    if user.timezone is None:
        await ask_timezone(update, context, user)
        return
    await reply(update, texts.CURRENT_TIMEZONE.format(zone=html.escape(user.timezone)))
    await _next_step(update, context, user)


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the timezone and offers likely zones, a typed city or a shared location."""
    user = await register_user(update, context)
    if user is None:
        return
    await ask_timezone(update, context, user)


async def ask_timezone(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    pending: dict[str, object] | None = None,
) -> None:
    """Ask for the timezone; `pending` is a request to run once it is known."""
    services = deps(context).services
    await services.store.dialogues.expect(
        user.id, DialogueState.TIMEZONE, services.clock.now(), payload=pending
    )
    text = texts.ASK_TIMEZONE
    if user.timezone is not None:
        text = texts.CURRENT_TIMEZONE.format(zone=html.escape(user.timezone))
    await reply(update, text, keyboards.timezones(likely_timezones(user.language_code)))


async def timezone_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, text: str
) -> dict[str, Any] | None:
    """Takes a typed city or zone name; returns the request that waited for it, if any."""
    zone = resolve_timezone(text)
    if zone is None:
        await reply(update, texts.TIMEZONE_UNKNOWN.format(text=html.escape(text[:64])))
        return None
    return await set_timezone(update, context, user, zone)


async def location_answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    latitude: float,
    longitude: float,
) -> dict[str, Any] | None:
    """Sets the timezone from a shared location; returns the request that waited for it."""
    zone = timezone_at(latitude, longitude)
    if zone is None:
        await reply(update, texts.TIMEZONE_FROM_LOCATION_FAILED)
        return None
    return await set_timezone(update, context, user, zone)


async def set_timezone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, zone: str
) -> dict[str, Any] | None:
    services = deps(context).services
    now = services.clock.now()
    dialogue = await services.store.dialogues.get(user.id)
    await services.store.users.set_timezone(user.id, zone)
    await services.store.dialogues.clear(user.id, now)
    logger.info("timezone set: user=%s zone=%s", user.id, zone)

    local = now.astimezone(ZoneInfo(zone))
    confirmation = texts.TIMEZONE_SET.format(zone=html.escape(zone), local_time=f"{local:%H:%M}")
    await reply(update, confirmation, ReplyKeyboardRemove())

    pending = dialogue.payload.get("request") if dialogue.state is DialogueState.TIMEZONE else None
    if isinstance(pending, dict):
        return pending
    await _next_step(update, context, user)
    return None


async def _next_step(update: Update, context: ContextTypes.DEFAULT_TYPE, user: User) -> None:
    accounts = await deps(context).services.store.accounts.list_connected(user.id)
    if not accounts:
        await reply(update, texts.NEXT_STEP_CONNECT)
        return
    listed = "\n".join(f"• {account_label(account)}" for account in accounts)
    await reply(update, texts.CONNECTED_ACCOUNTS.format(accounts=listed))
    await reply(update, texts.NEXT_STEP_SCHEDULE)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the commands with examples."""
    if await register_user(update, context) is None:
        return
    await reply(update, texts.HELP)


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stops the current dialogue (waiting for a time, a channel, ...)."""
    user = await register_user(update, context)
    if user is None:
        return
    services = deps(context).services
    dialogue = await services.store.dialogues.get(user.id)
    if dialogue.state is None:
        await reply(update, texts.NOTHING_TO_CANCEL, ReplyKeyboardRemove())
        return
    await services.store.dialogues.clear(user.id, services.clock.now())
    await reply(update, texts.CANCELLED_DIALOGUE, ReplyKeyboardRemove())


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says the command is unknown and points to /help."""
    message = update.effective_message
    if await register_user(update, context) is None or message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    await reply(update, texts.UNKNOWN_COMMAND.format(command=html.escape(command[:40])))

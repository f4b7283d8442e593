"""Messages that are not commands, routed by what the bot waits for."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.context import deps
from bot.handlers import accounts, preview, schedule, setup
from bot.handlers.common import register_user, reply
from bot.handlers.queue import edited_content_answer, reschedule_answer
from domain.model import Dialogue, DialogueState, User
from domain.parsing import parse_request

logger = logging.getLogger(__name__)

# An open question (a time, a channel, a timezone) expires after this long.
DIALOGUE_LIFETIME = timedelta(hours=1)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers what the bot asked for; otherwise a schedule request or a draft."""
    user = await register_user(update, context)
    message = update.effective_message
    if user is None or message is None or message.text is None:
        return

    services = deps(context).services
    dialogue = await services.store.dialogues.get(user.id)
    text = message.text
    state = _current_state(dialogue, services.clock.now())
    if state is not None and state is not DialogueState.TIMEZONE and _is_request(text, user):
        # A whole new request while the bot waited for an answer: the user
        # moved on, so the question is dropped.
        state = None

    if state is DialogueState.TIMEZONE and user.timezone is None and _is_request(text, user):
        await setup.ask_timezone(
            update, context, user, pending={"request": {"text": text, "reply_content": None}}
        )
    elif state is DialogueState.TIMEZONE and _is_request(text, user):
        await services.store.dialogues.clear(user.id, services.clock.now())
        await schedule.request_or_draft(update, context, user, message)
    elif state is DialogueState.TIMEZONE:
        pending = await setup.timezone_answer(update, context, user, text)
        await _replay(update, context, pending)
    elif state is DialogueState.CHANNEL:
        await accounts.channel_answer(update, context, user, message)
    elif state is DialogueState.PREVIEW_TIME and dialogue.subject:
        await preview.preview_time_answer(update, context, user, text, dialogue.subject)
    elif state is DialogueState.RESCHEDULE_TIME and dialogue.subject:
        await reschedule_answer(update, context, user, text, int(dialogue.subject))
    elif state is DialogueState.EDIT_CONTENT and dialogue.subject:
        await edited_content_answer(update, context, user, text, int(dialogue.subject))
    elif state is DialogueState.CONTENT:
        await schedule.content_answer(update, context, user, text, dialogue.payload)
    elif state is DialogueState.REQUEST_TIME:
        await schedule.request_time_answer(update, context, user, text, dialogue.payload)
    else:
        if dialogue.state is not None:
            await services.store.dialogues.clear(user.id, services.clock.now())
        await schedule.request_or_draft(update, context, user, message)


def _current_state(dialogue: Dialogue, now: datetime) -> DialogueState | None:
    """The question still open; one left unanswered for an hour no longer catches messages."""
    if dialogue.state is None or dialogue.updated_at is None:
        return dialogue.state
    if now - dialogue.updated_at > DIALOGUE_LIFETIME:
        return None
    return dialogue.state


def _is_request(text: str, user: User) -> bool:
    """True for a message that names where to post: a new request, not an answer."""
    zone = ZoneInfo(user.timezone or "UTC")
    request = parse_request(text, now=datetime.now(UTC), tz=zone)
    return request is not None and bool(request.platforms or request.channel)


async def location_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sets the timezone from a shared location."""
    user = await register_user(update, context)
    message = update.effective_message
    if user is None or message is None or message.location is None:
        return
    location = message.location
    pending = await setup.location_answer(
        update, context, user, location.latitude, location.longitude
    )
    await _replay(update, context, pending)


async def forwarded_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A forwarded post: the channel to connect during /connect, otherwise a draft."""
    user = await register_user(update, context)
    message = update.effective_message
    if user is None or message is None:
        return

    dialogue = await deps(context).services.store.dialogues.get(user.id)
    if dialogue.state is DialogueState.CHANNEL:
        await accounts.channel_answer(update, context, user, message)
        return
    if message.text:
        await text_message(update, context)
        return
    await reply(update, texts.ONLY_TEXT)


async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice and the like: only text can be scheduled for now."""
    if await register_user(update, context) is None:
        return
    await reply(update, texts.ONLY_TEXT)


async def _replay(
    update: Update, context: ContextTypes.DEFAULT_TYPE, pending: dict[str, object] | None
) -> None:
    if pending is None:
        return
    user = await register_user(update, context)
    if user is not None:
        await schedule.replay_request(update, context, user, dict(pending))

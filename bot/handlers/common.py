"""Helpers every handler uses: registering the user, replying, answering buttons."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.context import deps
from domain.model import User

logger = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


async def register_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> User | None:
    """The user behind a private-chat update, created on first contact; None elsewhere."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    services = deps(context).services
    known = await services.store.users.get(user.id)
    if known is not None and (known.chat_id, known.language_code) == (chat.id, user.language_code):
        # Most updates come from known users; a read is cheaper than a write.
        return known
    return await services.store.users.upsert(
        user.id, chat.id, user.language_code, services.clock.now()
    )


async def reply(update: Update, text: str, markup: ReplyMarkup | None = None) -> Message | None:
    """Send `text` (HTML) to the update's chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
    )


def answers_first(handler: Handler) -> Handler:
    """Answer the callback query before any other work.

    Telegram shows a spinner until the answer arrives and rejects answers
    that come too late ("query is too old"), so slow work goes after it.
    """

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except BadRequest:
            # Telegram forgets a press after about 15 s ("query is too old"),
            # e.g. one made while postlater was restarting. The press still counts.
            logger.info("late answer to a button press: query=%s", query.id)
        await handler(update, context)

    return wrapper


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the text of the message a button sits on."""
    if query.message is None:
        return
    await query.edit_message_text(
        text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
    )

"""The one place unexpected errors from handlers end up."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers.common import answers_first, reply

logger = logging.getLogger(__name__)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the error with its traceback; the user gets an apology, never the traceback."""
    update_id = update.update_id if isinstance(update, Update) else None
    user = update.effective_user if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    logger.error(
        "handler failed: update=%s user=%s chat=%s",
        update_id,
        user.id if user else None,
        chat.id if chat else None,
        exc_info=context.error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await reply(update, texts.SOMETHING_WENT_WRONG)
    except TelegramError:
        logger.warning("could not send the apology: update=%s", update_id, exc_info=True)


@answers_first
async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data no handler knows (an older version's, or forged)."""
    await reply(update, texts.BUTTON_EXPIRED)

"""Builds the python-telegram-bot Application with postlater's handlers."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import keyboards, texts
from bot.handlers import accounts, errors, messages, preview, queue, schedule, setup
from bot.updates import PerChatUpdateProcessor

logger = logging.getLogger(__name__)

# Update types postlater handles; Telegram keeps this list between calls.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


def build_application(
    token: str, *, base_url: str, base_file_url: str, polling: bool, timeout: float = 20.0
) -> Application:  # type: ignore[type-arg]
    builder = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .connect_timeout(min(10.0, timeout))
        .read_timeout(timeout)
        .write_timeout(timeout)
        .get_updates_read_timeout(40)
        .concurrent_updates(PerChatUpdateProcessor())
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    commands = {
        "start": setup.start_command,
        "timezone": setup.timezone_command,
        "help": setup.help_command,
        "cancel": setup.cancel_command,
        "queue": queue.queue_command,
        "connect": accounts.connect_command,
        "accounts": accounts.accounts_command,
        "disconnect": accounts.disconnect_command,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=private))

    application.add_handler(MessageHandler(private & filters.COMMAND, setup.unknown_command))
    application.add_handler(MessageHandler(private & filters.LOCATION, messages.location_message))
    application.add_handler(MessageHandler(private & filters.FORWARDED, messages.forwarded_message))
    application.add_handler(MessageHandler(private & filters.TEXT, messages.text_message))
    application.add_handler(MessageHandler(private, messages.other_message))

    buttons = (
        (keyboards.PREVIEW_PATTERN, preview.preview_button),
        (keyboards.DATE_ORDER_PATTERN, schedule.date_order_button),
        (keyboards.QUEUE_PATTERN, queue.queue_button),
        (keyboards.QUEUE_PAGE_PATTERN, queue.queue_page_button),
        (keyboards.RESULT_PATTERN, queue.result_button),
        (keyboards.RETRY_GROUP_PATTERN, queue.retry_group_button),
        (keyboards.EDIT_PATTERN, queue.edit_button),
        (keyboards.RECONNECT_PATTERN, accounts.reconnect_button),
        (keyboards.CONNECT_PATTERN, accounts.connect_button),
        (keyboards.DISCONNECT_PATTERN, accounts.disconnect_button),
    )
    for pattern, on_press in buttons:
        application.add_handler(CallbackQueryHandler(on_press, pattern=pattern))
    application.add_handler(CallbackQueryHandler(errors.stale_button))
    application.add_error_handler(errors.error_handler)


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menu; a failure is logged and does not stop start-up."""
    commands = [BotCommand(name, description) for name, description in texts.COMMANDS]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError:
        logger.warning("could not register the command menu", exc_info=True)

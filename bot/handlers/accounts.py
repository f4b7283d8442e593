"""/connect, /accounts and /disconnect, and connecting a Telegram channel."""

from __future__ import annotations

import html
import logging
import re

from telegram import Message, MessageOriginChannel, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.context import deps
from bot.formatting import account_label
from bot.handlers.common import answers_first, edit, register_user, reply
from domain.accounts import connect_account, disconnect_account
from domain.errors import NotOwner
from domain.model import AccountStatus, DialogueState, Platform, PostStatus, User
from domain.oauth import start_login
from networks.telegram import ChannelCheckFailed, ChannelProblem, verify_channel

logger = logging.getLogger(__name__)

# Telegram usernames: 5-32 characters, letters, digits and underscores.
_CHANNEL_USERNAME = re.compile(r"^(?:@|(?:https?://)?t\.me/)([A-Za-z][A-Za-z0-9_]{3,31})/?$")


async def connect_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers the platforms that can be connected; with only Telegram, goes straight to it."""
    user = await register_user(update, context)
    if user is None:
        return
    available = deps(context).available
    if available == (Platform.TELEGRAM,):
        await _ask_channel(update, context, user)
        return
    await reply(update, texts.CONNECT_CHOOSE, keyboards.connect(available))


@answers_first
async def connect_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The platform chosen after /connect."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.CONNECT_PATTERN, query.data)
    available = {p.value: p for p in deps(context).available}
    if match is None or match.group(1) not in available:
        await reply(update, texts.BUTTON_EXPIRED)
        return
    await _start_connecting(update, context, user, available[match.group(1)])


async def _start_connecting(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, platform: Platform
) -> None:
    if platform is Platform.TELEGRAM:
        await _ask_channel(update, context, user)
        return
    url = await start_login(deps(context).services, platform, user.id)
    text = texts.CONNECT_LOGIN.format(platform=platform.display_name)
    await reply(update, text, keyboards.login(platform, url))


async def _ask_channel(update: Update, context: ContextTypes.DEFAULT_TYPE, user: User) -> None:
    services = deps(context).services
    await services.store.dialogues.expect(user.id, DialogueState.CHANNEL, services.clock.now())
    await reply(update, texts.CONNECT_CHANNEL.format(bot=html.escape(context.bot.username or "")))


async def channel_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, message: Message
) -> None:
    """A channel @username, t.me link or forwarded channel post while /connect waits for one."""
    reference = _channel_reference(message)
    if reference is None:
        if message.forward_origin is not None:
            await reply(update, texts.FORWARD_NOT_FROM_CHANNEL)
        else:
            await reply(update, texts.CHANNEL_REFERENCE_EXPECTED)
        return

    shown = reference if isinstance(reference, str) else "that channel"
    try:
        channel = await verify_channel(context.bot, reference, user.id)
    except ChannelCheckFailed as error:
        await reply(
            update, channel_problem_text(error, html.escape(shown), context.bot.username or "")
        )
        return
    except TelegramError:
        logger.warning("channel check failed: user=%s", user.id, exc_info=True)
        await reply(update, texts.TELEGRAM_UNREACHABLE)
        return

    services = deps(context).services
    await connect_account(
        services,
        user.id,
        Platform.TELEGRAM,
        str(channel.chat_id),
        channel.title,
        handle=channel.username,
    )
    await services.store.dialogues.clear(user.id, services.clock.now())
    await reply(update, texts.CHANNEL_CONNECTED.format(title=html.escape(channel.title)))


def _channel_reference(message: Message) -> int | str | None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.id
    if origin is not None or not message.text:
        return None
    match = _CHANNEL_USERNAME.match(message.text.strip())
    if match is None:
        return None
    return f"@{match.group(1)}"


def channel_problem_text(error: ChannelCheckFailed, channel: str, bot_username: str) -> str:
    title = html.escape(error.title or channel)
    bot = html.escape(bot_username)
    if error.problem is ChannelProblem.NOT_FOUND:
        return texts.CHANNEL_NOT_FOUND.format(channel=channel)
    if error.problem is ChannelProblem.NOT_A_CHANNEL:
        return texts.CHANNEL_NOT_A_CHANNEL.format(channel=channel)
    if error.problem is ChannelProblem.BOT_NOT_ADMIN:
        return texts.CHANNEL_BOT_NOT_ADMIN.format(title=title, bot=bot)
    if error.problem is ChannelProblem.BOT_CANNOT_POST:
        return texts.CHANNEL_BOT_CANNOT_POST.format(title=title)
    return texts.CHANNEL_USER_NOT_ADMIN.format(title=title)


async def accounts_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists connected accounts and their status."""
    user = await register_user(update, context)
    if user is None:
        return
    accounts = await deps(context).services.store.accounts.list_connected(user.id)
    if not accounts:
        await reply(update, texts.ACCOUNTS_EMPTY)
        return

    lines = [texts.ACCOUNTS_TITLE]
    for number, account in enumerate(accounts, start=1):
        status = (
            texts.ACCOUNT_NEEDS_RECONNECT if account.status is AccountStatus.NEEDS_RECONNECT else ""
        )
        lines.append(
            texts.ACCOUNT_ITEM.format(number=number, account=account_label(account), status=status)
        )
    lines.append("")
    lines.append(texts.ACCOUNTS_FOOTER)
    await reply(update, "\n".join(lines))


async def disconnect_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers the connected accounts to remove."""
    user = await register_user(update, context)
    if user is None:
        return
    accounts = await deps(context).services.store.accounts.list_connected(user.id)
    if not accounts:
        await reply(update, texts.ACCOUNTS_EMPTY)
        return
    await reply(update, texts.DISCONNECT_CHOOSE, keyboards.disconnect_choice(accounts))


@answers_first
async def disconnect_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks to confirm, then disconnects and says how many posts were cancelled."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.DISCONNECT_PATTERN, query.data)
    if match is None:
        return
    step, account_id = match.group(1), int(match.group(2))

    services = deps(context).services
    account = await services.store.accounts.get(account_id)
    if account is None or account.status is AccountStatus.DISCONNECTED:
        await edit(query, texts.ACCOUNT_GONE)
        return
    if account.user_id != user.id:
        await reply(update, texts.NOT_YOURS)
        return

    label = account_label(account)
    if step == "no":
        await edit(query, texts.DISCONNECT_KEPT.format(account=label))
        return
    if step == "ask":
        upcoming = await services.store.posts.list_for_account(
            account.id, frozenset({PostStatus.SCHEDULED})
        )
        posts = (
            texts.DISCONNECT_CONFIRM_POSTS.format(count=len(upcoming))
            if upcoming
            else texts.DISCONNECT_CONFIRM_NO_POSTS
        )
        await edit(
            query,
            texts.DISCONNECT_CONFIRM.format(account=label, posts=posts),
            keyboards.disconnect_confirm(account),
        )
        return

    try:
        cancelled = await disconnect_account(services, user.id, account.id)
    except NotOwner:
        await reply(update, texts.NOT_YOURS)
        return
    await edit(query, texts.DISCONNECTED.format(account=label, count=cancelled))


@answers_first
async def reconnect_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reconnect on a failure message: starts connecting that account's platform again."""
    user = await register_user(update, context)
    query = update.callback_query
    if user is None or query is None or query.data is None:
        return
    match = re.match(keyboards.RECONNECT_PATTERN, query.data)
    if match is None:
        return
    account = await deps(context).services.store.accounts.get(int(match.group(1)))
    if account is None or account.user_id != user.id:
        await reply(update, texts.NOT_YOURS if account else texts.ACCOUNT_GONE)
        return
    if account.platform not in deps(context).available:
        await reply(update, texts.BUTTON_EXPIRED)
        return
    await _start_connecting(update, context, user, account.platform)

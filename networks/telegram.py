"""Telegram channels: checking a connection and publishing posts through the bot."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx
from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.constants import ChatType, MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from domain.errors import (
    AccountAccessLost,
    PublishOutcomeUnknown,
    RejectedContent,
    TransientPublishError,
)
from domain.model import Account, Platform, Post
from domain.ports import Published

logger = logging.getLogger(__name__)

# Failures of these httpx types happen before the request reaches Telegram,
# so nothing was published and a retry is safe.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class TelegramChannelPublisher:
    """Publishes a post as a plain-text message in a channel the bot administers."""

    platform = Platform.TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    def max_length(self, account: Account) -> int:
        return int(MessageLimit.MAX_TEXT_LENGTH)

    def measure(self, content: str) -> int:
        # The Bot API counts message length in UTF-16 code units.
        return len(content.encode("utf-16-le")) // 2

    async def publish(self, account: Account, post: Post) -> Published:
        chat_id = int(account.external_id)
        await self._check_owner_still_admin(account, chat_id)
        try:
            message = await self._bot.send_message(chat_id=chat_id, text=post.content)
        except TelegramError as error:
            raise _classify(error, account) from error
        return Published(str(message.message_id), message_link(account, message.message_id))

    async def _check_owner_still_admin(self, account: Account, chat_id: int) -> None:
        """Refuse to post for someone who no longer administers the channel.

        Checked at every publish, not only at /connect: an administrator who
        was removed or banned must lose the bot's help at once.
        """
        try:
            member = await self._bot.get_chat_member(chat_id, account.user_id)
        except (BadRequest, Forbidden) as error:
            if "chat not found" in error.message.lower():
                raise _classify(error, account) from error
            # Bots that are not administrators may not look at members.
            raise AccountAccessLost(
                f"the bot lost its administrator rights in {account.display_name}; make it an "
                "administrator with the right to post messages, then reconnect the channel",
                detail=error.message,
            ) from error
        except RetryAfter as error:
            raise _classify(error, account) from error
        except TelegramError as error:
            # Nothing was posted yet, so any other failure is safe to retry.
            raise TransientPublishError(
                "Telegram could not be reached", detail=error.message
            ) from error
        if not isinstance(member, ChatMemberOwner | ChatMemberAdministrator):
            raise AccountAccessLost(
                f"you are no longer an administrator of {account.display_name}, so postlater "
                "will not post there for you",
                detail=f"member status {member.status}",
            )


def message_link(account: Account, message_id: int) -> str:
    """The t.me link of a channel message; private channels use the /c/ form."""
    if account.handle:
        return f"https://t.me/{account.handle.lstrip('@')}/{message_id}"
    internal_id = account.external_id.removeprefix("-100")
    return f"https://t.me/c/{internal_id}/{message_id}"


def _classify(error: TelegramError, account: Account) -> Exception:
    name = account.display_name
    # The Bot API tells these cases apart only by their description text.
    text = error.message.lower()
    if isinstance(error, RetryAfter):
        retry_after = error.retry_after
        seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after
        return TransientPublishError(
            "Telegram asked the bot to slow down", detail=error.message, retry_after=seconds
        )
    if isinstance(error, Forbidden):
        return AccountAccessLost(
            f"the bot may no longer post in {name}: make it an administrator "
            "with the right to post messages, then reconnect the channel",
            detail=error.message,
        )
    if isinstance(error, ChatMigrated):
        return AccountAccessLost(f"{name} moved to a new chat; reconnect it", detail=error.message)
    if isinstance(error, BadRequest):
        if "chat not found" in text:
            return AccountAccessLost(
                f"the channel {name} no longer exists or the bot was removed from it",
                detail=error.message,
            )
        if "rights" in text or "not a member" in text:
            return AccountAccessLost(
                f"the bot lost its right to post in {name}; make it an administrator "
                "with the right to post messages, then reconnect the channel",
                detail=error.message,
            )
        return RejectedContent(f"Telegram rejected the post: {error.message}", detail=error.message)
    if isinstance(error, TimedOut | NetworkError):
        cause = error.__cause__
        if cause is None:
            # No cause: Telegram itself answered with a server error.
            return TransientPublishError("Telegram had a server error", detail=error.message)
        if isinstance(cause, _NOT_SENT):
            return TransientPublishError("Telegram could not be reached", detail=error.message)
        return PublishOutcomeUnknown(
            "the connection to Telegram broke after the post was sent", detail=error.message
        )
    return TransientPublishError("Telegram returned an error", detail=error.message)


class ChannelProblem(enum.StrEnum):
    NOT_FOUND = "not_found"
    NOT_A_CHANNEL = "not_a_channel"
    BOT_NOT_ADMIN = "bot_not_admin"
    BOT_CANNOT_POST = "bot_cannot_post"
    USER_NOT_ADMIN = "user_not_admin"


class ChannelCheckFailed(Exception):
    def __init__(self, problem: ChannelProblem, title: str | None = None) -> None:
        super().__init__(f"channel check failed: {problem}")
        self.problem = problem
        self.title = title


@dataclass(frozen=True)
class ChannelInfo:
    chat_id: int
    title: str
    username: str | None


async def verify_channel(bot: Bot, channel: int | str, user_id: int) -> ChannelInfo:
    """Check that the bot may post in `channel` and that `user_id` administers it.

    Both are required: otherwise anyone could post into any channel the bot
    happens to manage. Raises ChannelCheckFailed naming the first problem
    found; other TelegramErrors (network) propagate.
    """
    try:
        chat = await bot.get_chat(channel)
    except (BadRequest, Forbidden) as error:
        raise ChannelCheckFailed(ChannelProblem.NOT_FOUND) from error
    if chat.type != ChatType.CHANNEL:
        raise ChannelCheckFailed(ChannelProblem.NOT_A_CHANNEL, chat.title)
    title = chat.title or str(chat.id)

    try:
        bot_member = await bot.get_chat_member(chat.id, bot.id)
    except (BadRequest, Forbidden) as error:
        raise ChannelCheckFailed(ChannelProblem.BOT_NOT_ADMIN, title) from error
    if not isinstance(bot_member, ChatMemberAdministrator):
        raise ChannelCheckFailed(ChannelProblem.BOT_NOT_ADMIN, title)
    if not bot_member.can_post_messages:
        raise ChannelCheckFailed(ChannelProblem.BOT_CANNOT_POST, title)

    try:
        member = await bot.get_chat_member(chat.id, user_id)
    except (BadRequest, Forbidden) as error:
        raise ChannelCheckFailed(ChannelProblem.USER_NOT_ADMIN, title) from error
    if not isinstance(member, ChatMemberOwner | ChatMemberAdministrator):
        raise ChannelCheckFailed(ChannelProblem.USER_NOT_ADMIN, title)

    logger.info("channel verified: chat=%s user=%s", chat.id, user_id)
    return ChannelInfo(chat.id, title, chat.username)

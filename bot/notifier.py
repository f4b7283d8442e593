"""Tells post owners in their chat what happened to their posts."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot import keyboards, texts
from bot.formatting import account_label, duration, local_time, snippet
from domain.model import User
from domain.ports import Outcome

logger = logging.getLogger(__name__)

# Longest wait on a flood-control reply before giving up on a notification.
MAX_RETRY_AFTER = 30.0


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def post_published(self, user: User, outcome: Outcome) -> None:
        post = outcome.post
        label = _label(outcome)
        if post.url:
            link = f'<a href="{html.escape(post.url)}">{html.escape(post.url)}</a>'
            text = texts.POSTED.format(account=label, link=link, snippet=snippet(post.content))
        else:
            text = texts.POSTED_NO_LINK.format(account=label, snippet=snippet(post.content))
        if outcome.late_by is not None:
            text += "\n" + _late_text(outcome, outcome.late_by, user.timezone or post.timezone)
        await self._send(user, text, None, post.id)

    async def post_failed(self, user: User, outcome: Outcome) -> None:
        post = outcome.post
        reason = html.escape(post.failure_reason or "unknown error")
        text = texts.FAILED.format(
            account=_label(outcome), reason=reason, snippet=snippet(post.content)
        )
        await self._send(user, text, keyboards.failed(post), post.id)

    async def post_unknown(self, user: User, outcome: Outcome) -> None:
        post = outcome.post
        reason = html.escape(post.failure_reason or "the network did not answer")
        text = texts.UNKNOWN_OUTCOME.format(
            account=_label(outcome), reason=reason, snippet=snippet(post.content)
        )
        await self._send(user, text, keyboards.unknown_outcome(post), post.id)

    async def _send(
        self, user: User, text: str, markup: InlineKeyboardMarkup | None, post_id: int
    ) -> None:
        for attempt in (1, 2):
            try:
                await self._bot.send_message(
                    user.chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                return
            except Forbidden:
                logger.warning(
                    "user blocked the bot, not notified: user=%s post=%s", user.id, post_id
                )
                return
            except RetryAfter as error:
                wait = _seconds(error.retry_after)
                if attempt == 2 or wait > MAX_RETRY_AFTER:
                    raise
                logger.warning("notification rate-limited, retrying in %ss: post=%s", wait, post_id)
                await asyncio.sleep(wait)
            except TelegramError:
                logger.exception("notification failed: user=%s post=%s", user.id, post_id)
                return


def _label(outcome: Outcome) -> str:
    if outcome.account is None:
        return "your account"
    return account_label(outcome.account)


def _late_text(outcome: Outcome, late_by: timedelta, zone: str) -> str:
    when = local_time(outcome.post.run_at, zone)
    if outcome.post.attempts > 1:
        return texts.POSTED_LATE_RETRIED.format(
            late=duration(late_by), when=when, attempts=outcome.post.attempts
        )
    return texts.POSTED_LATE_DOWN.format(late=duration(late_by), when=when)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)

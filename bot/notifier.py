"""Tells post owners in their chat what happened to their posts."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError

from bot import keyboards, texts
from bot.formatting import account_label, duration, local_time, snippet
from domain.model import Account, Platform, PostStatus, User
from domain.ports import Outcome

logger = logging.getLogger(__name__)

# A flood-control pause up to this long is waited out in place; a longer one
# sends the notification later in the background, after at most
# MAX_DEFERRED_WAIT.
# NOTE: a deferred notification is lost if the process stops meanwhile.
MAX_RETRY_AFTER = 30.0
MAX_DEFERRED_WAIT = 600.0


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        # Notifications waiting out a long flood-control pause; kept so the
        # tasks are not garbage-collected while they sleep.
        self._deferred: set[asyncio.Task[None]] = set()

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

    async def posts_settled(self, user: User, outcomes: Sequence[Outcome]) -> None:
        lines = [texts.SETTLED_TITLE.format(snippet=snippet(outcomes[0].post.content))]
        platforms: dict[int, Platform] = {}
        for outcome in outcomes:
            post = outcome.post
            label = _label(outcome)
            platforms[post.id] = outcome.account.platform if outcome.account else Platform.TELEGRAM
            if post.status is PostStatus.POSTED and post.url:
                link = f'<a href="{html.escape(post.url)}">{html.escape(post.url)}</a>'
                lines.append(texts.SETTLED_POSTED.format(account=label, link=link))
            elif post.status is PostStatus.POSTED:
                lines.append(texts.SETTLED_POSTED_NO_LINK.format(account=label))
            elif post.status is PostStatus.FAILED:
                reason = html.escape(post.failure_reason or "unknown error")
                lines.append(texts.SETTLED_FAILED.format(account=label, reason=reason))
            else:
                reason = html.escape(post.failure_reason or "the network did not answer")
                lines.append(texts.SETTLED_UNKNOWN.format(account=label, reason=reason))
        markup = keyboards.settled([o.post for o in outcomes], platforms)
        await self._send(user, "\n".join(lines), markup, outcomes[0].post.id)

    async def account_connected(self, user: User, account: Account) -> None:
        example = account.platform.display_name
        text = texts.ACCOUNT_CONNECTED.format(
            platform=account.platform.display_name,
            name=html.escape(account.display_name),
            example=html.escape(example),
        )
        await self._send(user, text, None, None)

    async def login_failed(self, user: User, platform: Platform, reason: str) -> None:
        text = texts.LOGIN_FAILED.format(platform=platform.display_name, reason=html.escape(reason))
        await self._send(user, text, None, None)

    async def token_expiring(self, user: User, account: Account) -> None:
        if account.token_expires_at is None:
            return
        text = texts.TOKEN_EXPIRING.format(
            platform=account.platform.display_name,
            name=html.escape(account.display_name),
            when=local_time(account.token_expires_at, user.timezone or "UTC"),
        )
        await self._send(user, text, None, None)

    async def _send(
        self, user: User, text: str, markup: InlineKeyboardMarkup | None, post_id: int | None
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
                if attempt == 2:
                    raise
                if wait > MAX_RETRY_AFTER:
                    # Too long to hold up publishing: send it later, in the background.
                    self._send_later(user, text, markup, post_id, wait)
                    return
                logger.warning("notification rate-limited, retrying in %ss: post=%s", wait, post_id)
                await asyncio.sleep(wait)
            except TelegramError:
                logger.exception("notification failed: user=%s post=%s", user.id, post_id)
                return

    def _send_later(
        self,
        user: User,
        text: str,
        markup: InlineKeyboardMarkup | None,
        post_id: int | None,
        wait: float,
    ) -> None:
        logger.warning("notification rate-limited, sending in %ss: post=%s", wait, post_id)

        async def send() -> None:
            await asyncio.sleep(min(wait, MAX_DEFERRED_WAIT))
            try:
                await self._send(user, text, markup, post_id)
            except TelegramError:
                logger.exception("deferred notification failed: user=%s post=%s", user.id, post_id)

        task = asyncio.create_task(send(), name=f"notify-later-{post_id}")
        self._deferred.add(task)
        task.add_done_callback(self._deferred.discard)


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

"""Schedule requests: from a message to the preview, asking for what is missing."""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.context import BotDeps, deps
from bot.formatting import account_label
from bot.handlers.common import answers_first, edit, register_user, reply
from bot.handlers.preview import render_preview, send_preview, understood_time
from bot.handlers.setup import ask_timezone
from bot.questions import date_order, day_month, time_question_text
from domain import scheduling
from domain.model import Account, DateOrder, DialogueState, Platform, User
from domain.parsing import (
    Ask,
    ScheduleRequest,
    ScheduleTime,
    TimeQuestion,
    parse_request,
)
from domain.targets import (
    AmbiguousAccount,
    NoPlatformNamed,
    NotConnected,
    PlatformUnavailable,
    resolve_targets,
)

logger = logging.getLogger(__name__)

# A plain message counts as the draft of the next request for this long:
# "just before", so that old chatter never becomes a post.
DRAFT_LIFETIME = timedelta(minutes=30)


async def request_or_draft(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, message: Message
) -> None:
    """A plain message: a schedule request gets a preview; anything else becomes the draft."""
    text = message.text or ""
    reply_content = _replied_content(message, context.bot.id)
    replied = message.reply_to_message
    # A reply names its content. A reply to one of the bot's own messages
    # names none, so it must not fall back on an older draft either.
    pending = {
        "text": text,
        "reply_content": reply_content,
        "no_draft": replied is not None,
    }
    if user.timezone is None and _looks_like_request(text):
        await ask_timezone(update, context, user, pending={"request": pending})
        return
    await replay_request(update, context, user, pending)


async def replay_request(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    pending: dict[str, Any],
    time: ScheduleTime | None = None,
) -> None:
    """Handle a request message, now or after the bot asked for what it lacked.

    `pending` is the request as sent (its text and the content it replied
    to); `time` replaces the request's own time when the user answered
    "when?" separately.
    """
    bot_deps = deps(context)
    services = bot_deps.services
    now = services.clock.now()
    text = str(pending.get("text") or "")
    reply_content = pending.get("reply_content")

    if user.timezone is None:
        await ask_timezone(update, context, user, pending={"request": pending})
        return
    request = parse_request(text, now=now, tz=ZoneInfo(user.timezone), date_order=date_order(user))
    if request is None:
        await _keep_draft(update, context, user, text)
        return
    if time is not None:
        request = dataclasses.replace(request, time=time)
    request = _settle_single_reading(request)

    if await _asked(update, context, user, request, pending):
        return
    accounts = await _targets(update, bot_deps, user, request)
    if accounts is None:
        return
    if not isinstance(request.time, ScheduleTime):
        await services.store.dialogues.expect(
            user.id, DialogueState.REQUEST_TIME, now, payload={"request": pending}
        )
        await reply(update, texts.ASK_TIME)
        return
    content = reply_content or request.content
    from_draft = False
    if not content and not pending.get("no_draft"):
        content = await _draft(bot_deps, user, now)
        from_draft = content is not None
    if not content or not scheduling.has_visible_text(str(content)):
        await services.store.dialogues.expect(
            user.id, DialogueState.CONTENT, now, payload={"request": pending}
        )
        await reply(update, texts.ASK_CONTENT)
        return

    preview = await scheduling.prepare_preview(
        services, user.id, accounts, str(content), request.time.run_at, user.timezone
    )
    if not preview.posts:
        # Too long: shown so the user sees by how much, but nothing is stored.
        await reply(update, render_preview(bot_deps, user, preview, request.time.notes))
        return
    if from_draft:
        await services.store.dialogues.clear_draft(user.id, now)
    await send_preview(update, bot_deps, user, preview, request.time.notes)


def _settle_single_reading(request: ScheduleRequest) -> ScheduleRequest:
    """An ambiguous numeric date with one reading still ahead means that reading.

    The preview shows the full date, so the user sees which one was taken.
    """
    time = request.time
    if isinstance(time, TimeQuestion) and time.reason is Ask.DATE_ORDER:
        if len(time.choices) == 1:
            settled = ScheduleTime(time.choices[0], frozenset(), time.phrase)
            return dataclasses.replace(request, time=settled)
    return request


async def request_time_answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    text: str,
    payload: dict[str, Any],
) -> None:
    """Complete the request kept in the dialogue with the time the bot asked for."""
    services = deps(context).services
    time = await understood_time(update, user, text, services.clock.now())
    request = payload.get("request")
    if time is None or not isinstance(request, dict):
        return
    await services.store.dialogues.clear(user.id, services.clock.now())
    await replay_request(update, context, user, request, time)


async def content_answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    text: str,
    payload: dict[str, Any],
) -> None:
    """Complete the request kept in the dialogue with the content the bot asked for."""
    services = deps(context).services
    await services.store.dialogues.clear(user.id, services.clock.now())
    request = payload.get("request")
    if not isinstance(request, dict):
        await reply(update, texts.NOT_UNDERSTOOD)
        return
    await replay_request(update, context, user, {**request, "reply_content": text})


async def _asked(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    request: ScheduleRequest,
    pending: dict[str, Any],
) -> bool:
    """Reply with the question a request leaves open; False when there is none."""
    bot_deps = deps(context)
    if request.ask is Ask.UNKNOWN_PLATFORM:
        name = html.escape((request.unknown_platform or "")[:40])
        await reply(
            update, texts.UNKNOWN_PLATFORM.format(name=name, available=_available(bot_deps))
        )
        return True
    time = request.time
    if not isinstance(time, TimeQuestion):
        # No time at all is asked for after the targets are known.
        return False
    zone = user.timezone or "UTC"
    if time.reason is Ask.DATE_ORDER and len(time.choices) == 2:
        services = bot_deps.services
        await services.store.dialogues.expect(
            user.id, DialogueState.DATE_ORDER, services.clock.now(), payload={"date_order": pending}
        )
        first, second = (day_month(choice, zone) for choice in time.choices)
        await reply(
            update,
            texts.ASK_DATE_ORDER.format(
                phrase=html.escape(time.phrase), first=first, second=second
            ),
            keyboards.date_order(first, second),
        )
        return True
    await reply(update, time_question_text(time, zone))
    return True


@answers_first
async def date_order_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remembers how the user writes numeric dates and runs the request that asked."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.DATE_ORDER_PATTERN, query.data)
    if match is None:
        return

    services = deps(context).services
    order = DateOrder(match.group(1))
    await services.store.users.set_date_order(user.id, order)
    example = "day/month" if order is DateOrder.DMY else "month/day"
    await edit(query, texts.DATE_ORDER_SET.format(example=example))

    dialogue = await services.store.dialogues.get(user.id)
    pending = dialogue.payload.get("date_order")
    await services.store.dialogues.clear(user.id, services.clock.now())
    updated = await services.store.users.get(user.id)
    if isinstance(pending, dict) and updated is not None:
        await replay_request(update, context, updated, pending)


async def _targets(
    update: Update, bot_deps: BotDeps, user: User, request: ScheduleRequest
) -> list[Account] | None:
    """Return the accounts a request names, or None after replying what is missing."""
    accounts = await bot_deps.services.store.accounts.list_connected(user.id)
    result = resolve_targets(request.platforms, request.channel, accounts, bot_deps.available)
    if isinstance(result, list):
        return result

    if isinstance(result, PlatformUnavailable):
        names = ", ".join(p.display_name for p in result.platforms)
        await reply(
            update,
            texts.PLATFORM_NOT_AVAILABLE.format(platforms=names, available=_available(bot_deps)),
        )
    elif isinstance(result, NotConnected) and result.channel:
        await reply(update, texts.CHANNEL_NOT_CONNECTED.format(channel=html.escape(result.channel)))
    elif isinstance(result, NotConnected):
        await reply(update, texts.NOT_CONNECTED.format(platform=_platform_noun(result.platform)))
    elif isinstance(result, AmbiguousAccount):
        await reply(
            update,
            texts.AMBIGUOUS_ACCOUNT.format(
                platform=result.platform.display_name,
                accounts=_account_lines(result.accounts),
                example=_example_name(result.accounts[0]),
            ),
        )
    elif isinstance(result, NoPlatformNamed) and result.accounts:
        await reply(
            update,
            texts.ASK_PLATFORM_WITH_ACCOUNTS.format(
                accounts=_account_lines(result.accounts), example=_example_name(result.accounts[0])
            ),
        )
    else:
        await reply(update, texts.NO_ACCOUNTS)
    return None


async def _keep_draft(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, text: str
) -> None:
    services = deps(context).services
    if not text.strip():
        await reply(update, texts.NOT_UNDERSTOOD)
        return
    await services.store.dialogues.save_draft(user.id, text, services.clock.now())
    await reply(update, texts.DRAFT_SAVED)


async def _draft(bot_deps: BotDeps, user: User, now: datetime) -> str | None:
    dialogue = await bot_deps.services.store.dialogues.get(user.id)
    if dialogue.draft_text is None or dialogue.draft_at is None:
        return None
    if now - dialogue.draft_at > DRAFT_LIFETIME:
        return None
    return dialogue.draft_text


def _replied_content(message: Message, bot_id: int) -> str | None:
    replied = message.reply_to_message
    if replied is None:
        return None
    if replied.from_user is not None and replied.from_user.id == bot_id:
        return None
    return replied.text or replied.caption


def _looks_like_request(text: str) -> bool:
    # Whether a text is a request at all does not depend on the zone.
    return parse_request(text, now=datetime.now(ZoneInfo("UTC")), tz=ZoneInfo("UTC")) is not None


def _available(bot_deps: BotDeps) -> str:
    return ", ".join(_platform_noun(p) for p in bot_deps.available)


def _platform_noun(platform: Platform) -> str:
    return "Telegram channels" if platform is Platform.TELEGRAM else platform.display_name


def _account_lines(accounts: tuple[Account, ...]) -> str:
    return "\n".join(f"• {account_label(a)}" for a in accounts)


def _example_name(account: Account) -> str:
    if account.platform is Platform.TELEGRAM:
        return f"@{html.escape(account.handle)}" if account.handle else "my channel"
    return account.platform.display_name

"""Schedule requests: from a message to a preview, and the preview's buttons."""

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
from bot.formatting import account_label, characters, count, local_time, time_until
from bot.handlers.common import answers_first, edit, register_user, reply
from bot.handlers.setup import ask_timezone
from bot.questions import date_order, day_month, time_question_text
from domain import scheduling
from domain.errors import (
    AccountDisconnected,
    ContentTooLong,
    GroupNotFound,
    JobQueueError,
    NotOwner,
    TimeInPast,
    WrongState,
)
from domain.model import Account, AccountStatus, DateOrder, DialogueState, Platform, User
from domain.parsing import (
    Ask,
    ScheduleRequest,
    ScheduleTime,
    TimeNote,
    TimeQuestion,
    parse_request,
    parse_when,
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
# Longest part of the content shown in a preview, so header and content stay
# under the Bot API's 4096-character message limit.
PREVIEW_CONTENT_LIMIT = 3000

_NOTE_TEXTS = {
    TimeNote.DST_GAP: texts.NOTE_DST_GAP,
    TimeNote.DST_FOLD: texts.NOTE_DST_FOLD,
    TimeNote.BARE_HOUR: texts.NOTE_BARE_HOUR,
    TimeNote.DEFAULT_TIME: texts.NOTE_DEFAULT_TIME,
    TimeNote.NEXT_YEAR: texts.NOTE_NEXT_YEAR,
}


async def request_or_draft(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, message: Message
) -> None:
    """A plain message: a schedule request gets a preview; anything else becomes the draft."""
    text = message.text or ""
    reply_content = _replied_content(message, context.bot.id)
    replied = message.reply_to_message
    # A reply names its content; a reply to one of the bot's own messages
    # names none, and must not fall back on an older draft either.
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
    if not content and not pending.get("no_draft"):
        content = await _draft(bot_deps, user, now)
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
    """The time the bot asked for, completing the request kept in the dialogue."""
    services = deps(context).services
    time = await _understood_time(update, user, text, services.clock.now())
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
    """The content the bot asked for, completing the request kept in the dialogue."""
    services = deps(context).services
    await services.store.dialogues.clear(user.id, services.clock.now())
    request = payload.get("request")
    if not isinstance(request, dict):
        await reply(update, texts.NOT_UNDERSTOOD)
        return
    await replay_request(update, context, user, {**request, "reply_content": text})


async def send_preview(
    update: Update,
    bot_deps: BotDeps,
    user: User,
    preview: scheduling.Preview,
    notes: frozenset[TimeNote] = frozenset(),
) -> None:
    text = render_preview(bot_deps, user, preview, notes)
    markup = keyboards.preview(preview.group_id, _schedulable(preview))
    message = await reply(update, text, markup)
    if message is not None:
        await bot_deps.services.store.posts.set_preview_message(
            preview.group_id, message.chat_id, message.message_id
        )


def render_preview(
    bot_deps: BotDeps, user: User, preview: scheduling.Preview, notes: frozenset[TimeNote]
) -> str:
    now = bot_deps.services.clock.now()
    zone = user.timezone or "UTC"
    lines = [texts.PREVIEW_TITLE]
    for target in preview.lengths:
        lines.append(texts.PREVIEW_TARGET.format(account=account_label(target.account)))
    lines.append(
        texts.PREVIEW_WHEN.format(
            when=local_time(preview.run_at, zone),
            zone=html.escape(zone),
            until=time_until(preview.run_at, now),
        )
    )
    for target in preview.lengths:
        platform = target.account.platform.display_name
        lines.append(
            texts.PREVIEW_LENGTH.format(
                length=count(target.length), limit=count(target.limit), platform=platform
            )
        )
        if target.over_by:
            lines.append(
                texts.PREVIEW_TOO_LONG.format(platform=platform, over=characters(target.over_by))
            )
        if target.account.status is AccountStatus.NEEDS_RECONNECT:
            lines.append(
                texts.PREVIEW_NEEDS_RECONNECT.format(account=account_label(target.account))
            )
        expires_at = target.account.token_expires_at
        if expires_at and not target.account.refresh_token and expires_at < preview.run_at:
            lines.append(
                texts.PREVIEW_TOKEN_EXPIRES.format(
                    platform=platform, when=local_time(expires_at, zone)
                )
            )
    lines.extend(_NOTE_TEXTS[note] for note in sorted(notes) if note in _NOTE_TEXTS)
    lines.append("")
    lines.append(_content_excerpt(preview.content))
    return "\n".join(lines)


def _content_excerpt(content: str) -> str:
    if len(content) <= PREVIEW_CONTENT_LIMIT:
        return html.escape(content)
    shown = html.escape(content[:PREVIEW_CONTENT_LIMIT]) + "…"
    return (
        shown
        + "\n"
        + texts.PREVIEW_TRUNCATED.format(
            shown=count(PREVIEW_CONTENT_LIMIT), total=count(len(content))
        )
    )


def _schedulable(preview: scheduling.Preview) -> bool:
    return preview.fits and all(
        target.account.status is AccountStatus.ACTIVE for target in preview.lengths
    )


@answers_first
async def preview_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Schedule, Change time or Cancel on a preview."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.PREVIEW_PATTERN, query.data)
    if match is None:
        return
    action, group_id = match.groups()

    bot_deps = deps(context)
    try:
        if action == "s":
            await _schedule(update, bot_deps, user, group_id)
        elif action == "t":
            await _ask_new_time(update, bot_deps, user, group_id)
        else:
            await scheduling.cancel_group(bot_deps.services, user.id, group_id)
            await edit(query, texts.PREVIEW_CANCELLED)
    except NotOwner:
        await reply(update, texts.NOT_YOURS)
    except GroupNotFound:
        await reply(update, texts.PREVIEW_EXPIRED)
    except WrongState as error:
        await reply(update, texts.PREVIEW_ALREADY_DONE.format(status=_status_word(error.status)))


async def _schedule(update: Update, bot_deps: BotDeps, user: User, group_id: str) -> None:
    services = bot_deps.services
    query = update.callback_query
    try:
        posts = await scheduling.confirm_group(services, user.id, group_id)
    except ContentTooLong as error:
        await reply(
            update,
            texts.SCHEDULE_TOO_LONG.format(
                platform=Platform(error.platform).display_name,
                over=characters(error.length - error.limit),
            ),
        )
        return
    except TimeInPast as error:
        zone = user.timezone or "UTC"
        await reply(update, texts.TIME_IN_PAST.format(when=local_time(error.run_at, zone)))
        return
    except AccountDisconnected as error:
        await reply(update, texts.ACCOUNT_NO_LONGER_CONNECTED.format(name=html.escape(error.name)))
        return
    except JobQueueError:
        logger.exception("scheduling failed: group=%s user=%s", group_id, user.id)
        await reply(update, texts.SCHEDULE_FAILED_QUEUE)
        return

    zone = user.timezone or posts[0].timezone
    now = services.clock.now()
    run_at = posts[0].run_at
    done = texts.PREVIEW_SCHEDULED.format(
        when=local_time(run_at, zone), zone=html.escape(zone), until=time_until(run_at, now)
    )
    if query is not None:
        await edit(query, done + "\n\n" + _content_excerpt(posts[0].content))


async def _ask_new_time(update: Update, bot_deps: BotDeps, user: User, group_id: str) -> None:
    services = bot_deps.services
    preview = await scheduling.load_preview(services, user.id, group_id)
    if any(post.status.value != "draft" for post in preview.posts):
        raise WrongState(preview.posts[0].id, preview.posts[0].status, "change the time of")
    await services.store.dialogues.expect(
        user.id, DialogueState.PREVIEW_TIME, services.clock.now(), subject=group_id
    )
    await reply(update, texts.ASK_NEW_TIME)


async def preview_time_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, text: str, group_id: str
) -> None:
    """A new time for the preview of `group_id`; the same preview message is updated."""
    bot_deps = deps(context)
    services = bot_deps.services
    time = await _understood_time(update, user, text, services.clock.now())
    if time is None:
        return

    try:
        preview = await scheduling.change_preview_time(services, user.id, group_id, time.run_at)
    except (GroupNotFound, NotOwner):
        await services.store.dialogues.clear(user.id, services.clock.now())
        await reply(update, texts.PREVIEW_EXPIRED)
        return
    except WrongState as error:
        await services.store.dialogues.clear(user.id, services.clock.now())
        await reply(update, texts.PREVIEW_ALREADY_DONE.format(status=_status_word(error.status)))
        return
    await services.store.dialogues.clear(user.id, services.clock.now())

    await _update_preview_message(context, bot_deps, user, preview, time.notes)
    zone = user.timezone or "UTC"
    await reply(
        update,
        texts.PREVIEW_TIME_CHANGED.format(
            when=local_time(time.run_at, zone),
            zone=html.escape(zone),
            until=time_until(time.run_at, services.clock.now()),
        ),
    )


async def _update_preview_message(
    context: ContextTypes.DEFAULT_TYPE,
    bot_deps: BotDeps,
    user: User,
    preview: scheduling.Preview,
    notes: frozenset[TimeNote],
) -> None:
    group = await bot_deps.services.store.posts.get_group(preview.group_id)
    if group is None or group.preview_chat_id is None or group.preview_message_id is None:
        return
    await context.bot.edit_message_text(
        render_preview(bot_deps, user, preview, notes),
        chat_id=group.preview_chat_id,
        message_id=group.preview_message_id,
        parse_mode="HTML",
        reply_markup=keyboards.preview(preview.group_id, _schedulable(preview)),
    )


async def _understood_time(
    update: Update, user: User, text: str, now: datetime
) -> ScheduleTime | None:
    """Parse a time phrase; on failure, reply with the question and return None."""
    zone = user.timezone or "UTC"
    result = parse_when(text, now=now, tz=ZoneInfo(zone), date_order=date_order(user))
    if isinstance(result, ScheduleTime):
        return result
    await reply(update, time_question_text(result, zone))
    return None


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
    """The accounts a request names, or None after replying what is missing."""
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
    # Any zone gives the same answer to "is this a request at all?".
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


def _status_word(status: str) -> str:
    return {"scheduled": "scheduled", "cancelled": "cancelled", "posted": "posted"}.get(
        str(status), "handled"
    )

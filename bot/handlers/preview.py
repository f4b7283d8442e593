"""The preview of a request and its buttons: Schedule, Change time, Cancel."""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.context import BotDeps, deps
from bot.formatting import account_label, characters, count, local_time, time_until
from bot.handlers.common import answers_first, edit, register_user, reply
from bot.questions import date_order, time_question_text
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
from domain.model import AccountStatus, DialogueState, Platform, User
from domain.parsing import (
    ScheduleTime,
    TimeNote,
    parse_when,
)

logger = logging.getLogger(__name__)

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
    time = await understood_time(update, user, text, services.clock.now())
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


async def understood_time(
    update: Update, user: User, text: str, now: datetime
) -> ScheduleTime | None:
    """Parse a time phrase; on failure, reply with the question and return None."""
    zone = user.timezone or "UTC"
    result = parse_when(text, now=now, tz=ZoneInfo(zone), date_order=date_order(user))
    if isinstance(result, ScheduleTime):
        return result
    await reply(update, time_question_text(result, zone))
    return None


def _status_word(status: str) -> str:
    return {"scheduled": "scheduled", "cancelled": "cancelled", "posted": "posted"}.get(
        str(status), "handled"
    )

"""/queue and the buttons on queued and published posts."""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.context import deps
from bot.formatting import (
    account_label,
    characters,
    local_time,
    short_local_time,
    snippet,
    time_until,
)
from bot.handlers.accounts import channel_problem_text
from bot.handlers.common import answers_first, edit, register_user, reply
from bot.questions import date_order, time_question_text
from domain import scheduling
from domain.errors import (
    ContentTooLong,
    EmptyContent,
    GroupNotFound,
    JobQueueError,
    NotOwner,
    PostNotFound,
    TimeInPast,
    WrongState,
)
from domain.model import AccountStatus, DialogueState, Platform, Post, PostStatus, User
from domain.parsing import ScheduleTime, parse_when
from domain.services import Services
from networks.telegram import ChannelCheckFailed, verify_channel

logger = logging.getLogger(__name__)

PAGE_SIZE = 5


async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists upcoming posts with Cancel, Move and Post now per post."""
    user = await register_user(update, context)
    if user is None:
        return
    text, markup = await _render_queue(deps(context).services, user, offset=0)
    await reply(update, text, markup)


async def _render_queue(
    services: Services, user: User, offset: int, status: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    total = await services.store.posts.count_upcoming(user.id)
    if offset >= total:
        offset = max(0, total - PAGE_SIZE)
    posts = await services.store.posts.list_upcoming(user.id, PAGE_SIZE, offset)
    lines = [status, ""] if status else []
    if not posts:
        lines.append(texts.QUEUE_EMPTY)
        return "\n".join(lines), None

    now = services.clock.now()
    zone = user.timezone or "UTC"
    accounts = {a.id: a for a in await services.store.accounts.list_connected(user.id)}
    lines.append(texts.QUEUE_TITLE.format(count=total))
    for number, post in enumerate(posts, start=offset + 1):
        account = accounts.get(post.account_id)
        target = html.escape(account.display_name) if account else "?"
        lines.append(
            texts.QUEUE_ITEM.format(
                number=number,
                when=short_local_time(post.run_at, zone, now),
                target=target,
                snippet=snippet(post.content),
            )
        )
    if total > PAGE_SIZE:
        lines.append(
            texts.QUEUE_PAGE.format(first=offset + 1, last=offset + len(posts), count=total)
        )
    markup = keyboards.queue(posts, offset + 1, offset, total, PAGE_SIZE)
    return "\n".join(lines), markup


@answers_first
async def queue_page_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Earlier / Later under the queue list."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.QUEUE_PAGE_PATTERN, query.data)
    if match is None:
        return
    text, markup = await _render_queue(deps(context).services, user, int(match.group(1)))
    await edit(query, text, markup)


@answers_first
async def queue_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Cancel, Move or Post now on one queued post; the list is redrawn in place."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.QUEUE_PATTERN, query.data)
    if match is None:
        return
    action, post_id = match.group(1), int(match.group(2))

    services = deps(context).services
    try:
        post = await scheduling.owned_post(services, user.id, post_id)
        if action == "r":
            await _ask_reschedule_time(update, services, user, post)
            return
        if action == "c":
            await scheduling.cancel_post(services, user.id, post_id)
            status = texts.QUEUE_CANCELLED.format(snippet=snippet(post.content))
        else:
            await scheduling.post_now(services, user.id, post_id)
            status = texts.QUEUE_POSTING_NOW.format(snippet=snippet(post.content))
    except (PostNotFound, NotOwner, WrongState, JobQueueError) as error:
        await reply(update, _error_text(error))
        return

    text, markup = await _render_queue(services, user, 0, status)
    await edit(query, text, markup)


async def _ask_reschedule_time(update: Update, services: Services, user: User, post: Post) -> None:
    if post.status.value != "scheduled":
        raise WrongState(post.id, post.status, "reschedule")
    await services.store.dialogues.expect(
        user.id, DialogueState.RESCHEDULE_TIME, services.clock.now(), subject=str(post.id)
    )
    await reply(update, texts.ASK_RESCHEDULE_TIME.format(snippet=snippet(post.content)))


async def reschedule_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, text: str, post_id: int
) -> None:
    """The new time for a post being moved from /queue."""
    services = deps(context).services
    now = services.clock.now()
    zone = user.timezone or "UTC"
    result = parse_when(text, now=now, tz=ZoneInfo(zone), date_order=date_order(user))
    if not isinstance(result, ScheduleTime):
        await reply(update, time_question_text(result, zone))
        return

    await services.store.dialogues.clear(user.id, now)
    try:
        post = await scheduling.reschedule_post(services, user.id, post_id, result.run_at)
    except TimeInPast as error:
        await reply(update, texts.TIME_IN_PAST.format(when=local_time(error.run_at, zone)))
        return
    except (PostNotFound, NotOwner, WrongState, JobQueueError) as error:
        await reply(update, _error_text(error))
        return
    await reply(update, _rescheduled_text(post, zone, now))


def _rescheduled_text(post: Post, zone: str, now: datetime) -> str:
    return texts.RESCHEDULED.format(
        snippet=snippet(post.content),
        when=local_time(post.run_at, zone),
        zone=html.escape(zone),
        until=time_until(post.run_at, now),
    )


@answers_first
async def result_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Retry on a failed post; Post again / It was posted on a post with an unknown outcome."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.RESULT_PATTERN, query.data)
    if match is None:
        return
    action, post_id = match.group(1), int(match.group(2))

    services = deps(context).services
    try:
        if action == "done":
            post = await scheduling.confirm_posted(services, user.id, post_id)
            await edit(query, texts.MARKED_POSTED.format(snippet=snippet(post.content)))
            return
        if not await _account_ready(update, context, user, post_id):
            return
        post = await scheduling.retry_post(services, user.id, post_id)
    except (PostNotFound, NotOwner, WrongState, JobQueueError) as error:
        await reply(update, _error_text(error))
        return
    await edit(query, texts.RETRYING.format(snippet=snippet(post.content)))


async def _account_ready(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, post_id: int
) -> bool:
    """Before a retry, check again a channel that lost the bot's rights.

    The user may have fixed the rights since; then the account is active
    again. Otherwise they hear what is still missing, and nothing changes.
    """
    services = deps(context).services
    post = await scheduling.owned_post(services, user.id, post_id)
    account = await services.store.accounts.get(post.account_id)
    if account is None or account.status is not AccountStatus.NEEDS_RECONNECT:
        return True
    if account.platform is not Platform.TELEGRAM:
        await reply(update, texts.RECONNECT_FIRST.format(account=account_label(account)))
        return False

    try:
        await verify_channel(context.bot, int(account.external_id), user.id)
    except ChannelCheckFailed as error:
        await reply(
            update,
            channel_problem_text(
                error, html.escape(account.display_name), context.bot.username or ""
            ),
        )
        return False
    except TelegramError:
        await reply(update, texts.TELEGRAM_UNREACHABLE)
        return False
    await services.store.accounts.set_status(account.id, AccountStatus.ACTIVE, services.clock.now())
    return True


@answers_first
async def edit_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edit on a post the network rejected: asks for the new text."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.EDIT_PATTERN, query.data)
    if match is None:
        return

    services = deps(context).services
    try:
        post = await scheduling.owned_post(services, user.id, int(match.group(1)))
    except (PostNotFound, NotOwner) as error:
        await reply(update, _error_text(error))
        return
    if post.status is not PostStatus.FAILED:
        await reply(update, _error_text(WrongState(post.id, post.status, "edit")))
        return
    await services.store.dialogues.expect(
        user.id, DialogueState.EDIT_CONTENT, services.clock.now(), subject=str(post.id)
    )
    await reply(update, texts.ASK_EDITED_CONTENT.format(snippet=snippet(post.content)))


async def edited_content_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, text: str, post_id: int
) -> None:
    """The new text for a rejected post: it is checked, stored and posted at once."""
    services = deps(context).services
    try:
        await scheduling.edit_and_retry(services, user.id, post_id, text)
    except ContentTooLong as error:
        platform = Platform(error.platform).display_name
        over = characters(error.length - error.limit)
        await reply(update, texts.SCHEDULE_TOO_LONG.format(platform=platform, over=over))
        return
    except EmptyContent:
        await reply(update, texts.ASK_EDITED_CONTENT.format(snippet="…"))
        return
    except (PostNotFound, NotOwner, WrongState, JobQueueError) as error:
        await services.store.dialogues.clear(user.id, services.clock.now())
        await reply(update, _error_text(error))
        return
    await services.store.dialogues.clear(user.id, services.clock.now())
    await reply(update, texts.EDITED)


@answers_first
async def retry_group_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Retry failed under a several-account result: only the failed posts run again."""
    query = update.callback_query
    user = await register_user(update, context)
    if query is None or query.data is None or user is None:
        return
    match = re.match(keyboards.RETRY_GROUP_PATTERN, query.data)
    if match is None:
        return

    services = deps(context).services
    try:
        posts = await scheduling.retry_group(services, user.id, match.group(1))
    except (GroupNotFound, NotOwner, WrongState, JobQueueError) as error:
        await reply(update, _error_text(error))
        return
    await reply(update, texts.RETRYING_FAILED.format(snippet=snippet(posts[0].content)))


def _error_text(error: Exception) -> str:
    if isinstance(error, NotOwner):
        return texts.NOT_YOURS
    if isinstance(error, PostNotFound | GroupNotFound):
        return texts.POST_GONE
    if isinstance(error, WrongState):
        return texts.POST_ALREADY.format(status=html.escape(str(error.status)))
    return texts.SCHEDULE_FAILED_QUEUE

"""Use cases from preview to queue: prepare, change time, confirm, cancel, reschedule."""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.errors import (
    AccountDisconnected,
    ContentTooLong,
    EmptyContent,
    GroupNotFound,
    JobQueueError,
    NotOwner,
    PostNotFound,
    TimeInPast,
    WrongState,
)
from domain.model import Account, AccountStatus, Post, PostStatus
from domain.services import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TargetLength:
    """The content's length on one account against that account's limit."""

    account: Account
    length: int
    limit: int

    @property
    def over_by(self) -> int:
        return max(0, self.length - self.limit)


@dataclass(frozen=True)
class Preview:
    """What a request would publish: content, instant, and its length on each account.

    `posts` contains the stored drafts; it is empty for a preview that was not
    stored because the content does not fit.
    """

    group_id: str
    posts: tuple[Post, ...]
    lengths: tuple[TargetLength, ...]
    run_at: datetime
    content: str

    @property
    def fits(self) -> bool:
        return all(target.over_by == 0 for target in self.lengths)


def _preview(group_id: str, posts: Sequence[Post], lengths: tuple[TargetLength, ...]) -> Preview:
    return Preview(group_id, tuple(posts), lengths, posts[0].run_at, posts[0].content)


async def prepare_preview(
    services: Services,
    user_id: int,
    accounts: Sequence[Account],
    content: str,
    run_at: datetime,
    timezone: str,
) -> Preview:
    """Store the request as draft posts, one per account, and return their preview.

    Nothing is queued: drafts wait for `confirm_group`. Content that does not
    fit an account is not stored: the preview shows by how much, with no posts.
    """
    content = content.strip()
    if not has_visible_text(content):
        raise EmptyContent()
    lengths = measure(services, accounts, content)
    if not all(target.over_by == 0 for target in lengths):
        return Preview("", (), lengths, run_at, content)

    group_id = uuid.uuid4().hex
    drafts = [(account.id, content) for account in accounts]
    posts = await services.store.posts.create_group(
        group_id, user_id, drafts, run_at, timezone, services.clock.now()
    )

    logger.info("drafts created: group=%s user=%s posts=%s", group_id, user_id, len(posts))
    return _preview(group_id, posts, lengths)


async def load_preview(services: Services, user_id: int, group_id: str) -> Preview:
    posts = await _owned_group(services, user_id, group_id)
    accounts = await _accounts_of(services, posts)
    return _preview(group_id, posts, measure(services, accounts, posts[0].content))


async def change_preview_time(
    services: Services, user_id: int, group_id: str, run_at: datetime
) -> Preview:
    """Give the drafts of a preview a new instant; only drafts can change this way."""
    posts = await _owned_group(services, user_id, group_id)
    now = services.clock.now()

    changed = []
    for post in posts:
        if post.status is not PostStatus.DRAFT:
            raise WrongState(post.id, post.status, "change the time of")
        moved = await services.store.posts.transition(
            post, PostStatus.DRAFT, now, run_at=run_at, due_at=run_at
        )
        if moved is None:
            raise WrongState(post.id, "changed meanwhile", "change the time of")
        changed.append(moved)

    accounts = await _accounts_of(services, changed)
    return _preview(group_id, changed, measure(services, accounts, changed[0].content))


async def confirm_group(services: Services, user_id: int, group_id: str) -> list[Post]:
    """Schedule every draft of a preview and enqueue its job.

    Each job is stored before its post moves to scheduled, so a queue that
    is down leaves the draft untouched and JobQueueError is raised: the
    preview stays usable. Posts of the group scheduled before the failure go
    back to draft with a new version, so their jobs find nothing to claim.
    """
    preview = await load_preview(services, user_id, group_id)
    now = services.clock.now()
    _check_confirmable(services, preview, now)
    run_at = max(preview.run_at, now)

    scheduled: list[Post] = []
    try:
        for post in preview.posts:
            scheduled.append(await _move_and_enqueue(services, post, run_at, "schedule"))
    except (JobQueueError, WrongState):
        await _back_to_draft(services, scheduled)
        raise

    services.queue.wake()
    logger.info("group scheduled: group=%s user=%s posts=%s", group_id, user_id, len(scheduled))
    return scheduled


async def cancel_group(services: Services, user_id: int, group_id: str) -> int:
    """Cancel a preview's drafts; returns how many were cancelled."""
    posts = await _owned_group(services, user_id, group_id)
    now = services.clock.now()

    cancelled = 0
    for post in posts:
        if post.status is PostStatus.DRAFT:
            if await services.store.posts.transition(post, PostStatus.CANCELLED, now):
                cancelled += 1
    if not cancelled:
        raise WrongState(posts[0].id, posts[0].status, "cancel")
    return cancelled


async def cancel_post(services: Services, user_id: int, post_id: int) -> Post:
    post = await owned_post(services, user_id, post_id)
    if post.status not in (PostStatus.SCHEDULED, PostStatus.DRAFT):
        raise WrongState(post.id, post.status, "cancel")

    cancelled = await services.store.posts.transition(
        post, PostStatus.CANCELLED, services.clock.now()
    )
    if cancelled is None:
        raise WrongState(post.id, "changed meanwhile", "cancel")

    await _cancel_job(services, post)
    logger.info("post cancelled: post=%s user=%s", post.id, user_id)
    return cancelled


async def reschedule_post(services: Services, user_id: int, post_id: int, run_at: datetime) -> Post:
    """Move a scheduled post to a new instant; its old job finds nothing to claim."""
    post = await owned_post(services, user_id, post_id)
    now = services.clock.now()
    if post.status is not PostStatus.SCHEDULED:
        raise WrongState(post.id, post.status, "reschedule")
    if run_at < now - services.policy.confirm_grace:
        raise TimeInPast(run_at)
    return await _requeue(services, post, max(run_at, now), "rescheduled")


async def post_now(services: Services, user_id: int, post_id: int) -> Post:
    post = await owned_post(services, user_id, post_id)
    if post.status is not PostStatus.SCHEDULED:
        raise WrongState(post.id, post.status, "publish")
    return await _requeue(services, post, services.clock.now(), "moved to now")


async def retry_post(services: Services, user_id: int, post_id: int) -> Post:
    """Schedule a failed post again, now, or one whose outcome was unknown ("Post again")."""
    post = await owned_post(services, user_id, post_id)
    if post.status not in (PostStatus.FAILED, PostStatus.UNKNOWN):
        raise WrongState(post.id, post.status, "retry")
    return await _requeue(services, post, services.clock.now(), "retried")


async def edit_and_retry(services: Services, user_id: int, post_id: int, content: str) -> Post:
    """Give a failed post new content and schedule it again, now."""
    post = await owned_post(services, user_id, post_id)
    if post.status is not PostStatus.FAILED:
        raise WrongState(post.id, post.status, "edit")
    content = content.strip()
    if not has_visible_text(content):
        raise EmptyContent()
    account = await services.store.accounts.get(post.account_id)
    if account is None:
        raise PostNotFound(post_id)
    [length] = measure(services, [account], content)
    if length.over_by:
        raise ContentTooLong(account.platform, length.length, length.limit)

    moved = await _move_and_enqueue(services, post, services.clock.now(), "edit", content=content)
    await _cancel_job(services, post)
    services.queue.wake()
    logger.info("post edited and retried: post=%s version=%s", post.id, moved.version)
    return moved


async def retry_group(services: Services, user_id: int, group_id: str) -> list[Post]:
    """Schedule again, now and together, the failed posts of a request; the others stay."""
    posts = await _owned_group(services, user_id, group_id)
    failed = [post for post in posts if post.status is PostStatus.FAILED]
    if not failed:
        raise WrongState(posts[0].id, posts[0].status, "retry")

    # One instant for all, so their outcomes are reported in one message.
    now = services.clock.now()
    return [await _requeue(services, post, now, "retried") for post in failed]


async def confirm_posted(services: Services, user_id: int, post_id: int) -> Post:
    """Record the owner's word that a post with an unknown outcome did go out."""
    post = await owned_post(services, user_id, post_id)
    if post.status is not PostStatus.UNKNOWN:
        raise WrongState(post.id, post.status, "mark as posted")

    now = services.clock.now()
    posted = await services.store.posts.transition(post, PostStatus.POSTED, now, published_at=now)
    if posted is None:
        raise WrongState(post.id, "changed meanwhile", "mark as posted")
    return posted


async def requeue_stalled(services: Services, older_than: timedelta) -> int:
    """Queue again scheduled posts whose job should have run `older_than` ago.

    Such a job was lost (the queue gave up while this server was unreachable).
    The new job has a new version, so the lost one can never publish too.
    """
    now = services.clock.now()
    requeued = 0
    for post in await services.store.posts.list_overdue(now - older_than):
        try:
            await _requeue(services, post, post.run_at, "requeued after its job was lost")
        except (WrongState, JobQueueError):
            logger.warning("stalled post not requeued: post=%s", post.id, exc_info=True)
            continue
        requeued += 1
    return requeued


async def owned_post(services: Services, user_id: int, post_id: int) -> Post:
    post = await services.store.posts.get(post_id)
    if post is None:
        raise PostNotFound(post_id)
    if post.user_id != user_id:
        raise NotOwner(user_id, f"post {post_id}")
    return post


def has_visible_text(content: str) -> bool:
    """False for text of only spaces and invisible format characters (zero-width space...)."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in content)


def measure(
    services: Services, accounts: Sequence[Account], content: str
) -> tuple[TargetLength, ...]:
    lengths = []
    for account in accounts:
        publisher = services.publishers[account.platform]
        length = publisher.measure(content)
        lengths.append(TargetLength(account, length, publisher.max_length(account)))
    return tuple(lengths)


def _check_confirmable(services: Services, preview: Preview, now: datetime) -> None:
    for post in preview.posts:
        if post.status is not PostStatus.DRAFT:
            raise WrongState(post.id, post.status, "schedule")
    for target in preview.lengths:
        if target.account.status is AccountStatus.DISCONNECTED:
            raise AccountDisconnected(target.account.id, target.account.display_name)
        if target.over_by:
            raise ContentTooLong(target.account.platform, target.length, target.limit)
    if preview.run_at < now - services.policy.confirm_grace:
        raise TimeInPast(preview.run_at)


async def _requeue(services: Services, post: Post, run_at: datetime, what: str) -> Post:
    """Schedule `post` anew at `run_at`; its old job finds nothing to claim."""
    moved = await _move_and_enqueue(services, post, run_at, what)
    await _cancel_job(services, post)
    services.queue.wake()
    logger.info("post %s: post=%s version=%s", what, post.id, moved.version)
    return moved


async def _move_and_enqueue(
    services: Services, post: Post, run_at: datetime, what: str, **values: Any
) -> Post:
    """Enqueue the job for the post's next version, then move the post to scheduled.

    The job comes first, so a queue that is down changes nothing. A delivery
    that arrives before the move is committed finds a newer version than the
    stored one and is retried by its queue (see execute_post). If the move
    loses a race, the job is cancelled, unless the winner stored that same
    job (a deduplicated publish).
    """
    version = post.version + 1
    job_id = await services.queue.enqueue(post.id, version, run_at)
    moved = await services.store.posts.transition(
        post,
        PostStatus.SCHEDULED,
        services.clock.now(),
        bump_version=True,
        run_at=run_at,
        due_at=run_at,
        job_id=job_id,
        failure_reason=None,
        failure_kind=None,
        **values,
    )
    if moved is None:
        current = await services.store.posts.get(post.id)
        if current is None or current.job_id != job_id:
            await services.queue.cancel(job_id)
        raise WrongState(post.id, current.status if current else "gone", what)
    return moved


async def _back_to_draft(services: Services, posts: Sequence[Post]) -> None:
    now = services.clock.now()
    for post in posts:
        current = await services.store.posts.get(post.id)
        if current is not None and current.status is PostStatus.SCHEDULED:
            await services.store.posts.transition(current, PostStatus.DRAFT, now, bump_version=True)


async def _cancel_job(services: Services, post: Post) -> None:
    if post.job_id is None:
        return
    try:
        await services.queue.cancel(post.job_id)
    except JobQueueError:
        # The post's version moved on, so the job finds nothing to claim.
        logger.warning("job cancel failed: post=%s job=%s", post.id, post.job_id, exc_info=True)


async def _owned_group(services: Services, user_id: int, group_id: str) -> list[Post]:
    group = await services.store.posts.get_group(group_id)
    if group is None:
        raise GroupNotFound(group_id)
    if group.user_id != user_id:
        raise NotOwner(user_id, f"group {group_id}")
    posts = await services.store.posts.list_group(group_id)
    if not posts:
        raise GroupNotFound(group_id)
    return posts


async def _accounts_of(services: Services, posts: Sequence[Post]) -> list[Account]:
    accounts = []
    for post in posts:
        account = await services.store.accounts.get(post.account_id)
        if account is None:
            raise GroupNotFound(post.group_id)
        accounts.append(account)
    return accounts

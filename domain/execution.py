"""Executing a due post: claim, publish, record the outcome, tell the owner.

Both job queues run posts through here, so a post behaves the same whichever
queue carries it. Every state change is a conditional transition, so a
duplicate, late or concurrent delivery finds nothing to claim and publishes
nothing.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import (
    AccountAccessLost,
    PermanentPublishError,
    PublishError,
    PublishOutcomeUnknown,
    TransientPublishError,
)
from domain.model import Account, AccountStatus, FailureKind, Post, PostStatus, User
from domain.oauth import fresh_account
from domain.ports import Outcome
from domain.services import Services

logger = logging.getLogger(__name__)


class Execution(enum.StrEnum):
    NOTHING_TO_CLAIM = "nothing_to_claim"  # duplicate, cancelled, rescheduled or done
    NOT_YET = "not_yet"  # the job is for a version not yet stored: try again shortly
    POSTED = "posted"
    FAILED = "failed"  # permanent: do not retry
    RETRY = "retry"  # transient: back to scheduled, try again later
    UNKNOWN = "unknown"  # sent, outcome not known: never retried automatically


@dataclass(frozen=True)
class ExecutionResult:
    execution: Execution
    post: Post | None = None
    retry_after: timedelta | None = None


async def execute_post(services: Services, post_id: int, version: int) -> ExecutionResult:
    """Claim post `post_id` at `version` and publish it, once."""
    now = services.clock.now()
    claimed = await services.store.posts.claim(post_id, version, now, now + services.policy.lease)
    if claimed is None:
        current = await services.store.posts.get(post_id)
        if current is not None and current.version < version:
            # The job was stored just before its post's move was committed.
            logger.info("job ahead of its post: post=%s version=%s", post_id, version)
            return ExecutionResult(Execution.NOT_YET, retry_after=timedelta(seconds=1))
        logger.info("nothing to claim: post=%s version=%s", post_id, version)
        return ExecutionResult(Execution.NOTHING_TO_CLAIM)
    return await run_claimed(services, claimed)


async def run_claimed(services: Services, post: Post) -> ExecutionResult:
    """Publish a post already moved to `publishing` and record what happened."""
    account = await services.store.accounts.get(post.account_id)
    if account is None or account.status is not AccountStatus.ACTIVE:
        error = AccountAccessLost("the account is no longer connected; reconnect it")
        return await _fail(services, post, account, error)

    publisher = services.publishers.get(account.platform)
    if publisher is None:
        error = AccountAccessLost(f"posting to {account.platform.display_name} is not set up")
        return await _fail(services, post, account, error)

    logger.info(
        "publishing: post=%s platform=%s attempt=%s", post.id, account.platform, post.attempts
    )
    try:
        account = await fresh_account(services, account)
        published = await publisher.publish(account, post)
    except PermanentPublishError as error:
        return await _fail(services, post, account, error)
    except TransientPublishError as error:
        return await _retry_later(services, post, account, error)
    except PublishOutcomeUnknown as error:
        return await _mark_unknown(services, post, account, error)

    now = services.clock.now()
    posted = await services.store.posts.transition(
        post,
        PostStatus.POSTED,
        now,
        external_id=published.external_id,
        url=published.url,
        published_at=now,
        lease_until=None,
    )
    if posted is None:
        # The lease ran out and the post was marked unknown mid-publish.
        logger.warning("posted after its lease expired: post=%s", post.id)
        return ExecutionResult(Execution.UNKNOWN, post)

    logger.info("posted: post=%s platform=%s", post.id, account.platform)
    await _report(services, posted, account)
    return ExecutionResult(Execution.POSTED, posted)


async def fail_after_retries(services: Services, post_id: int, version: int) -> bool:
    """Mark a scheduled post failed because its job queue gave up on it.

    Returns False (and changes nothing) when the post already moved on:
    posted, failed, cancelled or rescheduled.
    """
    post = await services.store.posts.get(post_id)
    if post is None or post.version != version or post.status is not PostStatus.SCHEDULED:
        return False

    reason = "the network stayed unavailable through every retry"
    failed = await services.store.posts.transition(
        post,
        PostStatus.FAILED,
        services.clock.now(),
        failure_reason=reason,
        failure_kind=FailureKind.RETRIES_EXHAUSTED,
    )
    if failed is None:
        return False

    logger.warning("post failed after retries: post=%s", post.id)
    await _report(services, failed)
    return True


async def expire_leases(services: Services) -> int:
    """Mark posts whose publishing lease ran out as unknown; returns how many.

    A lease runs out when the process publishing the post died or hung, so
    nobody knows whether the post went out.
    """
    now = services.clock.now()
    count = 0
    for post in await services.store.posts.list_expired_leases(now):
        unknown = await services.store.posts.transition(
            post,
            PostStatus.UNKNOWN,
            now,
            lease_until=None,
            failure_reason="publishing was interrupted",
        )
        if unknown is None:
            continue
        count += 1
        logger.warning("lease expired, outcome unknown: post=%s", post.id)
        await _report(services, unknown)
    return count


async def _fail(
    services: Services,
    post: Post,
    account: Account | None,
    error: PermanentPublishError,
    kind: FailureKind | None = None,
) -> ExecutionResult:
    if kind is None:
        lost = isinstance(error, AccountAccessLost)
        kind = FailureKind.ACCOUNT if lost else FailureKind.REJECTED
    now = services.clock.now()
    if account is not None and kind is FailureKind.ACCOUNT:
        if account.status is AccountStatus.ACTIVE:
            await services.store.accounts.set_status(account.id, AccountStatus.NEEDS_RECONNECT, now)

    failed = await services.store.posts.transition(
        post,
        PostStatus.FAILED,
        now,
        failure_reason=error.reason,
        failure_kind=kind,
        lease_until=None,
    )
    logger.warning("publish failed: post=%s kind=%s detail=%s", post.id, kind, error.detail)
    if failed is None:
        return ExecutionResult(Execution.UNKNOWN, post)

    await _report(services, failed, account)
    return ExecutionResult(Execution.FAILED, failed)


async def _retry_later(
    services: Services, post: Post, account: Account, error: TransientPublishError
) -> ExecutionResult:
    if post.attempts >= services.policy.max_attempts:
        exhausted = PermanentPublishError(
            f"{error.reason}, and it did not recover after {post.attempts} attempts",
            detail=error.detail,
        )
        return await _fail(services, post, account, exhausted, FailureKind.RETRIES_EXHAUSTED)

    now = services.clock.now()
    delay = services.policy.retry_delay(post.attempts)
    if error.retry_after is not None:
        delay = timedelta(seconds=error.retry_after)
    retried = await services.store.posts.transition(
        post, PostStatus.SCHEDULED, now, due_at=now + delay, lease_until=None
    )
    logger.warning(
        "publish failed, will retry: post=%s attempt=%s retry_after=%s detail=%s",
        post.id,
        post.attempts,
        error.retry_after,
        error.detail,
    )
    if retried is None:
        return ExecutionResult(Execution.UNKNOWN, post)
    return ExecutionResult(Execution.RETRY, retried, delay)


async def _mark_unknown(
    services: Services, post: Post, account: Account, error: PublishError
) -> ExecutionResult:
    unknown = await services.store.posts.transition(
        post,
        PostStatus.UNKNOWN,
        services.clock.now(),
        failure_reason=error.reason,
        lease_until=None,
    )
    logger.warning("publish outcome unknown: post=%s detail=%s", post.id, error.detail)
    if unknown is None:
        return ExecutionResult(Execution.UNKNOWN, post)

    await _report(services, unknown, account)
    return ExecutionResult(Execution.UNKNOWN, unknown)


async def _report(services: Services, post: Post, account: Account | None = None) -> None:
    """Tell the owner what became of `post`, together with the rest of its batch.

    A batch is the posts of one request due at the same instant (one per
    account). The owner gets one message when the whole batch has settled,
    and the group's report record makes sure only one process sends it. A
    batch of one needs no record: only the caller that moved the post to
    its outcome reports it.
    """
    batch = [
        p
        for p in await services.store.posts.list_group(post.group_id)
        if p.run_at == post.run_at and p.status not in _NOT_IN_BATCH
    ]
    if any(p.status in _UNSETTLED for p in batch):
        return
    if len(batch) > 1:
        fingerprint = "|".join(f"{p.id}:{p.version}:{p.status.value}" for p in batch)
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()
        if not await services.store.posts.claim_report(post.group_id, digest):
            return

    user = await services.store.users.get(post.user_id)
    if user is None:
        logger.warning("owner not found, not notified: post=%s user=%s", post.id, post.user_id)
        return
    known = {account.id: account} if account is not None else {}
    outcomes = []
    for member in batch:
        member_account = known.get(member.account_id)
        if member_account is None:
            member_account = await services.store.accounts.get(member.account_id)
        outcomes.append(Outcome(member, member_account, _lateness(services, member)))
    try:
        await _send_report(services, user, outcomes)
    except Exception:
        # A notification that cannot be sent must not change the post.
        logger.exception("notification failed: post=%s user=%s", post.id, user.id)


async def _send_report(services: Services, user: User, outcomes: list[Outcome]) -> None:
    if len(outcomes) > 1:
        await services.notifier.posts_settled(user, outcomes)
        return
    [outcome] = outcomes
    if outcome.post.status is PostStatus.POSTED:
        await services.notifier.post_published(user, outcome)
    elif outcome.post.status is PostStatus.FAILED:
        await services.notifier.post_failed(user, outcome)
    else:
        await services.notifier.post_unknown(user, outcome)


def _lateness(services: Services, post: Post) -> timedelta | None:
    if post.published_at is None:
        return None
    late_by = post.published_at - post.run_at
    return late_by if late_by >= services.policy.late_after else None


_NOT_IN_BATCH = frozenset({PostStatus.DRAFT, PostStatus.CANCELLED})
_UNSETTLED = frozenset({PostStatus.SCHEDULED, PostStatus.PUBLISHING})


def is_early(post: Post, now: datetime, tolerance: timedelta) -> bool:
    """True when a delivery arrived before the post's due time (clock skew, a hop)."""
    due = post.due_at or post.run_at
    return due - now > tolerance

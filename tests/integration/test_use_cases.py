"""Use cases on a real database with fake queue, publisher and notifier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain import scheduling
from domain.accounts import disconnect_account
from domain.clock import FakeClock
from domain.errors import (
    AccountAccessLost,
    ContentTooLong,
    EmptyContent,
    JobQueueError,
    NotOwner,
    PublishOutcomeUnknown,
    RejectedContent,
    TimeInPast,
    TransientPublishError,
    WrongState,
)
from domain.execution import (
    Execution,
    execute_post,
    expire_leases,
    fail_after_retries,
)
from domain.model import Account, AccountStatus, FailureKind, Platform, PostStatus
from domain.services import Services
from storage.database import Database
from storage.store import SqlAlchemyStore
from tests.fakes.doubles import FakeJobQueue, FakeNotifier, FakePublisher

START = datetime(2026, 3, 27, 15, 40, tzinfo=UTC)
USER = 100
OTHER_USER = 200


@dataclass
class World:
    services: Services
    store: SqlAlchemyStore
    queue: FakeJobQueue
    publisher: FakePublisher
    notifier: FakeNotifier
    clock: FakeClock
    account: Account


@pytest.fixture
async def world(database: Database) -> World:
    store = SqlAlchemyStore(database)
    queue, publisher, notifier = FakeJobQueue(), FakePublisher(limit=50), FakeNotifier()
    clock = FakeClock(START)
    services = Services(store, queue, clock, notifier, {Platform.TELEGRAM: publisher})
    for user_id in (USER, OTHER_USER):
        await store.users.upsert(user_id, user_id, "en", START)
    account = await store.accounts.connect(USER, Platform.TELEGRAM, "-1001", "Acme", START)
    return World(services, store, queue, publisher, notifier, clock, account)


async def _preview(world: World, content: str = "Hello", in_: timedelta = timedelta(hours=1)):
    return await scheduling.prepare_preview(
        world.services, USER, [world.account], content, START + in_, "Europe/Berlin"
    )


async def _scheduled(world: World, in_: timedelta = timedelta(hours=1)):
    preview = await _preview(world, in_=in_)
    [post] = await scheduling.confirm_group(world.services, USER, preview.group_id)
    return post


async def test_preview_stores_drafts_and_queues_nothing(world: World) -> None:
    preview = await _preview(world)

    assert [p.status for p in preview.posts] == [PostStatus.DRAFT]
    assert preview.lengths[0].length == 5
    assert world.queue.jobs == {}


async def test_preview_rejects_empty_content(world: World) -> None:
    with pytest.raises(EmptyContent):
        await _preview(world, content="   ")


async def test_confirm_schedules_and_enqueues(world: World) -> None:
    preview = await _preview(world)

    [post] = await scheduling.confirm_group(world.services, USER, preview.group_id)

    assert post.status is PostStatus.SCHEDULED
    assert post.version == 2
    assert post.job_id == f"fake:{post.id}:2"
    assert world.queue.jobs[post.job_id] == (post.id, 2, START + timedelta(hours=1))


async def test_confirm_twice_is_rejected(world: World) -> None:
    preview = await _preview(world)
    await scheduling.confirm_group(world.services, USER, preview.group_id)

    with pytest.raises(WrongState):
        await scheduling.confirm_group(world.services, USER, preview.group_id)
    assert len(world.queue.jobs) == 1


async def test_confirm_rejects_other_users_preview(world: World) -> None:
    preview = await _preview(world)

    with pytest.raises(NotOwner):
        await scheduling.confirm_group(world.services, OTHER_USER, preview.group_id)
    [post] = await world.store.posts.list_group(preview.group_id)
    assert post.status is PostStatus.DRAFT


async def test_preview_of_content_over_the_limit_stores_nothing(world: World) -> None:
    preview = await _preview(world, content="x" * 60)

    assert preview.posts == ()
    assert preview.lengths[0].over_by == 10
    assert not preview.fits
    assert await world.store.posts.count_upcoming(USER) == 0


async def test_confirm_rejects_a_time_that_passed(world: World) -> None:
    preview = await _preview(world, in_=timedelta(minutes=1))
    world.clock.advance(timedelta(minutes=10))

    with pytest.raises(TimeInPast):
        await scheduling.confirm_group(world.services, USER, preview.group_id)
    [post] = await world.store.posts.list_group(preview.group_id)
    assert post.status is PostStatus.DRAFT


async def test_failed_enqueue_leaves_the_preview_usable(world: World) -> None:
    preview = await _preview(world)
    world.queue.fail_enqueue = True

    with pytest.raises(JobQueueError):
        await scheduling.confirm_group(world.services, USER, preview.group_id)
    [draft] = await world.store.posts.list_group(preview.group_id)
    world.queue.fail_enqueue = False
    [post] = await scheduling.confirm_group(world.services, USER, preview.group_id)

    assert draft.status is PostStatus.DRAFT
    assert post.status is PostStatus.SCHEDULED
    assert post.version > draft.version


async def test_change_preview_time_moves_drafts(world: World) -> None:
    preview = await _preview(world)
    new_time = START + timedelta(days=2)

    changed = await scheduling.change_preview_time(world.services, USER, preview.group_id, new_time)

    assert changed.run_at == new_time
    assert changed.posts[0].status is PostStatus.DRAFT


async def test_cancel_post_cancels_its_job(world: World) -> None:
    post = await _scheduled(world)

    cancelled = await scheduling.cancel_post(world.services, USER, post.id)

    assert cancelled.status is PostStatus.CANCELLED
    assert world.queue.cancelled == [post.job_id]
    with pytest.raises(WrongState):
        await scheduling.cancel_post(world.services, USER, post.id)


async def test_cancel_rejects_other_users_post(world: World) -> None:
    post = await _scheduled(world)

    with pytest.raises(NotOwner):
        await scheduling.cancel_post(world.services, OTHER_USER, post.id)
    current = await world.store.posts.get(post.id)
    assert current is not None and current.status is PostStatus.SCHEDULED


async def test_reschedule_leaves_old_job_nothing_to_claim(world: World) -> None:
    post = await _scheduled(world)
    new_time = START + timedelta(days=1)

    moved = await scheduling.reschedule_post(world.services, USER, post.id, new_time)
    world.clock.advance(timedelta(days=2))
    old = await execute_post(world.services, post.id, post.version)
    new = await execute_post(world.services, moved.id, moved.version)

    assert moved.run_at == new_time
    assert post.job_id in world.queue.cancelled
    assert old.execution is Execution.NOTHING_TO_CLAIM
    assert new.execution is Execution.POSTED
    assert len(world.publisher.published) == 1


async def test_post_now_runs_at_once(world: World) -> None:
    post = await _scheduled(world, in_=timedelta(days=3))

    moved = await scheduling.post_now(world.services, USER, post.id)
    result = await execute_post(world.services, moved.id, moved.version)

    assert moved.run_at == moved.due_at
    assert result.execution is Execution.POSTED


async def test_execute_publishes_once(world: World) -> None:
    post = await _scheduled(world)
    world.clock.advance(timedelta(hours=1))

    first = await execute_post(world.services, post.id, post.version)
    second = await execute_post(world.services, post.id, post.version)

    assert first.execution is Execution.POSTED
    assert first.post is not None and first.post.url == "https://t.me/example/1"
    assert second.execution is Execution.NOTHING_TO_CLAIM
    assert world.publisher.published == [(post.id, "Hello")]
    assert world.notifier.kinds() == ["published"]


async def test_execute_reports_lateness(world: World) -> None:
    post = await _scheduled(world)
    world.clock.advance(timedelta(hours=3))

    await execute_post(world.services, post.id, post.version)

    [(_, _, outcome)] = world.notifier.sent
    assert outcome.late_by is not None
    assert timedelta(hours=2) <= outcome.late_by < timedelta(hours=2, minutes=1)


async def test_transient_error_schedules_a_retry(world: World) -> None:
    post = await _scheduled(world)
    world.publisher.errors.append(TransientPublishError("busy", retry_after=30))

    result = await execute_post(world.services, post.id, post.version)
    current = await world.store.posts.get(post.id)

    assert result.execution is Execution.RETRY
    assert result.retry_after == timedelta(seconds=30)
    assert current is not None and current.status is PostStatus.SCHEDULED
    assert current.version == post.version
    assert current.due_at is not None and current.due_at > world.clock.now()
    assert world.notifier.sent == []


async def test_transient_errors_fail_after_max_attempts(world: World) -> None:
    post = await _scheduled(world)
    attempts = world.services.policy.max_attempts
    world.publisher.errors.extend(TransientPublishError("busy") for _ in range(attempts))

    results = [await execute_post(world.services, post.id, post.version) for _ in range(attempts)]
    current = await world.store.posts.get(post.id)

    assert [r.execution for r in results] == [Execution.RETRY] * (attempts - 1) + [Execution.FAILED]
    assert current is not None and current.status is PostStatus.FAILED
    assert world.notifier.kinds() == ["failed"]


async def test_rejected_content_fails_without_retry(world: World) -> None:
    post = await _scheduled(world)
    world.publisher.errors.append(RejectedContent("too long"))

    result = await execute_post(world.services, post.id, post.version)

    assert result.execution is Execution.FAILED
    assert result.post is not None and result.post.failure_kind is FailureKind.REJECTED
    assert world.notifier.kinds() == ["failed"]


async def test_lost_access_marks_account_for_reconnect(world: World) -> None:
    post = await _scheduled(world)
    world.publisher.errors.append(AccountAccessLost("bot removed"))

    result = await execute_post(world.services, post.id, post.version)
    account = await world.store.accounts.get(world.account.id)

    assert result.post is not None and result.post.failure_kind is FailureKind.ACCOUNT
    assert account is not None and account.status is AccountStatus.NEEDS_RECONNECT


async def test_unknown_outcome_is_never_retried(world: World) -> None:
    post = await _scheduled(world)
    world.publisher.errors.append(PublishOutcomeUnknown("timed out"))

    result = await execute_post(world.services, post.id, post.version)
    again = await execute_post(world.services, post.id, post.version)

    assert result.execution is Execution.UNKNOWN
    assert again.execution is Execution.NOTHING_TO_CLAIM
    assert world.notifier.kinds() == ["unknown"]
    assert world.publisher.published == []


async def test_post_again_and_it_was_posted(world: World) -> None:
    first, second = await _scheduled(world), await _scheduled(world)
    world.publisher.errors.extend([PublishOutcomeUnknown("t"), PublishOutcomeUnknown("t")])
    await execute_post(world.services, first.id, first.version)
    await execute_post(world.services, second.id, second.version)

    again = await scheduling.retry_post(world.services, USER, first.id)
    posted = await scheduling.confirm_posted(world.services, USER, second.id)

    assert again.status is PostStatus.SCHEDULED
    assert posted.status is PostStatus.POSTED


async def test_expired_lease_becomes_unknown_once(world: World) -> None:
    post = await _scheduled(world)
    now = world.clock.now()
    await world.store.posts.claim(post.id, post.version, now, now + timedelta(minutes=5))
    world.clock.advance(timedelta(minutes=6))

    first = await expire_leases(world.services)
    second = await expire_leases(world.services)

    current = await world.store.posts.get(post.id)
    assert (first, second) == (1, 0)
    assert current is not None and current.status is PostStatus.UNKNOWN
    assert world.notifier.kinds() == ["unknown"]


async def test_failure_callback_fails_a_scheduled_post_once(world: World) -> None:
    post = await _scheduled(world)

    first = await fail_after_retries(world.services, post.id, post.version)
    second = await fail_after_retries(world.services, post.id, post.version)

    assert (first, second) == (True, False)
    assert world.notifier.kinds() == ["failed"]


async def test_failure_callback_after_success_changes_nothing(world: World) -> None:
    post = await _scheduled(world)
    await execute_post(world.services, post.id, post.version)

    assert await fail_after_retries(world.services, post.id, post.version) is False
    current = await world.store.posts.get(post.id)
    assert current is not None and current.status is PostStatus.POSTED


async def test_retry_of_failed_post_schedules_it_now(world: World) -> None:
    post = await _scheduled(world)
    world.publisher.errors.append(RejectedContent("nope"))
    await execute_post(world.services, post.id, post.version)

    retried = await scheduling.retry_post(world.services, USER, post.id)
    result = await execute_post(world.services, retried.id, retried.version)

    assert retried.failure_reason is None
    assert result.execution is Execution.POSTED


async def test_disconnect_cancels_upcoming_posts(world: World) -> None:
    await _scheduled(world)
    await _scheduled(world)

    cancelled = await disconnect_account(world.services, USER, world.account.id)
    account = await world.store.accounts.get(world.account.id)

    assert cancelled == 2
    assert account is not None and account.status is AccountStatus.DISCONNECTED
    assert await world.store.posts.count_upcoming(USER) == 0


async def test_disconnect_rejects_other_users_account(world: World) -> None:
    with pytest.raises(NotOwner):
        await disconnect_account(world.services, OTHER_USER, world.account.id)


async def test_job_ahead_of_its_post_is_tried_again(world: World) -> None:
    post = await _scheduled(world)

    result = await execute_post(world.services, post.id, post.version + 1)

    assert result.execution is Execution.NOT_YET
    assert result.retry_after == timedelta(seconds=1)


async def test_edit_and_retry_posts_the_new_content(world: World) -> None:
    post = await _scheduled(world)
    world.publisher.errors.append(RejectedContent("bad words"))
    await execute_post(world.services, post.id, post.version)

    edited = await scheduling.edit_and_retry(world.services, USER, post.id, "Better words")
    result = await execute_post(world.services, edited.id, edited.version)

    assert edited.content == "Better words"
    assert result.execution is Execution.POSTED
    assert world.publisher.published == [(post.id, "Better words")]


async def test_edit_rejects_content_over_the_limit_and_keeps_the_post(world: World) -> None:
    post = await _scheduled(world)
    world.publisher.errors.append(RejectedContent("bad words"))
    await execute_post(world.services, post.id, post.version)

    with pytest.raises(ContentTooLong):
        await scheduling.edit_and_retry(world.services, USER, post.id, "x" * 51)
    current = await world.store.posts.get(post.id)
    assert current is not None and current.status is PostStatus.FAILED
    assert current.content == "Hello"


async def test_edit_of_a_scheduled_post_is_rejected(world: World) -> None:
    post = await _scheduled(world)

    with pytest.raises(WrongState):
        await scheduling.edit_and_retry(world.services, USER, post.id, "New")

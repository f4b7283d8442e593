"""The QStash queue: signed deliveries, exactly one publish, hops and the failure callback."""

from __future__ import annotations

import asyncio
import base64
import json
import math
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from domain.model import PostStatus
from tests.e2e.conftest import MakeApp
from tests.e2e.harness import Harness, snapshot
from tests.fakes.qstash_server import FakeQStash
from tests.fakes.qstash_signing import new_signing_key
from tests.fakes.telegram_records import FakeChannel, FakeUser


@pytest.fixture
async def app(make_app: MakeApp) -> AsyncIterator[Harness]:
    async with make_app(queue="qstash") as harness:
        yield harness


def _qstash(app: Harness) -> FakeQStash:
    if app.qstash is None:
        raise AssertionError("this test needs the QStash queue")
    return app.qstash


async def _scheduled(
    app: Harness, request: str = "post this to my channel in 1 hour: Once"
) -> tuple[FakeUser, FakeChannel, str]:
    """A user with a channel and one scheduled post; returns its QStash message id."""
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, request)
    [post] = await app.posts()
    assert post.job_id is not None
    return user, channel, post.job_id


async def test_publish_carries_not_before_dedup_id_retries_and_failure_callback(
    app: Harness,
) -> None:
    _, _, job_id = await _scheduled(app)

    message = _qstash(app).message(job_id)
    [post] = await app.posts()

    assert message.destination == app.url + "/qstash/publish"
    assert message.not_before == math.ceil(post.run_at.timestamp())
    assert message.deduplication_id == f"post-{post.id}-v{post.version}"
    assert message.max_retries == 3
    assert message.failure_callback == app.url + "/qstash/failed"
    assert json.loads(message.body) == {
        "post_id": post.id,
        "version": post.version,
        "run_at": post.run_at.isoformat(),
    }


async def test_same_delivery_twice_publishes_once(app: Harness) -> None:
    _, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)

    app.advance(timedelta(hours=1))
    await qstash.wait_for_state(job_id, "delivered")
    statuses = await qstash.redeliver(job_id, copies=2)
    await app.wait_for_status(PostStatus.POSTED)

    assert statuses == [200, 200]
    assert len(app.telegram.bot_messages(channel.id)) == 1


async def test_concurrent_copies_publish_once(app: Harness) -> None:
    _, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)
    qstash.pause()

    app.advance(timedelta(hours=1))
    statuses = await qstash.redeliver(job_id, copies=4, concurrent=True)
    qstash.resume()
    await qstash.wait_idle()
    [post] = await app.wait_for_status(PostStatus.POSTED)

    assert statuses == [200, 200, 200, 200]
    assert post.attempts == 1
    assert len(app.telegram.bot_messages(channel.id)) == 1


@pytest.mark.parametrize(
    "defect",
    [
        {"key": "wrong"},
        {"tamper_body": True},
        {"sub": "https://evil.example/qstash/publish"},
        {"expired": True},
        {"not_yet_valid": True},
        {"no_signature": True},
        {"iss": "NotUpstash"},
    ],
    ids=[
        "wrong-key",
        "tampered-body",
        "wrong-url",
        "expired",
        "not-yet-valid",
        "missing",
        "issuer",
    ],
)
async def test_forged_delivery_is_rejected_and_changes_nothing(
    app: Harness, defect: dict[str, object]
) -> None:
    _, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)
    body = qstash.message(job_id).body
    if defect.get("key") == "wrong":
        defect = {"key": new_signing_key()}
    qstash.pause()
    app.advance(timedelta(hours=1))
    before = await snapshot(app.database_url)

    status = await qstash.send_forged(app.url + "/qstash/publish", body, **defect)  # type: ignore[arg-type]

    assert status == 401
    assert await snapshot(app.database_url) == before
    assert app.telegram.bot_messages(channel.id) == []


async def test_forged_failure_callback_is_rejected(app: Harness) -> None:
    _, _, job_id = await _scheduled(app)
    qstash = _qstash(app)
    callback = {"sourceBody": base64.b64encode(qstash.message(job_id).body).decode()}
    before = await snapshot(app.database_url)

    status = await qstash.send_forged(
        app.url + "/qstash/failed", json.dumps(callback), key=new_signing_key()
    )

    assert status == 401
    assert await snapshot(app.database_url) == before


async def test_next_key_is_accepted_after_rotation(app: Harness) -> None:
    _, channel, _ = await _scheduled(app)
    qstash = _qstash(app)

    qstash.rotate_keys()
    app.advance(timedelta(hours=1))
    post = await app.channel_post(channel.id, "Once")

    assert post.text == "Once"


async def test_cancel_before_delivery_cancels_the_message(app: Harness) -> None:
    user, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)

    listing = await app.say(user, "/queue", "Upcoming posts")
    await app.press(user, listing, "q:c:", "Cancelled", in_place=True)
    app.advance(timedelta(hours=2))
    await qstash.wait_idle()

    assert qstash.message(job_id).state == "cancelled"
    assert app.telegram.bot_messages(channel.id) == []


async def test_delivery_in_flight_after_cancel_finds_nothing(app: Harness) -> None:
    user, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)

    listing = await app.say(user, "/queue", "Upcoming posts")
    await app.press(user, listing, "q:c:", "Cancelled", in_place=True)
    app.advance(timedelta(hours=1))
    statuses = await qstash.redeliver(job_id)

    assert statuses == [200]
    assert app.telegram.bot_messages(channel.id) == []
    [post] = await app.posts()
    assert post.status is PostStatus.CANCELLED


async def test_old_delivery_after_reschedule_publishes_nothing(app: Harness) -> None:
    user, channel, old_job = await _scheduled(app)
    qstash = _qstash(app)

    listing = await app.say(user, "/queue", "Upcoming posts")
    await app.press(user, listing, "q:r:", "go out instead")
    await app.say(user, "in 3 hours", "moved to")
    app.advance(timedelta(hours=1))
    late_old = await qstash.redeliver(old_job)
    before_new = list(app.telegram.bot_messages(channel.id))
    app.advance(timedelta(hours=2))
    post = await app.channel_post(channel.id, "Once")
    [stored] = await app.wait_for_status(PostStatus.POSTED)

    assert late_old == [200]
    assert before_new == []
    assert post.text == "Once"
    assert stored.job_id != old_job
    assert qstash.message(old_job).state == "cancelled"


async def test_early_delivery_publishes_the_rest_of_the_wait(app: Harness) -> None:
    _, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)

    qstash.deliver_now(job_id)
    await qstash.wait_for_state(job_id, "delivered")
    [post] = await app.posts()
    forwarded = qstash.message(post.job_id or "")
    app.advance(timedelta(hours=1))
    published = await app.channel_post(channel.id, "Once")

    assert post.status is PostStatus.SCHEDULED
    assert post.job_id != job_id
    assert forwarded.not_before == math.ceil(post.run_at.timestamp())
    assert published.text == "Once"


async def test_post_thirty_days_ahead_travels_in_hops(app: Harness) -> None:
    _, channel, first_job = await _scheduled(app, "post this to my channel in 30 days: Far")
    qstash = _qstash(app)

    # A day at a time, so each hop is delivered near its own instant, as on QStash.
    for _ in range(30):
        app.advance(timedelta(days=1))
        await qstash.wait_idle()
    post = await app.channel_post(channel.id, "Far", timeout=10.0)
    await qstash.wait_idle()

    publishes = [m for m in qstash.messages() if m.destination.endswith("/qstash/publish")]
    assert post.text == "Far"
    assert qstash.message(first_job).not_before < (await app.posts())[0].run_at.timestamp()
    assert len(publishes) == 5
    assert all(m.not_before - m.created_at <= timedelta(days=7).total_seconds() for m in publishes)
    assert len(app.telegram.bot_messages(channel.id)) == 1


async def test_permanent_failure_answers_489_and_tells_the_user_once(app: Harness) -> None:
    user, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)
    app.telegram.delete_channel(channel.id)

    app.advance(timedelta(hours=1))
    await qstash.wait_for_state(job_id, "failed")
    await qstash.wait_idle()
    await asyncio.sleep(0.3)

    [attempt] = [d for d in qstash.deliveries() if d.message_id == job_id and not d.redelivery]
    assert attempt.status == 489
    failures = [m for m in app.telegram.bot_messages(user.id) if "Could not post" in (m.text or "")]
    assert len(failures) == 1
    [post] = await app.posts()
    assert post.status is PostStatus.FAILED


async def test_failure_callback_before_a_late_last_attempt(app: Harness) -> None:
    user, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)
    body = qstash.message(job_id).body
    qstash.pause()
    callback = {"sourceBody": base64.b64encode(body).decode(), "status": 500, "retried": 3}

    app.advance(timedelta(hours=1))
    status = await qstash.send_forged(app.url + "/qstash/failed", json.dumps(callback))
    late = await qstash.send_forged(app.url + "/qstash/publish", body)
    failure = await app.reply_to(user, "Could not post", after=0)

    assert (status, late) == (200, 200)
    assert "every retry" in (failure.text or "")
    assert app.telegram.bot_messages(channel.id) == []
    [post] = await app.posts()
    assert post.status is PostStatus.FAILED


async def test_failure_callback_after_success_changes_nothing(app: Harness) -> None:
    user, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)
    body = qstash.message(job_id).body
    app.advance(timedelta(hours=1))
    await app.channel_post(channel.id, "Once")
    await app.wait_for_status(PostStatus.POSTED)
    callback = {"sourceBody": base64.b64encode(body).decode(), "status": 500}

    status = await qstash.send_forged(app.url + "/qstash/failed", json.dumps(callback))
    await asyncio.sleep(0.2)

    assert status == 200
    assert [m for m in app.telegram.bot_messages(user.id) if "Could not" in (m.text or "")] == []
    [post] = await app.posts()
    assert post.status is PostStatus.POSTED


async def test_server_errors_are_retried_until_posted(app: Harness) -> None:
    _, channel, job_id = await _scheduled(app)
    qstash = _qstash(app)
    app.telegram.fail_next("sendMessage", 502, "Bad Gateway", times=2, chat_id=channel.id)

    app.advance(timedelta(hours=1))
    await qstash.wait_for_state(job_id, "delivered", timeout=10)
    [post] = await app.wait_for_status(PostStatus.POSTED)

    statuses = [d.status for d in qstash.deliveries() if d.message_id == job_id]
    assert statuses == [503, 503, 200]
    assert post.attempts == 3
    assert len(app.telegram.bot_messages(channel.id)) == 1


async def test_publish_failure_leaves_the_preview_usable(make_app: MakeApp) -> None:
    async with make_app(queue="qstash") as app:
        user = await app.onboard()
        await app.connect_channel(user)
        preview = await app.say(user, "post this to my channel in 1 hour: Later", "Preview")
        qstash = _qstash(app)
        qstash.stop()

        answer = await app.press(user, preview, "pv:s:", "couldn't queue")
        [post] = await app.posts()

    assert post.status is PostStatus.DRAFT
    assert "Tap Schedule again" in (answer.text or "")
    current = app.telegram.message(user.id, preview.message_id)
    assert current is not None and any(d.startswith("pv:s:") for d in current.callback_data)

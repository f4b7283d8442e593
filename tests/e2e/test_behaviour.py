"""What a user sees, run once with the local job queue and once with QStash."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from bot import texts
from domain.model import PostStatus
from tests.e2e.conftest import MakeApp
from tests.e2e.harness import Harness, plain
from tests.fakes.telegram_api import FakeTelegram


async def test_preview_queues_nothing_until_schedule(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)

    await app.say(user, "post this to my channel in 5 minutes: Draft only", "Preview")
    app.advance(timedelta(minutes=10))
    [post] = await app.posts()

    assert post.status is PostStatus.DRAFT
    assert app.telegram.bot_messages(channel.id) == []
    if app.qstash is not None:
        assert app.qstash.messages() == []


async def test_cancel_on_preview_cancels_the_drafts(app: Harness) -> None:
    user = await app.onboard()
    await app.connect_channel(user)

    preview = await app.say(user, "post this to my channel tomorrow 9am: Never mind", "Preview")
    cancelled = await app.press(
        user, preview, "pv:x:", plain(texts.PREVIEW_CANCELLED), in_place=True
    )
    [post] = await app.posts()

    assert cancelled.callback_data == []
    assert post.status is PostStatus.CANCELLED


async def test_change_time_updates_the_same_preview(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    preview = await app.say(user, "post this to my channel tomorrow 9am: Moved", "Preview")

    await app.press(user, preview, "pv:t:", "When should it go out instead?")
    await app.say(user, "in 2 hours", "New time")
    updated = app.telegram.message(user.id, preview.message_id)
    assert updated is not None
    scheduled = await app.press(user, updated, "pv:s:", "Scheduled", in_place=True)
    app.advance(timedelta(hours=2))
    post = await app.channel_post(channel.id, "Moved")

    assert "Fri 27 Mar 2026, 18:40" in (updated.text or "")
    assert "in 2 h" in (updated.text or "")
    assert "18:40" in (scheduled.text or "")
    assert post.text == "Moved"


async def test_reply_to_a_message_schedules_its_text(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    content = app.telegram.send_text(user.id, "Our spring release is out!")
    await app.reply_to(user, "Got it", after=0)

    preview = await app.say(
        user, "post this to my channel in 30 minutes", "Preview", reply_to=content.message_id
    )
    await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)
    app.advance(timedelta(minutes=30))
    post = await app.channel_post(channel.id)

    assert post.text == "Our spring release is out!"


async def test_plain_message_before_is_the_draft(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)

    saved = await app.say(user, "Doors open at 6pm on Friday", "Got it")
    await app.schedule(user, "post this to my channel in 1 hour")
    app.advance(timedelta(hours=1))
    post = await app.channel_post(channel.id)

    assert plain(texts.DRAFT_SAVED) in (saved.text or "")
    assert post.text == "Doors open at 6pm on Friday"


async def test_missing_time_is_asked_for(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)

    await app.say(user, "post this to my channel: Ask me when", "When should it go out?")
    await app.say(user, "in 15 minutes", "Preview")
    [draft] = await app.posts()
    preview = app.telegram.bot_messages(user.id)[-1]
    await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)
    app.advance(timedelta(minutes=15))
    post = await app.channel_post(channel.id)

    assert draft.content == "Ask me when"
    assert post.text == "Ask me when"


async def test_queue_lists_upcoming_posts_with_buttons(app: Harness) -> None:
    user = await app.onboard()
    await app.connect_channel(user)
    await app.schedule(user, "post this to my channel tomorrow 9am: First post")
    await app.schedule(user, "post this to my channel in 2 hours: Second post")

    listing = await app.say(user, "/queue", "Upcoming posts")

    text = listing.text or ""
    assert text.index("Second post") < text.index("First post")
    assert "Fri 27 Mar, 18:40" in text
    assert "Sat 28 Mar, 09:00" in text
    assert "Acme News" in text
    assert len([d for d in listing.callback_data if d.startswith("q:")]) == 6


async def test_cancel_from_queue_publishes_nothing(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel in 1 hour: Cancel me")

    listing = await app.say(user, "/queue", "Upcoming posts")
    after = await app.press(user, listing, "q:c:", "Cancelled", in_place=True)
    app.advance(timedelta(hours=2))
    await app.wait_for_status(PostStatus.CANCELLED)
    if app.qstash is not None:
        await app.qstash.wait_idle()

    assert plain(texts.QUEUE_EMPTY) in (after.text or "")
    assert app.telegram.bot_messages(channel.id) == []


async def test_reschedule_from_queue_publishes_once_at_the_new_time(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel in 1 hour: Rescheduled")

    listing = await app.say(user, "/queue", "Upcoming posts")
    await app.press(user, listing, "q:r:", "go out instead")
    moved = await app.say(user, "in 3 hours", "moved to")
    app.advance(timedelta(hours=1, minutes=30))
    await asyncio_settle(app)
    early = app.telegram.bot_messages(channel.id)
    app.advance(timedelta(hours=2))
    post = await app.channel_post(channel.id, "Rescheduled")
    await app.wait_for_status(PostStatus.POSTED)
    await asyncio_settle(app)

    assert "19:40" in (moved.text or "")
    assert early == []
    assert [m.text for m in app.telegram.bot_messages(channel.id)] == [post.text]


async def test_post_now_from_queue(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel next week: Right away")

    listing = await app.say(user, "/queue", "Upcoming posts")
    await app.press(user, listing, "q:n:", "now", in_place=True)
    post = await app.channel_post(channel.id, "Right away", timeout=2.0)

    assert post.text == "Right away"


async def test_lost_rights_fail_with_retry_and_reconnect(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel in 1 hour: Rights")
    app.telegram.set_member(channel.id, app.telegram.bot.id, "member")

    app.advance(timedelta(hours=1))
    failed = await app.reply_to(user, "Could not post to Acme News", after=0)
    app.telegram.set_member(channel.id, app.telegram.bot.id, "administrator")
    await app.press(user, failed, "r:retry:", "again", in_place=True)
    post = await app.channel_post(channel.id, "Rights")
    posted = await app.reply_to(user, "Posted to Acme News", after=failed.message_id)

    assert "administrator" in (failed.text or "")
    assert failed.callback_data[0].startswith("r:retry:")
    assert failed.callback_data[1].startswith("rc:")
    assert post.text == "Rights"
    assert "https://t.me/acme_news/" in (posted.text or "")


async def test_deleted_channel_fails_with_the_reason(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel in 1 hour: Gone")
    app.telegram.delete_channel(channel.id)

    app.advance(timedelta(hours=1))
    failed = await app.reply_to(user, "Could not post", after=0)
    [post] = await app.wait_for_status(PostStatus.FAILED)

    assert "no longer exists" in (failed.text or "")
    assert post.failure_reason is not None


async def test_rate_limit_is_retried_and_posts_once(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel in 1 hour: Busy")
    app.telegram.fail_next("sendMessage", 429, retry_after=1, chat_id=channel.id)

    app.advance(timedelta(hours=1))
    await app.wait_for_status(PostStatus.SCHEDULED)
    app.advance(timedelta(minutes=1))
    post = await app.channel_post(channel.id, "Busy")
    [stored] = await app.wait_for_status(PostStatus.POSTED)
    await asyncio_settle(app)

    assert post.text == "Busy"
    assert stored.attempts == 2
    assert len(app.telegram.bot_messages(channel.id)) == 1


async def test_restart_publishes_missed_posts_and_says_how_late(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel in 1 hour: While down")

    await app.restart(downtime=timedelta(hours=3))
    post = await app.channel_post(channel.id, "While down", timeout=10.0)
    late = await app.reply_to(user, "later than scheduled", after=0, timeout=10.0)

    assert post.text == "While down"
    assert "It went out 2 h" in (late.text or "")
    assert "postlater wasn't running" in (late.text or "")


async def test_preview_button_still_works_after_restart(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    preview = await app.say(user, "post this to my channel in 1 hour: Survives", "Preview")

    await app.restart()
    await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)
    app.advance(timedelta(hours=1))
    post = await app.channel_post(channel.id, "Survives")

    assert post.text == "Survives"


async def asyncio_settle(app: Harness, seconds: float = 0.5) -> None:
    """Give queued work a moment to run, so a test can show that nothing else happened."""
    if app.qstash is not None:
        await app.qstash.wait_idle()
    await asyncio.sleep(seconds)


async def test_rejected_post_can_be_edited_and_posted(app: Harness) -> None:
    user = await app.onboard()
    channel = await app.connect_channel(user)
    await app.schedule(user, "post this to my channel in 1 hour: First try")
    app.telegram.fail_next(
        "sendMessage", 400, "Bad Request: message text is empty", chat_id=channel.id
    )

    app.advance(timedelta(hours=1))
    failed = await app.reply_to(user, "Could not post", after=0)
    await app.press(user, failed, "e:", "Send the new text")
    await app.say(user, "Second try", "posting it now")
    post = await app.channel_post(channel.id, "Second try")

    assert [d.split(":")[0] for d in failed.callback_data] == ["r", "e"]
    assert post.text == "Second try"


async def test_timeout_after_sending_asks_the_user(make_app: MakeApp) -> None:
    async with make_app(NETWORK_TIMEOUT_SECONDS=0.5) as app:
        user = await app.onboard()
        channel = await app.connect_channel(user)
        await app.schedule(user, "post this to my channel in 1 hour: Maybe")
        await app.schedule(user, "post this to my channel in 2 hours: Again")
        app.telegram.delay_next("sendMessage", 1.5, chat_id=channel.id)

        app.advance(timedelta(hours=1))
        unsure = await app.reply_to(user, "I don't know whether", after=0)
        marked = await app.press(user, unsure, "r:done:", "was posted", in_place=True)
        app.telegram.delay_next("sendMessage", 1.5, chat_id=channel.id)
        app.advance(timedelta(hours=1))
        again = await app.reply_to(user, "I don't know whether", after=unsure.message_id)
        await app.press(user, again, "r:again:", "again now", in_place=True)
        await app.wait_for_status(PostStatus.POSTED, count=2)
        posts = app.telegram.bot_messages(channel.id)

    assert [d.split(":")[1] for d in unsure.callback_data] == ["done", "again"]
    assert "Noted" in (marked.text or "")
    assert [m.text for m in posts] == ["Maybe", "Again", "Again"]


async def test_removed_administrator_can_no_longer_post(app: Harness) -> None:
    owner = app.telegram.add_user("Owner")
    user = await app.onboard()
    channel = app.telegram.add_channel(
        "Company News",
        "company_news",
        creator=owner.id,
        admins=[user.id],
        bot_rights={"can_post_messages": True},
    )
    await app.say(user, "/connect", "@username")
    await app.say(user, "@company_news", "Connected")
    await app.schedule(user, "post this to my channel in 1 hour: Not any more")
    app.telegram.set_member(channel.id, user.id, "kicked")

    app.advance(timedelta(hours=1))
    failed = await app.reply_to(user, "Could not post", after=0)

    assert "no longer an administrator" in (failed.text or "")
    assert app.telegram.bot_messages(channel.id) == []


async def test_slow_telegram_call_for_one_user_does_not_stall_another(app: Harness) -> None:
    slow = await app.onboard("Ann")
    quick = await app.onboard("Ben")
    await app.say(slow, "/connect", "@username")
    app.telegram.delay_next("getChat", 3.0)

    app.telegram.send_text(slow.id, "@ann_channel")
    await asyncio.sleep(0.2)
    started = asyncio.get_running_loop().time()
    await app.say(quick, "/help", "Schedule a post", timeout=2.0)
    waited = asyncio.get_running_loop().time() - started

    assert waited < 1.5


async def test_button_pressed_while_down_still_works(database_url: str) -> None:
    offset = [0.0]
    with FakeTelegram(clock=lambda: time.time() + offset[0]) as telegram:
        app = await Harness(telegram, database_url).start()
        try:
            user = await app.onboard()
            channel = await app.connect_channel(user)
            preview = await app.say(user, "post this to my channel in 1 hour: Late", "Preview")
            await app.stop()
            data = next(d for d in preview.callback_data if d.startswith("pv:s:"))
            query = telegram.press_button(user.id, preview.chat_id, preview.message_id, data)
            offset[0] = 20.0  # the press is older than Telegram's answer window
            await app.start()
            scheduled = await telegram.wait_for_message(
                user.id,
                lambda m: m.message_id == preview.message_id and "Scheduled" in (m.text or ""),
            )
            app.advance(timedelta(hours=1))
            post = await app.channel_post(channel.id, "Late")
        finally:
            await app.stop()

    assert telegram.callback_answer(query) is None
    assert "Scheduled" in (scheduled.text or "")
    assert post.text == "Late"

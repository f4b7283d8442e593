"""A whole conversation over real HTTP: set up, connect a channel, schedule, publish."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.model import PostStatus
from tests.e2e.conftest import MakeApp


@pytest.mark.parametrize("queue", ["local", "qstash"])
@pytest.mark.parametrize("updates", ["polling", "webhook"])
async def test_walkthrough_from_start_to_posted(
    make_app: MakeApp, updates: str, queue: str
) -> None:
    async with make_app(updates=updates, queue=queue) as app:
        telegram = app.telegram
        user = telegram.add_user("Alice", language_code="en")

        ask = await app.say(user, "/start", "which timezone")
        await app.say(user, "Berlin", "Timezone set to Europe/Berlin")
        await app.say(user, "/connect", "@username")
        channel = telegram.add_channel(
            "Acme News", "acme_news", creator=user.id, bot_rights={"can_post_messages": True}
        )
        await app.say(user, "@acme_news", "Connected Acme News")
        preview = await app.say(
            user, "post this to my channel tomorrow 9am: We are hiring!", "Preview"
        )
        scheduled = await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)
        app.advance(timedelta(hours=17, minutes=20))
        post = await app.channel_post(channel.id, "We are hiring!")
        posted = await app.reply_to(user, "Posted to Acme News", after=scheduled.message_id)
        [stored] = await app.posts()

    assert ask.reply_keyboard is not None
    assert "Sat 28 Mar 2026, 09:00" in preview.text
    assert "in 16 h 20 min" in preview.text
    assert "14 / 4,096 characters" in preview.text
    assert "Sat 28 Mar 2026, 09:00" in scheduled.text
    assert post.text == "We are hiring!"
    assert f"https://t.me/acme_news/{post.message_id}" in posted.text
    assert stored.status is PostStatus.POSTED
    assert [c["command"] for c in telegram.commands()][:3] == ["queue", "connect", "accounts"]

"""Bad input: each gets a clear reply and leaves the database as it was."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import texts
from tests.e2e.conftest import MakeApp
from tests.e2e.harness import Harness, plain, snapshot


@pytest.fixture
async def app(make_app: MakeApp):  # type: ignore[no-untyped-def]
    """Reject paths do not depend on the job queue: the local one is enough."""
    async with make_app() as harness:
        yield harness


async def _ready(app: Harness):  # type: ignore[no-untyped-def]
    user = await app.onboard()
    channel = await app.connect_channel(user)
    return user, channel


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("/frobnicate", "I don't know the command /frobnicate"),
        ("post this to myspace tomorrow 9am: hi", "I can't post to “myspace”"),
        ("post this to LinkedIn tomorrow 9am: hi", "Posting to LinkedIn isn't available yet"),
        ("post this to X in 2 hours: hi", "Posting to X isn't available yet"),
        ("post this to my channel today at 8am: hi", "is in the past"),
        ("post this to my channel on February 30 at 9am: hi", "is not a date that exists"),
        ("post this to my channel at 25:00: hi", "is not a valid time of day"),
        (
            "post this to @someone_else tomorrow 9am: hi",
            "The channel @someone_else isn't connected",
        ),
    ],
    ids=[
        "unknown-command",
        "unknown-platform",
        "linkedin-not-available",
        "x-not-available",
        "time-in-past",
        "invalid-date",
        "invalid-time",
        "channel-not-connected",
    ],
)
async def test_bad_request_gets_a_clear_reply_and_changes_nothing(
    app: Harness, message: str, expected: str
) -> None:
    user, _ = await _ready(app)
    before = await snapshot(app.database_url)

    answer = await app.say(user, message)

    assert expected in (answer.text or "")
    assert await snapshot(app.database_url) == before


async def test_content_over_the_limit_shows_by_how_much_and_stores_nothing(app: Harness) -> None:
    user, _ = await _ready(app)
    before = await snapshot(app.database_url)

    answer = await app.say(user, "post this to my channel tomorrow 9am: " + "a" * 4100)

    assert "Too long for Telegram by 4 characters" in (answer.text or "")
    assert "pv:s:" not in "".join(answer.callback_data)
    assert answer.callback_data == []
    assert await snapshot(app.database_url) == before


async def test_no_platform_with_two_channels_asks_which(app: Harness) -> None:
    user, _ = await _ready(app)
    await app.connect_channel(user, "Side Project", "side_project")
    before = await snapshot(app.database_url)

    answer = await app.say(user, "post this tomorrow 9am: hi")

    assert "Where should I post it?" in (answer.text or "")
    assert "Side Project" in (answer.text or "")
    assert await snapshot(app.database_url) == before


async def test_no_platform_with_one_channel_uses_it(app: Harness) -> None:
    user, _ = await _ready(app)

    preview = await app.say(user, "post this tomorrow 9am: only one", "Preview")

    assert "Acme News" in (preview.text or "")


async def test_no_account_yet_points_to_connect(app: Harness) -> None:
    user = await app.onboard()
    before = await snapshot(app.database_url)

    answer = await app.say(user, "post this to my channel tomorrow 9am: hi")

    assert "Send /connect" in (answer.text or "")
    assert await snapshot(app.database_url) == before


async def test_request_without_content_asks_for_it(app: Harness) -> None:
    user, _ = await _ready(app)

    answer = await app.say(user, "post this to my channel tomorrow 9am")
    preview = await app.say(user, "The content, sent after", "Preview")

    assert plain(texts.ASK_CONTENT) in (answer.text or "")
    assert "The content, sent after" in (preview.text or "")


async def test_invalid_timezone_name_is_explained(app: Harness) -> None:
    user = app.telegram.add_user("Bob")
    await app.say(user, "/start", "which timezone")
    before = await snapshot(app.database_url)

    answer = await app.say(user, "Atlantis/Lost_City")

    assert "I don't know the timezone “Atlantis/Lost_City”" in (answer.text or "")
    assert await snapshot(app.database_url) == before


async def test_channel_checks_say_exactly_what_is_missing(app: Harness) -> None:
    user = await app.onboard()
    stranger = app.telegram.add_user("Mallory")
    no_bot = app.telegram.add_channel("No Bot", "no_bot", creator=user.id)
    cannot_post = app.telegram.add_channel(
        "Read Only", "read_only", creator=user.id, bot_rights={"can_post_messages": False}
    )
    not_theirs = app.telegram.add_channel(
        "Not Theirs", "not_theirs", creator=stranger.id, bot_rights={"can_post_messages": True}
    )
    await app.say(user, "/connect", "@username")
    before = await snapshot(app.database_url)

    missing = await app.say(user, "@does_not_exist")
    bot_absent = await app.say(user, f"@{no_bot.username}")
    read_only = await app.say(user, f"@{cannot_post.username}")
    foreign = await app.say(user, f"@{not_theirs.username}")
    nonsense = await app.say(user, "hello there")

    assert "I can't find the channel @does_not_exist" in (missing.text or "")
    assert "I'm not an administrator of No Bot" in (bot_absent.text or "")
    assert "may not post messages" in (read_only.text or "")
    assert "You aren't an administrator of Not Theirs" in (foreign.text or "")
    assert "Send the channel's @username" in (nonsense.text or "")
    assert await snapshot(app.database_url) == before


async def test_forwarded_post_connects_a_private_channel(app: Harness) -> None:
    user = await app.onboard()
    channel = app.telegram.add_channel(
        "Private Notes", None, creator=user.id, bot_rights={"can_post_messages": True}
    )
    post = app.telegram.send_channel_post(channel.id, "hello")
    await app.say(user, "/connect", "@username")

    after = app.last_bot_message_id(user.id)
    app.telegram.forward_from_channel(user.id, channel.id, post.message_id)
    connected = await app.reply_to(user, "Connected", after=after)

    assert "Private Notes" in (connected.text or "")


async def test_forged_button_for_someone_elses_post_is_refused(app: Harness) -> None:
    owner, _ = await _ready(app)
    intruder = await app.onboard("Mallory")
    preview = await app.say(owner, "post this to my channel tomorrow 9am: mine", "Preview")
    await app.press(owner, preview, "pv:s:", "Scheduled", in_place=True)
    [post] = await app.posts()
    own_message = app.telegram.bot_messages(intruder.id)[-1]
    before = await snapshot(app.database_url)

    answers = []
    for data in (preview.callback_data[0], f"q:c:{post.id}", f"q:n:{post.id}"):
        after = app.last_bot_message_id(intruder.id)
        query = app.telegram.press_button(
            intruder.id, intruder.id, own_message.message_id, data, forged=True
        )
        await app.telegram.wait_for_answer(query)
        answers.append(await app.reply_to(intruder, None, after=after))

    assert [plain(texts.NOT_YOURS) in (a.text or "") for a in answers] == [True] * 3
    assert await snapshot(app.database_url) == before


async def test_buttons_on_finished_posts_change_nothing(app: Harness) -> None:
    user, _ = await _ready(app)
    preview = await app.say(user, "post this to my channel tomorrow 9am: done", "Preview")
    await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)
    older = await app.say(user, "/queue", "Upcoming posts")
    newer = await app.say(user, "/queue", "Upcoming posts")
    await app.press(user, newer, "q:c:", "Cancelled", in_place=True)
    before = await snapshot(app.database_url)

    cancel_again = await app.press(user, older, "q:c:", "already")
    post_now = await app.press(user, older, "q:n:", "already")

    assert "already cancelled" in (cancel_again.text or "")
    assert "already cancelled" in (post_now.text or "")
    assert await snapshot(app.database_url) == before


async def test_every_button_press_is_answered_before_other_calls(app: Harness) -> None:
    user, _ = await _ready(app)
    preview = await app.say(user, "post this to my channel tomorrow 9am: order", "Preview")

    await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)

    calls = [c.method for c in app.telegram.calls() if c.method != "getUpdates"]
    pressed = calls[calls.index("answerCallbackQuery") - 1 :]
    assert pressed[1] == "answerCallbackQuery"
    assert "editMessageText" in pressed[2:]


async def test_markup_characters_in_user_text_are_escaped(app: Harness) -> None:
    user, channel = await _ready(app)
    content = "a_b *bold* [link](x) <b>tag</b> & 1 < 2"

    preview = await app.say(user, f"post this to my channel in 1 hour: {content}", "Preview")
    await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)
    await app.say(user, "/timezone", "Your timezone")
    unknown = await app.say(user, "<i>Mars & Venus</i>", "I don't know the timezone")
    app.advance(timedelta(hours=1))
    post = await app.channel_post(channel.id)

    assert content in (preview.text or "")
    assert "“<i>Mars & Venus</i>”" in (unknown.text or "")
    assert post.text == content
    sent = app.telegram.calls("sendMessage") + app.telegram.calls("editMessageText")
    assert all(c.status == 200 for c in sent), json.dumps([c.response for c in sent])


async def test_new_request_replaces_an_open_question(app: Harness) -> None:
    user, _ = await _ready(app)
    preview = await app.say(user, "post this to my channel tomorrow 9am: First", "Preview")
    await app.press(user, preview, "pv:t:", "When should it go out instead?")

    second = await app.say(user, "post to my channel on Monday 10am: Second text", "Preview")
    await app.say(user, "post this to my channel tomorrow 10am", "What should I post?")
    third = await app.say(user, "post to my channel tomorrow 11am: Third text", "Preview")

    assert "Second text" in (second.text or "")
    assert "Mon 30 Mar 2026, 10:00" in (second.text or "")
    assert "Third text" in (third.text or "")
    assert "post to my channel" not in (third.text or "").split("\n\n", 1)[1]


async def test_open_question_expires_after_an_hour(app: Harness) -> None:
    user, _ = await _ready(app)
    preview = await app.say(user, "post this to my channel tomorrow 9am: First", "Preview")
    await app.press(user, preview, "pv:t:", "When should it go out instead?")

    app.advance(timedelta(hours=2))
    answer = await app.say(user, "in 2 hours")

    assert "Got it" in (answer.text or "")


async def test_invisible_content_is_asked_for_again(app: Harness) -> None:
    user, _ = await _ready(app)
    before = await snapshot(app.database_url)

    answer = await app.say(user, "post this to my channel tomorrow 9am: \u200b\u200b")

    assert plain(texts.ASK_CONTENT) in (answer.text or "")
    assert (await snapshot(app.database_url))["posts"] == before["posts"]


async def test_preview_of_a_disconnected_channel_cannot_be_scheduled(app: Harness) -> None:
    user, _ = await _ready(app)
    preview = await app.say(user, "post this to my channel tomorrow 9am: orphan", "Preview")
    choice = await app.say(user, "/disconnect", "Which account")
    confirm = await app.press(user, choice, "d:ask:", "Disconnect", in_place=True)
    await app.press(user, confirm, "d:yes:", "Disconnected", in_place=True)
    before = await snapshot(app.database_url)

    answer = await app.press(user, preview, "pv:s:", "already")

    assert "already cancelled" in (answer.text or "")
    assert await snapshot(app.database_url) == before

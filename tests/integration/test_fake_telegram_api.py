"""Tests of the Telegram Bot API test server, driven by python-telegram-bot and plain httpx.

They prove that PTB accepts the server's replies, raises the exception type
Telegram's errors map to, and that the server keeps the state tests rely on.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    MessageEntity,
    MessageOriginChannel,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter, TimedOut
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.serving import ThreadedServer
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_records import FakeUser

# All tests share the module's event loop, so that they can share one Bot.
pytestmark = pytest.mark.asyncio(loop_scope="module")

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class Clock:
    """A settable clock for the server's message dates and callback query ages."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


class WebhookReceiver:
    """A webhook endpoint that records each request and replies with scripted statuses."""

    def __init__(self, statuses: list[int], reply: dict[str, Any] | None = None) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self._statuses = list(statuses)
        self._reply = reply
        self._lock = threading.Lock()
        self.server = ThreadedServer(
            Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        )

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    async def _hook(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.requests.append((dict(request.headers), body))
            status = self._statuses.pop(0) if self._statuses else 200
        if status == 200 and self._reply is not None:
            return JSONResponse(self._reply)
        return Response(status_code=status)


@pytest.fixture(scope="module")
def telegram_server() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def telegram(telegram_server: FakeTelegram) -> FakeTelegram:
    telegram_server.reset()
    return telegram_server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_bot(telegram_server: FakeTelegram) -> AsyncIterator[Bot]:
    # One client for the module: building a Bot creates two httpx clients, which
    # costs more than most tests here.
    async with Bot(telegram_server.token, base_url=telegram_server.base_url) as client:
        yield client


@pytest.fixture
def bot(telegram: FakeTelegram, shared_bot: Bot) -> Bot:
    return shared_bot


@pytest.fixture
def alice(telegram: FakeTelegram) -> FakeUser:
    return telegram.add_user("Alice", username="alice", started=True)


def last_description(telegram: FakeTelegram, method: str) -> str:
    return str(telegram.calls(method)[-1].response["description"])


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in buttons]
    )


# Bot identity and request formats


async def test_get_me_returns_bot_identity(telegram: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.username == "postlater_test_bot"
    assert me.id == telegram.bot.id


async def test_requests_accept_json_form_and_query_string(
    telegram: FakeTelegram, alice: FakeUser
) -> None:
    url = f"{telegram.base_url}{telegram.token}/sendMessage"

    async with httpx.AsyncClient() as client:
        as_json = await client.post(url, json={"chat_id": alice.id, "text": "json"})
        as_form = await client.post(url, data={"chat_id": str(alice.id), "text": "form"})
        as_query = await client.get(url, params={"chat_id": str(alice.id), "text": "query"})
        as_multipart = await client.post(
            url, files={"chat_id": (None, str(alice.id)), "text": (None, "multipart")}
        )

    assert [r.status_code for r in (as_json, as_form, as_query, as_multipart)] == [200] * 4
    assert [m.text for m in telegram.bot_messages(alice.id)] == [
        "json",
        "form",
        "query",
        "multipart",
    ]


async def test_wrong_token_and_unknown_method_get_telegram_errors(telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        wrong_token = await client.post(f"{telegram.base_url}123:wrong/getMe")
        unknown = await client.post(f"{telegram.base_url}{telegram.token}/sendPhotoAlbum")

    assert wrong_token.status_code == 401
    assert wrong_token.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found"
    with pytest.raises(InvalidToken):
        await Bot("123:wrong", base_url=telegram.base_url).get_me()


async def test_method_names_are_case_insensitive(telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        reply = await client.post(f"{telegram.base_url}{telegram.token}/GETME")

    assert reply.json()["result"]["username"] == "postlater_test_bot"
    assert telegram.calls("getMe")[0].method == "getMe"


# sendMessage


async def test_send_message_stores_html_entities_and_keyboard(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(
        alice.id,
        "<b>Post</b> &amp; <i>more</i>",
        parse_mode="HTML",
        reply_markup=keyboard(("OK", "ok")),
    )

    assert sent.text == "Post & more"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.entities == (
        MessageEntity(MessageEntity.BOLD, 0, 4),
        MessageEntity(MessageEntity.ITALIC, 7, 4),
    )
    stored = telegram.bot_messages(alice.id)[0]
    assert stored.text == "Post & more"
    assert stored.callback_data == ["ok"]
    assert (
        telegram.calls("sendMessage")[0].json_param("reply_markup")
        == keyboard(("OK", "ok")).to_dict()
    )


async def test_send_message_entity_offsets_count_utf16_units(bot: Bot, alice: FakeUser) -> None:
    sent = await bot.send_message(alice.id, "😀 <b>bold</b>", parse_mode="HTML")

    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 3, 4),)
    assert sent.parse_entity(sent.entities[0]) == "bold"


async def test_send_message_marks_links_and_trims_text(bot: Bot, alice: FakeUser) -> None:
    sent = await bot.send_message(alice.id, "  see https://example.com/a.  \n")

    assert sent.text == "see https://example.com/a."
    assert sent.entities == (MessageEntity(MessageEntity.URL, 4, 21),)


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_send_message_rejects_invalid_html(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser, text: str, description: str
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(alice.id, text, parse_mode="HTML")

    assert (
        last_description(telegram, "sendMessage")
        == f"Bad Request: can't parse entities: {description}"
    )
    assert telegram.bot_messages(alice.id) == []


async def test_send_message_keeps_ampersand_that_starts_no_entity(
    bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(alice.id, "AT&T &copy; <code>x</code>", parse_mode="HTML")

    assert sent.text == "AT&T &copy; x"


async def test_send_message_accepts_supported_html_tags(bot: Bot, alice: FakeUser) -> None:
    html = (
        "<strong>b</strong><em>i</em><ins>u</ins><del>s</del><tg-spoiler>p</tg-spoiler>"
        '<span class="tg-spoiler">q</span><a href="https://example.com">a</a><code>c</code>'
        '<pre><code class="language-python">x</code></pre><blockquote>z</blockquote>'
    )

    sent = await bot.send_message(alice.id, html, parse_mode="HTML")

    assert [e.type for e in sent.entities] == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "spoiler",
        "text_link", "code", "pre", "blockquote",
    ]  # fmt: skip
    assert sent.entities[6].url == "https://example.com/"
    assert sent.entities[8].language == "python"


async def test_send_message_rejects_unescaped_markdown_v2_character(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "Posted at 10.00!", parse_mode="MarkdownV2")

    assert last_description(telegram, "sendMessage") == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )


async def test_send_message_parses_markdown_v2(bot: Bot, alice: FakeUser) -> None:
    sent = await bot.send_message(alice.id, "*bold* _it_ 10\\.00", parse_mode="MarkdownV2")

    assert sent.text == "bold it 10.00"
    assert [e.type for e in sent.entities] == ["bold", "italic"]


async def test_send_message_rejects_empty_and_too_long_text(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    async with httpx.AsyncClient() as client:
        empty = await client.post(
            f"{telegram.base_url}{telegram.token}/sendMessage", json={"chat_id": alice.id}
        )
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "x" * 4097)
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "<b></b>", parse_mode="HTML")
    longest = await bot.send_message(alice.id, "é" * 4096)

    assert empty.json()["description"] == "Bad Request: message text is empty"
    descriptions = [c.response.get("description") for c in telegram.calls("sendMessage")]
    assert descriptions[1:3] == [
        "Bad Request: message is too long",
        "Bad Request: text must be non-empty",
    ]
    assert longest.text is not None and len(longest.text) == 4096


async def test_send_message_to_unknown_chat_raises_bad_request(
    telegram: FakeTelegram, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hello")

    assert last_description(telegram, "sendMessage") == "Bad Request: chat not found"


async def test_send_message_to_user_who_blocked_bot_raises_forbidden(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    telegram.block_bot(alice.id)

    with pytest.raises(Forbidden):
        await bot.send_message(alice.id, "hello")

    assert last_description(telegram, "sendMessage") == "Forbidden: bot was blocked by the user"
    update = (await bot.get_updates())[-1].my_chat_member
    assert update is not None
    assert update.chat.id == alice.id
    assert update.new_chat_member.status == "kicked"


async def test_send_message_to_user_who_never_wrote_raises_forbidden(
    telegram: FakeTelegram, bot: Bot
) -> None:
    bob = telegram.add_user("Bob")

    with pytest.raises(Forbidden):
        await bot.send_message(bob.id, "hello")
    telegram.send_text(bob.id, "/start")
    await bot.send_message(bob.id, "hello")

    assert telegram.calls("sendMessage")[0].response["description"] == (
        "Forbidden: bot can't initiate conversation with a user"
    )
    assert [m.text for m in telegram.bot_messages(bob.id)] == ["hello"]


async def test_send_message_rejects_oversized_callback_data(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    # 33 two-byte characters make 66 bytes: Telegram counts bytes, not characters.
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "x", reply_markup=keyboard(("Go", "é" * 33)))
    await bot.send_message(alice.id, "x", reply_markup=keyboard(("Go", "é" * 32)))

    assert telegram.calls("sendMessage")[0].response["description"] == (
        "Bad Request: BUTTON_DATA_INVALID"
    )
    assert len(telegram.bot_messages(alice.id)) == 1


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "Go"}, "Bad Request: can't parse inline keyboard button: "
         "Text buttons are unallowed in the inline keyboard"),
        ({"text": "Go", "callback_data": ""}, "Bad Request: can't parse inline keyboard button: "
         "Text buttons are unallowed in the inline keyboard"),
        ({"callback_data": "go"}, 'Bad Request: can\'t parse inline keyboard button: '
         'Can\'t find field "text"'),
        ({"text": "Go", "url": "http://localhost/x"}, "Bad Request: inline keyboard button "
         "URL 'http://localhost/x' is invalid: Wrong HTTP URL"),
        ({"text": "Go", "url": "ftp://example.com"}, "Bad Request: inline keyboard button "
         "URL 'ftp://example.com' is invalid: Unsupported URL protocol"),
        ({"text": "Go", "url": "https://example.com", "callback_data": "go"},
         "Bad Request: can't parse inline keyboard button: "
         "Exactly one action is allowed, found url, callback_data"),
    ],
)  # fmt: skip
async def test_send_message_rejects_invalid_inline_button(
    telegram: FakeTelegram, alice: FakeUser, button: dict[str, Any], description: str
) -> None:
    markup = json.dumps({"inline_keyboard": [[button]]})

    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{telegram.base_url}{telegram.token}/sendMessage",
            data={"chat_id": str(alice.id), "text": "x", "reply_markup": markup},
        )

    assert reply.status_code == 400
    assert reply.json()["description"] == description


async def test_send_message_normalizes_url_button(bot: Bot, alice: FakeUser) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", url="https://Example.com")]])

    sent = await bot.send_message(alice.id, "x", reply_markup=markup)

    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].url == "https://example.com/"


async def test_send_message_keeps_reply_keyboard_out_of_message(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    markup = ReplyKeyboardMarkup([[KeyboardButton("Share location", request_location=True)]])

    sent = await bot.send_message(alice.id, "Where are you?", reply_markup=markup)

    assert sent.reply_markup is None
    stored = telegram.bot_messages(alice.id)[0]
    assert stored.reply_keyboard is not None
    assert stored.reply_keyboard["keyboard"][0][0]["request_location"] is True


async def test_send_message_replies_only_to_existing_message(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    question = telegram.send_text(alice.id, "when?")

    answer = await bot.send_message(
        alice.id, "now", reply_parameters=ReplyParameters(question.message_id)
    )
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "lost", reply_parameters=ReplyParameters(999))

    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "when?"
    assert (
        last_description(telegram, "sendMessage") == "Bad Request: message to be replied not found"
    )


# Editing and deleting


async def test_edit_message_text_changes_stored_message(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(alice.id, "draft", reply_markup=keyboard(("Yes", "yes")))

    edited = await bot.edit_message_text("final", alice.id, sent.message_id)

    assert isinstance(edited, Message)
    assert edited.text == "final"
    assert edited.edit_date is not None
    stored = telegram.message(alice.id, sent.message_id)
    assert stored is not None and stored.text == "final"
    # Without reply_markup an edit removes the inline keyboard, as on Telegram.
    assert stored.inline_keyboard is None


async def test_edit_message_text_with_same_content_raises_not_modified(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(
        alice.id, "<b>same</b>", parse_mode="HTML", reply_markup=keyboard(("A", "a"))
    )

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>same</b>",
            alice.id,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("A", "a")),
        )

    assert last_description(telegram, "editMessageText") == NOT_MODIFIED


async def test_edit_message_text_rejects_missing_and_foreign_messages(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    users_message = telegram.send_text(alice.id, "mine")

    with pytest.raises(BadRequest):
        await bot.edit_message_text("x", alice.id, 999)
    with pytest.raises(BadRequest):
        await bot.edit_message_text("x", alice.id, users_message.message_id)

    descriptions = [c.response["description"] for c in telegram.calls("editMessageText")]
    assert descriptions == [
        "Bad Request: message to edit not found",
        "Bad Request: message can't be edited",
    ]


async def test_edit_message_reply_markup_replaces_keyboard(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(alice.id, "pick", reply_markup=keyboard(("A", "a")))

    await bot.edit_message_reply_markup(
        alice.id, sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    with pytest.raises(BadRequest):
        await bot.edit_message_reply_markup(
            alice.id, sent.message_id, reply_markup=keyboard(("B", "b"))
        )

    stored = telegram.message(alice.id, sent.message_id)
    assert stored is not None and stored.callback_data == ["b"]
    assert last_description(telegram, "editMessageReplyMarkup") == NOT_MODIFIED


async def test_delete_message_removes_it(telegram: FakeTelegram, bot: Bot, alice: FakeUser) -> None:
    sent = await bot.send_message(alice.id, "oops")

    assert await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(BadRequest):
        await bot.delete_message(alice.id, sent.message_id)

    assert telegram.bot_messages(alice.id) == []
    assert last_description(telegram, "deleteMessage") == "Bad Request: message to delete not found"


async def test_wait_for_message_sees_edit_into_matching_state(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(alice.id, "working…")

    async def edit_later() -> None:
        await asyncio.sleep(0.05)
        await bot.edit_message_text("done", alice.id, sent.message_id)

    editing = asyncio.create_task(edit_later())
    message = await telegram.wait_for_message(alice.id, lambda m: m.text == "done", timeout=2)
    await editing

    assert message.message_id == sent.message_id


# Callback queries


async def test_answer_callback_query_records_answer_once(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(alice.id, "pick", reply_markup=keyboard(("Yes", "yes")))
    query_id = telegram.press_button(alice.id, alice.id, sent.message_id, "yes")
    update = (await bot.get_updates())[-1]
    assert update.callback_query is not None

    await update.callback_query.answer("Saved")
    with pytest.raises(BadRequest):
        await update.callback_query.answer("Again")

    assert update.callback_query.id == query_id
    assert update.callback_query.data == "yes"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert await telegram.wait_for_answer(query_id) == {
        "text": "Saved", "show_alert": False, "url": "", "cache_time": 0,
    }  # fmt: skip
    assert last_description(telegram, "answerCallbackQuery") == QUERY_TOO_OLD


async def test_answer_callback_query_rejects_late_and_long_answers() -> None:
    clock = Clock()
    with FakeTelegram(clock=clock) as telegram:
        user = telegram.add_user("Carol", started=True)
        async with Bot(telegram.token, base_url=telegram.base_url) as client:
            sent = await client.send_message(
                user.id, "pick", reply_markup=keyboard(("A", "a"), ("B", "b"))
            )
            late = telegram.press_button(user.id, user.id, sent.message_id, "a")
            clock.now += 15.5
            wordy = telegram.press_button(user.id, user.id, sent.message_id, "b")

            with pytest.raises(BadRequest):
                await client.answer_callback_query(late)
            with pytest.raises(BadRequest):
                await client.answer_callback_query(wordy, text="x" * 201)

        descriptions = [c.response["description"] for c in telegram.calls("answerCallbackQuery")]
    assert descriptions == [QUERY_TOO_OLD, "Bad Request: MESSAGE_TOO_LONG"]


async def test_press_button_needs_data_on_current_keyboard(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = await bot.send_message(alice.id, "pick", reply_markup=keyboard(("A", "a")))
    await bot.edit_message_reply_markup(
        alice.id, sent.message_id, reply_markup=keyboard(("B", "b"))
    )

    with pytest.raises(ValueError, match="no button with callback_data 'a'"):
        telegram.press_button(alice.id, alice.id, sent.message_id, "a")


# Updates by long polling


async def test_get_updates_long_poll_returns_update_sent_while_waiting(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    async def write_later() -> None:
        await asyncio.sleep(0.1)
        telegram.send_text(alice.id, "/start")

    writing = asyncio.create_task(write_later())
    updates = await bot.get_updates(timeout=5)
    await writing

    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)


async def test_get_updates_offset_confirms_earlier_updates(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    first = telegram.send_text(alice.id, "one")
    second = telegram.send_text(alice.id, "two")

    everything = await bot.get_updates()
    assert first.update_id is not None and second.update_id is not None
    after_first = await bot.get_updates(offset=first.update_id + 1)
    limited = await bot.get_updates(limit=1)

    assert [u.update_id for u in everything] == [first.update_id, second.update_id]
    assert [u.update_id for u in after_first] == [second.update_id]
    assert [u.update_id for u in limited] == [second.update_id]
    assert [u.update_id for u in telegram.pending_updates()] == [second.update_id]


async def test_allowed_updates_filter_persists(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])

    skipped = telegram.send_text(alice.id, "ignored")
    later = await bot.get_updates()

    assert skipped.update_id is None
    assert later == ()
    assert telegram.allowed_updates() == ["callback_query"]
    assert (await bot.get_webhook_info()).allowed_updates == ("callback_query",)


async def test_second_long_poll_ends_first_with_conflict(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)

    # A second client, because the bot's getUpdates connection is busy with the first.
    async with httpx.AsyncClient() as client:
        second = asyncio.create_task(
            client.post(f"{telegram.base_url}{telegram.token}/getUpdates", data={"timeout": "5"})
        )
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        telegram.send_text(alice.id, "wake up")
        reply = await second

    assert [u["message"]["text"] for u in reply.json()["result"]] == ["wake up"]


async def test_get_updates_while_webhook_set_raises_conflict(
    telegram: FakeTelegram, bot: Bot
) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")

    with pytest.raises(Conflict):
        await bot.get_updates()

    assert last_description(telegram, "getUpdates") == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )


async def test_command_handler_replies_through_polling_application(
    telegram: FakeTelegram, alice: FakeUser
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome")

    application = Application.builder().token(telegram.token).base_url(telegram.base_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1)
        telegram.send_text(alice.id, "/start@postlater_test_bot")
        reply = await telegram.wait_for_message(alice.id, timeout=3)
        await application.updater.stop()
        await application.stop()

    assert reply.text == "Welcome"
    assert telegram.pending_updates() == []


# Webhook


async def test_webhook_sends_secret_header_and_resends_after_500(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    receiver = WebhookReceiver(statuses=[500, 200])
    with receiver.server:
        await bot.set_webhook(receiver.url, secret_token="s3cret-token_1")
        sent = telegram.send_text(alice.id, "hi")
        assert sent.update_id is not None
        delivered = await telegram.wait_for_delivery(sent.update_id, lambda d: d.ok, timeout=3)

    attempts = telegram.deliveries(sent.update_id)
    assert [(a.attempt, a.status) for a in attempts] == [(1, 500), (2, 200)]
    assert delivered.secret_token == "s3cret-token_1"
    assert [h["x-telegram-bot-api-secret-token"] for h, _ in receiver.requests] == [
        "s3cret-token_1"
    ] * 2
    assert [body["update_id"] for _, body in receiver.requests] == [sent.update_id] * 2
    assert receiver.requests[0][1]["message"]["text"] == "hi"
    assert telegram.pending_updates() == []
    info = telegram.webhook_info()
    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )


async def test_webhook_delivers_updates_in_order_and_redelivers(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    receiver = WebhookReceiver(statuses=[])
    with receiver.server:
        await bot.set_webhook(receiver.url)
        first = telegram.send_text(alice.id, "one")
        second = telegram.send_text(alice.id, "two")
        assert first.update_id is not None and second.update_id is not None
        await telegram.wait_for_delivery(second.update_id, timeout=3)
        telegram.redeliver(first.update_id)
        again = await telegram.wait_for_delivery(first.update_id, lambda d: d.redelivery, timeout=3)

    assert [body["update_id"] for _, body in receiver.requests] == [
        first.update_id, second.update_id, first.update_id,
    ]  # fmt: skip
    assert again.attempt == 2
    assert "x-telegram-bot-api-secret-token" not in receiver.requests[0][0]


async def test_webhook_reply_can_call_a_method(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    receiver = WebhookReceiver(
        statuses=[], reply={"method": "sendMessage", "chat_id": alice.id, "text": "pong"}
    )
    with receiver.server:
        await bot.set_webhook(receiver.url)
        telegram.send_text(alice.id, "ping")
        reply = await telegram.wait_for_message(alice.id, timeout=3)

    assert reply.text == "pong"
    assert telegram.calls("sendMessage")[0].source == "webhook reply"


@pytest.mark.parametrize(
    ("secret", "description"),
    [
        ("has space", "Bad Request: secret token contains unallowed characters"),
        ("x" * 257, "Bad Request: secret token is too long"),
    ],
)
async def test_set_webhook_rejects_invalid_secret_token(
    telegram: FakeTelegram, bot: Bot, secret: str, description: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.set_webhook("https://example.com/hook", secret_token=secret)

    assert last_description(telegram, "setWebhook") == description
    assert telegram.webhook_info()["url"] == ""


async def test_set_webhook_strict_mode_allows_only_telegram_ports() -> None:
    with FakeTelegram(strict_webhook_ports=True) as telegram:
        async with Bot(telegram.token, base_url=telegram.base_url) as client:
            with pytest.raises(BadRequest):
                await client.set_webhook("https://example.com:5000/hook")
            with pytest.raises(BadRequest):
                await client.set_webhook("http://example.com/hook")
            assert await client.set_webhook("https://example.com:8443/hook")

        descriptions = [c.response["description"] for c in telegram.calls("setWebhook")]
    assert descriptions == [
        "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        "Webhook was set",
    ]


async def test_delete_webhook_reports_state_and_drops_updates(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    telegram.send_text(alice.id, "queued")

    await bot.delete_webhook(drop_pending_updates=True)
    await bot.delete_webhook()

    descriptions = [c.response["description"] for c in telegram.calls("deleteWebhook")]
    assert descriptions == ["Webhook was deleted", "Webhook is already deleted"]
    assert telegram.pending_updates() == []


# Channels


async def test_channel_post_needs_bot_admin_with_post_right(
    telegram: FakeTelegram, bot: Bot
) -> None:
    owner = telegram.add_user("Owner")
    can_post = telegram.add_channel("Posts", creator=owner.id, bot_rights={})
    read_only = telegram.add_channel(
        "Read only", creator=owner.id, bot_rights={"can_post_messages": False}
    )
    telegram.add_channel("Public", username="public_news", creator=owner.id)

    posted = await bot.send_message(can_post.id, "hello channel")
    with pytest.raises(BadRequest):
        await bot.send_message(read_only.id, "x")
    with pytest.raises(Forbidden):
        await bot.send_message("@public_news", "x")

    assert posted.sender_chat is not None and posted.sender_chat.id == can_post.id
    assert posted.from_user is None
    descriptions = [c.response.get("description") for c in telegram.calls("sendMessage")]
    assert descriptions[1:] == [
        "Bad Request: need administrator rights in the channel chat",
        "Forbidden: bot is not a member of the channel chat",
    ]


async def test_private_channel_without_bot_is_not_found(telegram: FakeTelegram, bot: Bot) -> None:
    owner = telegram.add_user("Owner")
    hidden = telegram.add_channel("Hidden", creator=owner.id)
    deleted = telegram.add_channel("Deleted", creator=owner.id, bot_rights={})
    telegram.delete_channel(deleted.id)

    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(hidden.id)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(deleted.id, "x")


async def test_kicked_bot_cannot_use_channel(telegram: FakeTelegram, bot: Bot) -> None:
    owner = telegram.add_user("Owner")
    channel = telegram.add_channel("News", creator=owner.id, bot_rights={})
    telegram.set_member(channel.id, telegram.bot.id, "kicked")

    with pytest.raises(Forbidden):
        await bot.send_message(channel.id, "x")

    assert (
        last_description(telegram, "sendMessage")
        == "Forbidden: bot was kicked from the channel chat"
    )
    changes = [u.my_chat_member for u in await bot.get_updates()]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in changes if c] == [
        ("left", "administrator"),
        ("administrator", "kicked"),
    ]
    assert all(c is not None and c.from_user.id == owner.id for c in changes)


async def test_get_chat_finds_public_channel_by_username(telegram: FakeTelegram, bot: Bot) -> None:
    owner = telegram.add_user("Owner")
    channel = telegram.add_channel("News", username="daily_news", creator=owner.id, bot_rights={})

    chat = await bot.get_chat("@daily_news")

    assert chat.id == channel.id
    assert chat.type == "channel"
    assert chat.title == "News"


async def test_get_chat_member_returns_shape_per_status(telegram: FakeTelegram, bot: Bot) -> None:
    owner = telegram.add_user("Owner")
    editor = telegram.add_user("Editor")
    reader = telegram.add_user("Reader")
    banned = telegram.add_user("Banned")
    stranger = telegram.add_user("Stranger")
    channel = telegram.add_channel(
        "News", creator=owner.id, admins={editor.id: {"can_post_messages": False}}, bot_rights={}
    )
    telegram.set_member(channel.id, reader.id, "member")
    telegram.set_member(channel.id, banned.id, "kicked")

    members = {
        user.id: await bot.get_chat_member(channel.id, user.id)
        for user in (owner, editor, reader, banned, stranger)
    }

    assert isinstance(members[owner.id], ChatMemberOwner)
    editor_member = members[editor.id]
    assert isinstance(editor_member, ChatMemberAdministrator)
    assert editor_member.can_post_messages is False
    assert editor_member.can_edit_messages is True
    assert isinstance(members[reader.id], ChatMemberMember)
    assert isinstance(members[banned.id], ChatMemberBanned)
    assert isinstance(members[stranger.id], ChatMemberLeft)
    administrators = await bot.get_chat_administrators(channel.id)
    assert [m.user.id for m in administrators] == [owner.id, editor.id, telegram.bot.id]


async def test_get_chat_member_needs_bot_admin_and_known_user(
    telegram: FakeTelegram, bot: Bot
) -> None:
    owner = telegram.add_user("Owner")
    public = telegram.add_channel("Public", username="open_news", creator=owner.id)
    private = telegram.add_channel("Private", creator=owner.id, bot_rights={})

    with pytest.raises(BadRequest):
        await bot.get_chat_member(public.id, owner.id)
    with pytest.raises(BadRequest):
        await bot.get_chat_member(private.id, 987654)

    descriptions = [c.response["description"] for c in telegram.calls("getChatMember")]
    assert descriptions == [
        "Bad Request: member list is inaccessible",
        "Bad Request: member not found",
    ]


async def test_channel_post_reaches_bot_only_as_admin(telegram: FakeTelegram, bot: Bot) -> None:
    owner = telegram.add_user("Owner")
    with_bot = telegram.add_channel("With bot", creator=owner.id, bot_rights={})
    without_bot = telegram.add_channel("Without bot", creator=owner.id)

    seen = telegram.send_channel_post(with_bot.id, "news")
    unseen = telegram.send_channel_post(without_bot.id, "secret")
    updates = await bot.get_updates()

    assert unseen.update_id is None
    post = updates[-1].channel_post
    assert post is not None
    assert (post.chat.id, post.message_id, post.text) == (with_bot.id, seen.message_id, "news")


async def test_forward_from_channel_carries_channel_origin(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    channel = telegram.add_channel("News", creator=alice.id, bot_rights={})
    post = telegram.send_channel_post(channel.id, "Big news")

    telegram.forward_from_channel(alice.id, channel.id, post.message_id)
    message = (await bot.get_updates())[-1].message

    assert message is not None
    assert message.text == "Big news"
    origin = message.forward_origin
    assert isinstance(origin, MessageOriginChannel)
    assert (origin.chat.id, origin.message_id) == (channel.id, post.message_id)


async def test_edit_text_sends_edited_message_update(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    sent = telegram.send_text(alice.id, "tomorrow at 9")

    telegram.edit_text(alice.id, sent.message_id, "tomorrow at 10")
    update = (await bot.get_updates())[-1]

    assert update.edited_message is not None
    assert update.edited_message.message_id == sent.message_id
    assert update.edited_message.text == "tomorrow at 10"
    assert update.edited_message.edit_date is not None


async def test_share_location_sends_location_message(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    telegram.share_location(alice.id, 52.52, 13.405)

    message = (await bot.get_updates())[-1].message

    assert message is not None and message.location is not None
    assert (message.location.latitude, message.location.longitude) == (52.52, 13.405)


# Commands and chat actions


async def test_set_my_commands_stores_and_validates(telegram: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([("schedule", "Schedule a post"), ("help", "How it works")])
    with pytest.raises(BadRequest):
        await bot.set_my_commands([("Schedule", "Upper case")])
    with pytest.raises(BadRequest):
        await bot.set_my_commands([("help", "x" * 257)])

    stored = await bot.get_my_commands()
    assert [(c.command, c.description) for c in stored] == [
        ("schedule", "Schedule a post"),
        ("help", "How it works"),
    ]
    assert telegram.commands() == [
        {"command": "schedule", "description": "Schedule a post"},
        {"command": "help", "description": "How it works"},
    ]
    descriptions = [c.response.get("description") for c in telegram.calls("setMyCommands")]
    assert descriptions[1:] == [
        "Bad Request: BOT_COMMAND_INVALID",
        "Bad Request: command description length must not exceed 256",
    ]
    await bot.delete_my_commands()
    assert telegram.commands() == []


async def test_send_chat_action_checks_action_name(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    assert await bot.send_chat_action(alice.id, "typing")
    with pytest.raises(BadRequest):
        await bot.send_chat_action(alice.id, "dancing")

    assert (
        last_description(telegram, "sendChatAction")
        == "Bad Request: wrong parameter action in request"
    )


# Failure injection


# PTB 22.8 warns about its own RetryAfter.retry_after type while building the exception.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_fails_only_matching_calls(
    telegram: FakeTelegram, bot: Bot, alice: FakeUser
) -> None:
    bob = telegram.add_user("Bob", started=True)
    telegram.fail_next("sendMessage", 429, retry_after=7, chat_id=alice.id)

    await bot.send_message(bob.id, "to bob")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(alice.id, "to alice")
    await bot.send_message(alice.id, "to alice again")

    assert "Retry in 7 seconds" in str(raised.value)
    assert telegram.calls("sendMessage")[1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert [m.text for m in telegram.bot_messages(alice.id)] == ["to alice again"]


async def test_delay_next_stores_message_but_answers_late(
    telegram: FakeTelegram, alice: FakeUser
) -> None:
    telegram.delay_next("sendMessage", 0.3)
    request = HTTPXRequest(read_timeout=0.05)

    async with Bot(telegram.token, base_url=telegram.base_url, request=request) as client:
        with pytest.raises(TimedOut):
            await client.send_message(alice.id, "maybe sent")

    assert [m.text for m in telegram.bot_messages(alice.id)] == ["maybe sent"]

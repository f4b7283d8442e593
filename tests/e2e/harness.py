"""Runs the real postlater app against the Telegram Bot API and QStash test servers.

The app (Starlette + python-telegram-bot + the job queue) is served by
uvicorn on 127.0.0.1 in the test's event loop; the test servers run in
threads of their own. Time comes from a FakeClock that a test moves forward
together with the QStash test server's clock.
"""

from __future__ import annotations

import asyncio
import html
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text

from domain.clock import FakeClock
from domain.model import Post, PostStatus
from postlater.runtime import Runtime, create_app
from postlater.settings import Settings
from storage.database import Database
from tests.fakes.linkedin_api import FakeLinkedIn
from tests.fakes.qstash_server import FakeQStash
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_records import FakeChannel, FakeMessage, FakeUser
from tests.fakes.x_api import FakeX

# A Friday afternoon in Berlin, before the spring DST change.
START = datetime(2026, 3, 27, 15, 40, tzinfo=UTC)
TEST_SECRET_KEY = "uGQpWqHtbuvYnJIM8sWAV4Fqy8OOrXlhS5ecG2KkRbI="


@dataclass
class Harness:
    telegram: FakeTelegram
    database_url: str
    updates: str = "polling"  # or "webhook"
    queue: str = "local"  # or "qstash"
    qstash: FakeQStash | None = None
    linkedin: FakeLinkedIn | None = None
    x: FakeX | None = None
    clock: FakeClock = field(default_factory=lambda: FakeClock(START))
    extra_settings: dict[str, Any] = field(default_factory=dict)
    runtime: Runtime | None = None
    _server: uvicorn.Server | None = None
    _serving: asyncio.Task[None] | None = None
    _port: int = 0
    _socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """The app's address; the port is chosen on first use and kept across restarts."""
        if self._socket is None:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind(("127.0.0.1", self._port))
            self._port = self._socket.getsockname()[1]
        return f"http://127.0.0.1:{self._port}"

    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_API_BASE_URL": self.telegram.base_url,
            "TELEGRAM_API_FILE_URL": self.telegram.url + "/file/bot",
            "DATABASE_URL": self.database_url,
            "LOCAL_QUEUE_POLL_SECONDS": 0.1,
            "PUBLIC_URL": self.url,
        }
        if self.updates == "webhook":
            values["TELEGRAM_WEBHOOK_SECRET"] = "test_webhook_secret"
        if self.queue == "qstash":
            if self.qstash is None:
                raise ValueError("the QStash queue needs a FakeQStash")
            values.update(
                QSTASH_TOKEN=self.qstash.token,
                QSTASH_URL=self.qstash.url,
                QSTASH_CURRENT_SIGNING_KEY=self.qstash.current_signing_key,
                QSTASH_NEXT_SIGNING_KEY=self.qstash.next_signing_key,
            )
        if self.linkedin is not None:
            values.update(
                LINKEDIN_CLIENT_ID=self.linkedin.client_id,
                LINKEDIN_CLIENT_SECRET=self.linkedin.client_secret,
                LINKEDIN_OAUTH_BASE_URL=self.linkedin.oauth_url,
                LINKEDIN_API_BASE_URL=self.linkedin.api_url,
                LINKEDIN_API_VERSION=START.strftime("%Y%m"),
            )
        if self.x is not None:
            values.update(
                X_CLIENT_ID=self.x.client_id,
                X_CLIENT_SECRET=self.x.client_secret,
                X_OAUTH_AUTHORIZE_URL=self.x.authorize_url,
                X_API_BASE_URL=self.x.api_url,
            )
        if self.linkedin is not None or self.x is not None:
            values["SECRET_KEY"] = TEST_SECRET_KEY
        values.update(self.extra_settings)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self) -> Harness:
        self.url  # noqa: B018 - binds the socket on first use
        sock, self._socket = self._socket, None
        if sock is None:
            raise RuntimeError("no socket to serve on")

        self.runtime = Runtime(self.settings(), clock=self.clock, maintenance_interval=0.2)
        config = uvicorn.Config(
            create_app(self.runtime), lifespan="on", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._serving = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._serving.done():
                await self._serving
                raise RuntimeError("the app stopped during start-up")
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None and self._serving is not None:
            self._server.should_exit = True
            await self._serving
        self._server = self._serving = None

    async def restart(self, downtime: timedelta = timedelta(0)) -> None:
        """Stop the process, let `downtime` pass, and start a new one on the same port."""
        await self.stop()
        self.advance(downtime)
        await self.start()

    def advance(self, delta: timedelta) -> None:
        """Move time forward for the app, its job queue, QStash, LinkedIn and X."""
        self.clock.advance(delta)
        for server in (self.qstash, self.linkedin, self.x):
            if server is not None:
                server.advance(delta.total_seconds())
        if self.runtime is not None and self.runtime.services is not None:
            self.runtime.services.queue.wake()

    # Talking to the bot as a user.

    def last_bot_message_id(self, chat_id: int) -> int:
        messages = self.telegram.bot_messages(chat_id)
        return max((m.message_id for m in messages), default=0)

    async def say(
        self,
        user: FakeUser,
        text_: str,
        expect: str | None = None,
        *,
        reply_to: int | None = None,
        timeout: float = 10.0,
    ) -> FakeMessage:
        """Send `text_` as `user`; return the first new bot message containing `expect`."""
        after = self.last_bot_message_id(user.id)
        self.telegram.send_text(user.id, text_, reply_to=reply_to)
        return await self.reply_to(user, expect, after=after, timeout=timeout)

    async def press(
        self,
        user: FakeUser,
        message: FakeMessage,
        data_prefix: str,
        expect: str | None = None,
        *,
        in_place: bool = False,
        timeout: float = 10.0,
    ) -> FakeMessage:
        """Press the button whose callback data starts with `data_prefix`.

        Returns the message that then contains `expect`: the pressed message
        itself when `in_place`, otherwise a new bot message.
        """
        data = next(d for d in message.callback_data if d.startswith(data_prefix))
        after = self.last_bot_message_id(user.id)
        query_id = self.telegram.press_button(user.id, message.chat_id, message.message_id, data)
        await self.telegram.wait_for_answer(query_id, timeout=timeout)
        if in_place:
            return await self.telegram.wait_for_message(
                message.chat_id,
                lambda m: m.message_id == message.message_id and _contains(m, expect),
                timeout=timeout,
            )
        return await self.reply_to(user, expect, after=after, timeout=timeout)

    async def reply_to(
        self, user: FakeUser, expect: str | None, *, after: int, timeout: float = 10.0
    ) -> FakeMessage:
        return await self.telegram.wait_for_message(
            user.id, lambda m: _contains(m, expect), timeout=timeout, after_message_id=after
        )

    # Setting a user up the way the walkthrough does.

    async def onboard(self, name: str = "Alice", zone: str = "Europe/Berlin") -> FakeUser:
        user = self.telegram.add_user(name, language_code="en")
        await self.say(user, "/start", "which timezone")
        await self.say(user, zone, "Timezone set")
        return user

    async def connect_channel(
        self, user: FakeUser, title: str = "Acme News", username: str = "acme_news"
    ) -> FakeChannel:
        channel = self.telegram.add_channel(
            title, username, creator=user.id, bot_rights={"can_post_messages": True}
        )
        await self.say(user, "/connect", "@username")
        await self.say(user, f"@{username}", "Connected")
        return channel

    async def login_link(self, user: FakeUser, platform: str) -> str:
        """/connect, pick `platform` ("linkedin" or "x"); return the login link the bot sent."""
        choice = await self.say(user, "/connect", "Where do you want to post?")
        message = await self.press(user, choice, f"c:{platform}", "Log in to")
        [button] = message.buttons
        return str(button["url"])

    async def follow(self, url: str) -> httpx.Response:
        """Open a login link as the user's browser would, redirects included."""
        async with httpx.AsyncClient(follow_redirects=True, trust_env=False) as browser:
            return await browser.get(url)

    async def connect_network(self, user: FakeUser, platform: str) -> FakeMessage:
        """Log in to LinkedIn or X as the fake's next member; return the bot's confirmation."""
        after = self.last_bot_message_id(user.id)
        page = await self.follow(await self.login_link(user, platform))
        if page.status_code != 200:
            raise AssertionError(f"login page answered {page.status_code}: {page.text}")
        return await self.reply_to(user, "connected as", after=after)

    async def schedule(self, user: FakeUser, request: str) -> FakeMessage:
        """Send a request, press Schedule on its preview; return the preview as scheduled."""
        preview = await self.say(user, request, "Preview")
        return await self.press(user, preview, "pv:s:", "Scheduled", in_place=True)

    async def channel_post(
        self, channel_id: int, expect: str | None = None, timeout: float = 10.0
    ) -> FakeMessage:
        return await self.telegram.wait_for_message(
            channel_id, lambda m: _contains(m, expect), timeout=timeout
        )

    # Reading the database as the app left it.

    async def posts(self) -> list[Post]:
        if self.runtime is None or self.runtime.store is None:
            raise RuntimeError("the app is not running")
        store = self.runtime.store
        database = store.database
        async with database.engine.connect() as connection:
            ids = (await connection.execute(text("SELECT id FROM posts ORDER BY id"))).scalars()
            post_ids = list(ids)
        found = [await store.posts.get(post_id) for post_id in post_ids]
        return [post for post in found if post is not None]

    async def wait_for_post(self, check: Callable[[Post], bool], timeout: float = 10.0) -> Post:
        """Wait until some post passes `check`, and return it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for post in await self.posts():
                if check(post):
                    return post
            if asyncio.get_running_loop().time() > deadline:
                states = [(p.id, p.status.value, p.attempts) for p in await self.posts()]
                raise AssertionError(f"no post passed the check; posts are {states}")
            await asyncio.sleep(0.02)

    async def wait_for_status(
        self, status: PostStatus, count: int = 1, timeout: float = 10.0
    ) -> list[Post]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            posts = [p for p in await self.posts() if p.status is status]
            if len(posts) >= count:
                return posts
            if asyncio.get_running_loop().time() > deadline:
                states = [(p.id, p.status.value) for p in await self.posts()]
                raise AssertionError(f"expected {count} post(s) {status}; posts are {states}")
            await asyncio.sleep(0.02)


async def snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table except the update log, to prove nothing changed."""
    database = Database(database_url)
    queries = {
        "users": "SELECT id, chat_id, timezone, date_order FROM users ORDER BY id",
        "accounts": "SELECT id, user_id, external_id, status FROM accounts ORDER BY id",
        "post_groups": "SELECT id, user_id FROM post_groups ORDER BY id",
        "posts": "SELECT id, status, version, run_at, due_at, job_id FROM posts ORDER BY id",
        "dialogues": "SELECT user_id, state, subject, draft_text FROM dialogues ORDER BY user_id",
    }
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with database.engine.connect() as connection:
        for table, query in queries.items():
            rows[table] = [tuple(row) for row in await connection.execute(text(query))]
    await database.dispose()
    return rows


def _contains(message: FakeMessage, expect: str | None) -> bool:
    if expect is None:
        return True
    return expect in (message.text or "")


def plain(html_text: str) -> str:
    """A bot text constant as Telegram shows it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))

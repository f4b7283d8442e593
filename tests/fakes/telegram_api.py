"""A Telegram Bot API test server that python-telegram-bot can talk to over HTTP.

`FakeTelegram` serves `/bot<token>/<method>` on 127.0.0.1 in a thread of its
own. It keeps users, channels with their members, messages, updates and
callback queries. It serves the Bot API methods postlater uses with the JSON
and the error descriptions of the real server, hands updates out through
getUpdates long polling or POSTs them to a webhook, and records every call so
that tests can see what the bot did. Tests play the users through `send_text`,
`press_button` and the other actions, and can make the next calls fail or
answer late.

Every public method is safe to call from any thread. The `wait_for_*` methods
are coroutines that poll from the caller's event loop, so an async test can
wait while the bot under test runs on the same loop.

Methods served: getMe, logOut, close, getUpdates, setWebhook, deleteWebhook,
getWebhookInfo, sendMessage, editMessageText, editMessageReplyMarkup,
deleteMessage, answerCallbackQuery, getChat, getChatMember,
getChatAdministrators, setMyCommands, getMyCommands, deleteMyCommands,
sendChatAction. Others get 404 "Not Found", as unknown methods do on Telegram.
Not modelled: groups and supergroups, media and files, inline mode, flood
limits (inject them with `fail_next(..., 429, retry_after=...)`), the 24-hour
expiry of updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes import telegram_actions as actions
from tests.fakes.serving import ThreadedServer
from tests.fakes.telegram_actions import SentMessage
from tests.fakes.telegram_errors import NOT_FOUND, UNAUTHORIZED, ApiError
from tests.fakes.telegram_methods import BotApiMethods, Described, command_scope_key
from tests.fakes.telegram_records import (
    ApiCall,
    ChatMemberStatus,
    FakeCallbackQuery,
    FakeChannel,
    FakeMessage,
    FakeUpdate,
    FakeUser,
    WebhookDelivery,
)
from tests.fakes.telegram_request import Params, read_parameters
from tests.fakes.telegram_state import TelegramState
from tests.fakes.telegram_webhook import WebhookSender

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BOT_ID = 7_000_000_001
_WAIT_INTERVAL = 0.01
_ALL_HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@dataclass
class _Injection:
    method: str
    chat_id: str | None
    remaining: int
    error: ApiError | None = None
    delay: float = 0.0

    def matches(self, method: str, params: Mapping[str, str]) -> bool:
        if self.remaining <= 0 or self.method != method:
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


class FakeTelegram:
    """Telegram Bot API test server on 127.0.0.1.

    Start it with `start()` or `with FakeTelegram() as telegram:` and point
    python-telegram-bot at it with `base_url=telegram.base_url`
    (`Bot(telegram.token, base_url=telegram.base_url)` or
    `ApplicationBuilder().base_url(telegram.base_url)`).

    `clock` gives message dates, the 48-hour delete limit and the age of
    callback queries, so a test can age a query past `callback_answer_timeout`
    without sleeping. `strict_webhook_ports` makes setWebhook require HTTPS on
    port 443, 80, 88 or 8443 as Telegram does. It is off by default because
    tests serve their webhook over plain HTTP on a random port. Webhook
    deliveries are retried after `webhook_retry_delay` seconds, at most
    `webhook_max_attempts` times, each waiting up to `webhook_timeout` seconds
    for the reply.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "postlater_test_bot",
        bot_first_name: str = "Postlater",
        clock: Callable[[], float] = time.time,
        callback_answer_timeout: float = 15.0,
        strict_webhook_ports: bool = False,
        webhook_retry_delay: float = 0.2,
        webhook_max_attempts: int = 5,
        webhook_timeout: float = 10.0,
    ) -> None:
        # A bot token starts with the bot's id, as Telegram's do.
        token = token or f"{DEFAULT_BOT_ID}:AAFakeTokenForTestsOnly0123456789ab"
        token_prefix = token.split(":", 1)[0]
        bot_id = int(token_prefix) if token_prefix.isdigit() else DEFAULT_BOT_ID
        bot = FakeUser(id=bot_id, first_name=bot_first_name, username=bot_username, is_bot=True)
        self._state = TelegramState(
            token=token, bot=bot, clock=clock, callback_answer_timeout=callback_answer_timeout
        )
        self._methods = BotApiMethods(self._state, strict_webhook_ports=strict_webhook_ports)
        self._sender = WebhookSender(
            self._state,
            retry_delay=webhook_retry_delay,
            max_attempts=webhook_max_attempts,
            timeout=webhook_timeout,
            execute_reply=self._execute_webhook_reply,
        )
        self._injections: list[_Injection] = []
        self._server = ThreadedServer(self._build_app())

    # Lifecycle

    def start(self) -> FakeTelegram:
        self._server.start()
        return self

    def stop(self) -> None:
        # Waiting getUpdates requests return at once, so the server can shut down.
        with self._state.lock:
            self._state.closing = True
        self._server.stop()

    def reset(self) -> None:
        """Forget users, chats, messages, updates, calls, webhook, commands and injected failures.

        The bot, its token and the server stay, so one server can serve many tests.
        A getUpdates request still waiting ends with 409.
        """
        with self._state.lock:
            self._state.clear()
            self._injections.clear()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def base_url(self) -> str:
        """The `base_url` for python-telegram-bot: the bot token and method name follow it."""
        return f"{self._server.url}/bot"

    @property
    def token(self) -> str:
        return self._state.token

    @property
    def bot(self) -> FakeUser:
        with self._state.lock:
            return copy.deepcopy(self._state.bot)

    # Accounts and channels

    def add_user(
        self,
        first_name: str = "Alice",
        language_code: str | None = "en",
        username: str | None = None,
        *,
        last_name: str | None = None,
        started: bool = False,
    ) -> FakeUser:
        """Create a Telegram account; the private chat with the bot has the user's id.

        The bot can write to the user only after the user has written to it (or with
        `started=True`); before that sendMessage fails with 403, as on Telegram.
        """
        with self._state.lock:
            user = actions.add_user(
                self._state,
                first_name=first_name,
                language_code=language_code,
                username=username,
                last_name=last_name,
                started=started,
            )
            return copy.deepcopy(user)

    def add_channel(
        self,
        title: str,
        username: str | None = None,
        *,
        creator: int,
        admins: Mapping[int, Mapping[str, bool]] | Iterable[int] = (),
        bot_rights: Mapping[str, bool] | None = None,
    ) -> FakeChannel:
        """Create a channel; `username` (without '@') makes it public.

        `admins` maps user ids to rights that differ from the defaults Telegram apps
        preselect (DEFAULT_ADMIN_RIGHTS), or lists user ids with the defaults.
        With `bot_rights` the bot joins as an administrator with those rights over
        the defaults (pass {} for the defaults) and gets a my_chat_member update;
        without it the bot is not in the channel.
        """
        with self._state.lock:
            channel = actions.add_channel(
                self._state,
                title=title,
                username=username,
                creator=creator,
                admins=admins,
                bot_rights=bot_rights,
            )
            return copy.deepcopy(channel)

    def set_member(
        self,
        chat_id: int,
        user_id: int,
        status: ChatMemberStatus,
        *,
        actor_id: int | None = None,
        custom_title: str | None = None,
        **rights: bool,
    ) -> None:
        """Change a channel membership; for "administrator", `rights` override the defaults.

        The bot's own membership sends a my_chat_member update; other users' send
        chat_member when the bot is an administrator and asked for it in
        allowed_updates. `actor_id` (default: the creator) is who made the change.
        """
        with self._state.lock:
            actions.set_member(
                self._state,
                chat_id,
                user_id,
                status,
                actor_id=actor_id,
                custom_title=custom_title,
                rights=rights,
            )

    def delete_channel(self, chat_id: int) -> None:
        """Delete a channel; afterwards the Bot API reports "chat not found" for it."""
        with self._state.lock:
            self._state.channel(chat_id).deleted = True

    def block_bot(self, user_id: int) -> None:
        """Block the bot: sends to the user fail with 403 and my_chat_member reports "kicked"."""
        with self._state.lock:
            actions.set_bot_blocked(self._state, user_id, blocked=True)

    def unblock_bot(self, user_id: int) -> None:
        with self._state.lock:
            actions.set_bot_blocked(self._state, user_id, blocked=False)

    # Users acting

    def send_text(self, user_id: int, text: str, reply_to: int | None = None) -> SentMessage:
        """Send a private message to the bot; commands, links and mentions get entities."""
        with self._state.lock:
            return actions.send_text(self._state, user_id, text, reply_to)

    def edit_text(self, user_id: int, message_id: int, text: str) -> SentMessage:
        """Edit a message the user sent; the bot gets an edited_message update."""
        with self._state.lock:
            return actions.edit_text(self._state, user_id, message_id, text)

    def share_location(self, user_id: int, latitude: float, longitude: float) -> SentMessage:
        with self._state.lock:
            return actions.share_location(self._state, user_id, latitude, longitude)

    def send_channel_post(self, chat_id: int, text: str) -> SentMessage:
        """Post in a channel as its admins do; the bot gets channel_post if it is an admin there."""
        with self._state.lock:
            return actions.send_channel_post(self._state, chat_id, text)

    def forward_from_channel(self, user_id: int, chat_id: int, message_id: int) -> SentMessage:
        """Forward a channel post to the bot; the message has forward_origin of type "channel"."""
        with self._state.lock:
            return actions.forward_from_channel(self._state, user_id, chat_id, message_id)

    def press_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        callback_data: str,
        *,
        forged: bool = False,
    ) -> str:
        """Press an inline button that the message has now; return the callback query id.

        With `forged`, any callback data is sent, as a modified client can do on
        a message in its own chat: bots must not trust callback data.
        """
        with self._state.lock:
            return actions.press_button(
                self._state, user_id, chat_id, message_id, callback_data, forged
            )

    def redeliver(self, update_id: int) -> None:
        """POST an update to the webhook once more, as Telegram does when a reply got lost."""
        with self._state.lock:
            if update_id not in self._state.updates:
                raise ValueError(f"no update {update_id}")
            if self._state.webhook is None:
                raise ValueError("no webhook is set; redeliver needs setWebhook first")
            self._state.webhook_queue.redeliveries.append(update_id)

    # Failure injection

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Fail the next `times` calls of `method` (to `chat_id`, if given) with an error.

        The calls change nothing. Without `description`, a 429 gets Telegram's
        "Too Many Requests: retry after N" (N = `retry_after`, default 1) and other
        codes a generic text.
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        text = description or _default_description(error_code, retry_after)
        self._inject(method, chat_id, times, error=ApiError(error_code, text, parameters))

    def delay_next(
        self, method: str, seconds: float, chat_id: int | str | None = None, times: int = 1
    ) -> None:
        """Carry out the next calls of `method` at once but send the reply `seconds` later.

        This reproduces a client timeout after Telegram already sent the message.
        """
        self._inject(method, chat_id, times, delay=seconds)

    def _inject(
        self,
        method: str,
        chat_id: int | str | None,
        times: int,
        *,
        error: ApiError | None = None,
        delay: float = 0.0,
    ) -> None:
        entry = self._methods.lookup(method)
        if entry is None:
            raise ValueError(f"unknown Bot API method {method!r}; this server cannot fail it")
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        chat = None if chat_id is None else str(chat_id)
        with self._state.lock:
            self._injections.append(_Injection(entry[0], chat, times, error, delay))

    def _take_injection(self, method: str, params: Mapping[str, str]) -> _Injection | None:
        with self._state.lock:
            for injection in self._injections:
                if injection.matches(method, params):
                    injection.remaining -= 1
                    return injection
        return None

    # Inspection. Each call returns copies taken under the lock.

    def user(self, user_id: int) -> FakeUser:
        with self._state.lock:
            return copy.deepcopy(self._state.user(user_id))

    def channel(self, chat_id: int) -> FakeChannel:
        with self._state.lock:
            return copy.deepcopy(self._state.channel(chat_id))

    def messages(self, chat_id: int) -> list[FakeMessage]:
        """Return the chat's messages as they now stand, oldest first, without deleted ones."""
        with self._state.lock:
            return copy.deepcopy(list(self._state.chat_messages.get(chat_id, {}).values()))

    def bot_messages(self, chat_id: int) -> list[FakeMessage]:
        return [message for message in self.messages(chat_id) if message.sent_by_bot]

    def message(self, chat_id: int, message_id: int) -> FakeMessage | None:
        with self._state.lock:
            return copy.deepcopy(self._state.find_message(chat_id, message_id))

    def message_json(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """Return the Message object the Bot API would send for this message now."""
        with self._state.lock:
            message = self._state.find_message(chat_id, message_id)
            if message is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            return self._state.message_json(message)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Return every Bot API call in order of completion, optionally of one method."""
        wanted = None if method is None else method.lower()
        with self._state.lock:
            return [
                copy.deepcopy(call)
                for call in self._state.calls
                if wanted is None or call.method.lower() == wanted
            ]

    def callback_query(self, query_id: str) -> FakeCallbackQuery:
        with self._state.lock:
            query = self._state.callback_queries.get(query_id)
            if query is None:
                raise ValueError(f"no callback query {query_id!r}")
            return copy.deepcopy(query)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """Return the answerCallbackQuery parameters for the query, or None while unanswered."""
        return self.callback_query(query_id).answer

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """Return the commands setMyCommands stored for the scope (default scope when None)."""
        key = command_scope_key(dict(scope) if scope is not None else None, language_code)
        with self._state.lock:
            return copy.deepcopy(self._state.commands.get(key, []))

    def webhook_info(self) -> dict[str, Any]:
        """Return what getWebhookInfo would return, including the secret token."""
        with self._state.lock:
            info = self._state.webhook_info_json()
            webhook = self._state.webhook
            info["secret_token"] = webhook.secret_token if webhook else ""
            return info

    def allowed_updates(self) -> list[str]:
        with self._state.lock:
            return sorted(self._state.allowed_updates)

    def updates(self) -> list[FakeUpdate]:
        """Return every update created so far, delivered or not, oldest first."""
        with self._state.lock:
            return copy.deepcopy(list(self._state.updates.values()))

    def pending_updates(self) -> list[FakeUpdate]:
        """Return the updates the bot has not yet confirmed or received by webhook."""
        with self._state.lock:
            return copy.deepcopy(self._state.pending)

    def deliveries(self, update_id: int | None = None) -> list[WebhookDelivery]:
        """Return the finished webhook delivery attempts in order of completion."""
        with self._state.lock:
            return [
                copy.deepcopy(delivery)
                for delivery in self._state.deliveries
                if update_id is None or delivery.update_id == update_id
            ]

    # Async waiters: they poll from the caller's event loop, never blocking it.

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[FakeMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        after_message_id: int = 0,
    ) -> FakeMessage:
        """Wait for a bot message in the chat, newer than `after_message_id`, matching `predicate`.

        Messages count as they now stand, so one edited into a matching state counts.
        """

        def check() -> FakeMessage | None:
            for message in self.bot_messages(chat_id):
                if message.message_id > after_message_id and (
                    predicate is None or predicate(message)
                ):
                    return message
            return None

        def describe() -> str:
            seen = [(m.message_id, m.text) for m in self.bot_messages(chat_id)]
            return (
                f"no matching bot message in chat {chat_id} after {timeout} s; bot messages: {seen}"
            )

        return await _poll(check, timeout, describe)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> ApiCall:
        """Wait for the first completed call of `method` that matches `predicate`."""
        if self._methods.lookup(method) is None:
            raise ValueError(f"unknown Bot API method {method!r}")

        def check() -> ApiCall | None:
            for call in self.calls(method):
                if predicate is None or predicate(call):
                    return call
            return None

        def describe() -> str:
            statuses = [call.status for call in self.calls(method)]
            methods = sorted({call.method for call in self.calls()})
            return (
                f"no matching {method} call after {timeout} s; its statuses: {statuses}; "
                f"methods called: {methods}"
            )

        return await _poll(check, timeout, describe)

    async def wait_for_answer(
        self,
        query_id: str,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Wait until the bot answers the callback query; return the answer's parameters."""

        def describe() -> str:
            attempts = [c.status for c in self.calls("answerCallbackQuery")]
            return (
                f"callback query {query_id} unanswered after {timeout} s; "
                f"answerCallbackQuery statuses: {attempts}"
            )

        return await _poll(lambda: self.callback_answer(query_id), timeout, describe)

    async def wait_for_delivery(
        self,
        update_id: int,
        predicate: Callable[[WebhookDelivery], bool] | None = None,
        timeout: float = 5.0,
    ) -> WebhookDelivery:
        """Wait for a finished webhook attempt of the update that matches `predicate`."""

        def check() -> WebhookDelivery | None:
            for delivery in self.deliveries(update_id):
                if predicate is None or predicate(delivery):
                    return delivery
            return None

        def describe() -> str:
            attempts = [(d.attempt, d.status, d.error) for d in self.deliveries(update_id)]
            return (
                f"no matching delivery of update {update_id} after {timeout} s; "
                f"attempts: {attempts}"
            )

        return await _poll(check, timeout, describe)

    # HTTP

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"]),
                Route("/{path:path}", self._not_found, methods=_ALL_HTTP_METHODS),
            ],
            lifespan=self._lifespan,
        )

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        sender = asyncio.create_task(self._sender.run())
        try:
            yield
        finally:
            with self._state.lock:
                self._state.closing = True
            await sender

    async def _handle(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self._state.token:
            return JSONResponse(UNAUTHORIZED.to_json(), status_code=401)

        params = await read_parameters(request)
        body, status, delay = await self._execute(request.path_params["method"], params, "http")
        if delay:
            await asyncio.sleep(delay)
        return JSONResponse(body, status_code=status)

    async def _not_found(self, request: Request) -> JSONResponse:
        return JSONResponse(NOT_FOUND.to_json(), status_code=404)

    async def _execute_webhook_reply(self, method: str, params: dict[str, str]) -> None:
        await self._execute(method, params, "webhook reply")

    async def _execute(
        self, method: str, params: dict[str, str], source: str
    ) -> tuple[dict[str, Any], int, float]:
        """Run one method; return the reply body, HTTP status and the injected reply delay."""
        with self._state.lock:
            generation = self._state.generation
        entry = self._methods.lookup(method)
        if entry is None:
            self._record(generation, method, params, 404, NOT_FOUND.to_json(), source)
            return NOT_FOUND.to_json(), 404, 0.0

        name, handler = entry
        injection = self._take_injection(name, params)
        if injection is not None and injection.error is not None:
            body, status = injection.error.to_json(), injection.error.error_code
        else:
            body, status = await self._run_handler(name, handler, params)
        self._record(generation, name, params, status, body, source)
        return body, status, injection.delay if injection is not None else 0.0

    async def _run_handler(
        self, name: str, handler: Callable[[Params], Any], params: dict[str, str]
    ) -> tuple[dict[str, Any], int]:
        try:
            result = handler(Params(params))
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return error.to_json(), error.error_code
        except Exception as error:
            # A bug in this server: reply like Telegram's own internal errors, and log it.
            logger.exception("%s failed inside the Telegram test server", name)
            return ApiError(500, f"Internal Server Error: {error!r}").to_json(), 500

        if isinstance(result, Described):
            return {"ok": True, "result": result.result, "description": result.description}, 200
        return {"ok": True, "result": result}, 200

    def _record(
        self,
        generation: int,
        method: str,
        params: dict[str, str],
        status: int,
        body: dict[str, Any],
        source: str,
    ) -> None:
        call = ApiCall(method, dict(params), status, copy.deepcopy(body), time.time(), source)
        with self._state.lock:
            # A call that began before reset() belongs to an earlier test.
            if generation == self._state.generation:
                self._state.calls.append(call)


def _default_description(error_code: int, retry_after: int | None) -> str:
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after}"
    return {
        400: "Bad Request: injected failure",
        401: "Unauthorized",
        403: "Forbidden: injected failure",
        404: "Not Found",
        409: "Conflict: injected failure",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }.get(error_code, f"Error {error_code}: injected failure")


async def _poll(
    check: Callable[[], T | None],
    timeout: float,
    describe: Callable[[], str],
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise TimeoutError(describe())
        await asyncio.sleep(_WAIT_INTERVAL)

"""Bot API methods of the Telegram test server.

Each handler takes the request's `Params`, checks them in the order the real
server does (tdlib/telegram-bot-api `Client.cpp` and tdlib, 2026), changes the
state and returns the `result` of the reply, or raises ApiError. Handlers run on
the server's event loop and hold the state lock while they work; only
getUpdates waits, and it waits outside the lock.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.telegram_entities import finish_text, parse_text
from tests.fakes.telegram_errors import ApiError, bad_request, conflict
from tests.fakes.telegram_markup import ReplyMarkup, check_inline_keyboard, parse_reply_markup
from tests.fakes.telegram_records import FakeMessage
from tests.fakes.telegram_request import Params
from tests.fakes.telegram_state import Access, LongPoll, TelegramState, WebhookSettings

# How often a waiting getUpdates looks for new updates.
POLL_INTERVAL = 0.005

# Telegram caps getUpdates' timeout at 50 seconds and its limit at 100 updates.
MAX_LONG_POLL_TIMEOUT = 50
MAX_UPDATES_PER_REQUEST = 100

MAX_CALLBACK_ANSWER_TEXT = 200
MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256
WEBHOOK_PORTS = (80, 88, 443, 8443)

QUERY_ID_INVALID = ApiError(
    400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
MESSAGE_NOT_MODIFIED = ApiError(
    400,
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message",
)
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
COMMAND_SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")
_COMMAND = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class Described:
    """A successful result that Telegram sends with a `description`, as setWebhook does."""

    result: Any
    description: str


Handler = Callable[[Params], Any]


class BotApiMethods:
    def __init__(self, state: TelegramState, *, strict_webhook_ports: bool) -> None:
        self.state = state
        self.strict_webhook_ports = strict_webhook_ports
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self.get_me),
                ("logOut", self.log_out),
                ("close", self.close),
                ("getUpdates", self.get_updates),
                ("setWebhook", self.set_webhook),
                ("deleteWebhook", self.delete_webhook),
                ("getWebhookInfo", self.get_webhook_info),
                ("sendMessage", self.send_message),
                ("editMessageText", self.edit_message_text),
                ("editMessageReplyMarkup", self.edit_message_reply_markup),
                ("deleteMessage", self.delete_message),
                ("answerCallbackQuery", self.answer_callback_query),
                ("getChat", self.get_chat),
                ("getChatMember", self.get_chat_member),
                ("getChatAdministrators", self.get_chat_administrators),
                ("setMyCommands", self.set_my_commands),
                ("getMyCommands", self.get_my_commands),
                ("deleteMyCommands", self.delete_my_commands),
                ("sendChatAction", self.send_chat_action),
            )
        }

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        """Find a handler; method names are case-insensitive on the Bot API server."""
        return self._handlers.get(method.lower())

    # Bot and updates

    def get_me(self, params: Params) -> Any:
        with self.state.lock:
            return self.state.me_json()

    def log_out(self, params: Params) -> Any:
        return True

    def close(self, params: Params) -> Any:
        return True

    async def get_updates(self, params: Params) -> Any:
        state = self.state
        with state.lock:
            if state.webhook is not None:
                raise conflict(
                    "can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first"
                )
            limit = params.clamped("limit", MAX_UPDATES_PER_REQUEST, 1, MAX_UPDATES_PER_REQUEST)
            timeout = params.clamped("timeout", 0, 0, MAX_LONG_POLL_TIMEOUT)
            state.set_allowed_updates(params.text("allowed_updates"))
            state.confirm_updates(params.integer("offset"))
            batch = [update.to_json() for update in state.pending[:limit]]
            if batch or timeout == 0:
                return batch

            # Only one long poll may wait: a newer one ends the older one with 409.
            if state.long_poll is not None:
                state.long_poll.aborted = (
                    "terminated by other getUpdates request; "
                    "make sure that only one bot instance is running"
                )
            poll = LongPoll()
            state.long_poll = poll

        deadline = time.monotonic() + timeout
        try:
            while True:
                await asyncio.sleep(POLL_INTERVAL)
                with state.lock:
                    if poll.aborted is not None:
                        raise conflict(poll.aborted)
                    batch = [update.to_json() for update in state.pending[:limit]]
                    if batch or state.closing or time.monotonic() >= deadline:
                        return batch
        finally:
            with state.lock:
                if state.long_poll is poll:
                    state.long_poll = None

    def set_webhook(self, params: Params) -> Any:
        url = params.text("url")
        if not url:
            return self.delete_webhook(params)

        max_connections = (
            params.clamped("max_connections", 40, 1, 100) if params.has("max_connections") else None
        )
        secret_token = params.text("secret_token")
        address = self._check_webhook_url(url)
        if len(secret_token) > 256:
            raise bad_request("secret token is too long")
        if not _SECRET_TOKEN.fullmatch(secret_token):
            raise bad_request("secret token contains unallowed characters")

        state = self.state
        with state.lock:
            current = state.webhook
            unchanged = (
                current is not None
                and (current.url, current.secret_token, current.max_connections)
                == (url, secret_token, max_connections)
                and not params.flag("drop_pending_updates")
            )
            state.set_allowed_updates(params.text("allowed_updates"))
            if unchanged:
                return Described(True, "Webhook is already set")

            if params.flag("drop_pending_updates"):
                state.drop_pending_updates()
            if state.long_poll is not None:
                state.long_poll.aborted = "terminated by setWebhook request"
            state.webhook = WebhookSettings(url, secret_token, max_connections, address)
            state.webhook_queue.last_error_date = None
            state.webhook_queue.last_error_message = None
            return Described(True, "Webhook was set")

    def _check_webhook_url(self, url: str) -> str:
        """Check the URL like Telegram; return the IP address getWebhookInfo reports."""
        # A URL without a scheme is an HTTPS URL to Telegram.
        parts = urlsplit(url if "://" in url else f"https://{url}")
        try:
            port = parts.port
        except ValueError:
            raise bad_request("invalid webhook URL specified") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("invalid webhook URL specified")

        # NOTE: tests use plain HTTP on random ports, which the real server allows only
        # in its --local mode, so these checks are opt-in.
        if self.strict_webhook_ports:
            if parts.scheme != "https":
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if (port or 443) not in WEBHOOK_PORTS:
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )

        host = parts.hostname
        if host == "localhost":
            return "127.0.0.1"
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            return "<unknown>"

    def delete_webhook(self, params: Params) -> Any:
        state = self.state
        with state.lock:
            if params.flag("drop_pending_updates"):
                state.drop_pending_updates()
            if state.webhook is None:
                return Described(True, "Webhook is already deleted")
            state.webhook = None
            return Described(True, "Webhook was deleted")

    def get_webhook_info(self, params: Params) -> Any:
        with self.state.lock:
            return self.state.webhook_info_json()

    # Messages

    def send_message(self, params: Params) -> Any:
        text = params.text("text")
        if not text:
            raise bad_request("Message text is empty")
        text, entities = parse_text(text, params.text("parse_mode"), _entities_parameter(params))
        markup = parse_reply_markup(params.text("reply_markup"))
        reply = _reply_parameters(params)
        link_preview_options = _link_preview_options(params)

        state = self.state
        with state.lock:
            chat_id = state.resolve_chat(params.text("chat_id"), Access.WRITE)
            state.require_post_rights(chat_id)
            reply_to = self._reply_target(chat_id, reply)
            text, entities = finish_text(text, entities, user_exists=self._user_exists)
            keyboard = check_inline_keyboard(markup.inline_keyboard or [])
            state.require_reachable_user(chat_id)

            in_channel = chat_id < 0
            message = state.new_message(
                chat_id,
                sent_by_bot=True,
                from_id=None if in_channel else state.bot.id,
                sender_chat_id=chat_id if in_channel else None,
                text=text,
                entities=[entity.to_json(state.user_json) for entity in entities],
                inline_keyboard=keyboard or None,
                reply_keyboard=markup.keyboard,
                reply_to_message_id=reply_to,
                link_preview_options=link_preview_options,
            )
            return state.message_json(message)

    def edit_message_text(self, params: Params) -> Any:
        text = params.text("text")
        if not text:
            raise bad_request("Message text is empty")
        text, entities = parse_text(text, params.text("parse_mode"), _entities_parameter(params))
        markup = parse_reply_markup(params.text("reply_markup"))

        state = self.state
        with state.lock:
            message = self._message_to_edit(params, markup)
            if message.text is None:
                raise bad_request("There is no text in the message to edit")
            text, entities = finish_text(text, entities, user_exists=self._user_exists)
            keyboard = check_inline_keyboard(markup.inline_keyboard or []) or None
            entities_json = [entity.to_json(state.user_json) for entity in entities]
            if (text, entities_json, keyboard) == (
                message.text,
                message.entities,
                message.inline_keyboard,
            ):
                raise MESSAGE_NOT_MODIFIED

            message.text, message.entities, message.inline_keyboard = text, entities_json, keyboard
            message.edit_date = state.now()
            link_preview_options = _link_preview_options(params)
            if link_preview_options is not None:
                message.link_preview_options = link_preview_options
            return state.message_json(message)

    def edit_message_reply_markup(self, params: Params) -> Any:
        markup = parse_reply_markup(params.text("reply_markup"))

        state = self.state
        with state.lock:
            message = self._message_to_edit(params, markup)
            keyboard = check_inline_keyboard(markup.inline_keyboard or []) or None
            if keyboard == message.inline_keyboard:
                raise MESSAGE_NOT_MODIFIED

            message.inline_keyboard = keyboard
            message.edit_date = state.now()
            return state.message_json(message)

    def _message_to_edit(self, params: Params, markup: ReplyMarkup) -> FakeMessage:
        chat_raw = params.text("chat_id")
        message_id = max(params.integer("message_id"), 0)
        if not chat_raw and message_id == 0:
            if not params.text("inline_message_id"):
                raise bad_request("Message identifier is not specified")
            # NOTE: messages sent via inline mode are not modelled, so every id is unknown.
            raise bad_request("MESSAGE_ID_INVALID")
        if markup.keyboard is not None:
            raise bad_request("Inline keyboard expected")

        chat_id = self.state.resolve_chat(chat_raw, Access.EDIT)
        message = self.state.find_message(chat_id, message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not self.state.can_edit(message):
            raise bad_request("Message can't be edited")
        return message

    def delete_message(self, params: Params) -> Any:
        state = self.state
        with state.lock:
            chat_id = state.resolve_chat(params.text("chat_id"), Access.WRITE)
            message = state.find_message(chat_id, params.integer("message_id"))
            if message is None:
                raise bad_request("message to delete not found")
            if not state.can_delete(message):
                raise bad_request("message can't be deleted")
            del state.messages_of(chat_id)[message.message_id]
            return True

    def _reply_target(self, chat_id: int, reply: tuple[int, bool] | None) -> int | None:
        if reply is None:
            return None
        message_id, allow_without_reply = reply
        if self.state.find_message(chat_id, message_id) is not None:
            return message_id
        if allow_without_reply:
            return None
        raise bad_request("message to be replied not found")

    def _user_exists(self, user_id: int) -> bool:
        return user_id == self.state.bot.id or user_id in self.state.users

    # Callback queries

    def answer_callback_query(self, params: Params) -> Any:
        state = self.state
        with state.lock:
            query = state.callback_queries.get(params.text("callback_query_id"))
            if query is None or query.answer is not None:
                raise QUERY_ID_INVALID
            if state.clock() - query.created_at > state.callback_answer_timeout:
                raise QUERY_ID_INVALID

            text = params.text("text")
            if len(text) > MAX_CALLBACK_ANSWER_TEXT:
                raise bad_request("MESSAGE_TOO_LONG")
            query.answer = {
                "text": text,
                "show_alert": params.flag("show_alert"),
                "url": params.text("url"),
                "cache_time": params.clamped("cache_time", 0, 0, 24 * 30 * 60 * 60),
            }
            return True

    # Chats

    def get_chat(self, params: Params) -> Any:
        with self.state.lock:
            chat_id = self.state.resolve_chat(params.text("chat_id"), Access.READ)
            return self.state.full_chat_json(chat_id)

    def get_chat_member(self, params: Params) -> Any:
        user_id = max(params.integer("user_id"), 0)
        if user_id == 0:
            raise bad_request("Invalid user_id specified")

        state = self.state
        with state.lock:
            chat_id = state.resolve_chat(params.text("chat_id"), Access.READ)
            if not self._user_exists(user_id):
                raise bad_request("member not found")
            if chat_id > 0:
                if user_id not in (chat_id, state.bot.id):
                    raise bad_request("member not found")
                return state.member_json(chat_id, user_id)

            # Only administrators may look at the members of a channel.
            if state.channels[chat_id].member(state.bot.id).status not in (
                "administrator",
                "creator",
            ):
                raise bad_request("member list is inaccessible")
            return state.member_json(chat_id, user_id)

    def get_chat_administrators(self, params: Params) -> Any:
        state = self.state
        with state.lock:
            chat_id = state.resolve_chat(params.text("chat_id"), Access.READ)
            if chat_id > 0:
                raise bad_request("there are no administrators in the private chat")

            channel = state.channels[chat_id]
            if channel.member(state.bot.id).status not in ("administrator", "creator"):
                raise bad_request("administrator list is inaccessible")
            ranked = sorted(
                (member.status != "creator", user_id)
                for user_id, member in channel.members.items()
                if member.status in ("creator", "administrator")
            )
            return [state.member_json(chat_id, user_id) for _, user_id in ranked]

    def send_chat_action(self, params: Params) -> Any:
        if params.text("action") not in CHAT_ACTIONS:
            raise bad_request("Wrong parameter action in request")

        state = self.state
        with state.lock:
            chat_id = state.resolve_chat(params.text("chat_id"), Access.WRITE)
            state.require_reachable_user(chat_id)
            return True

    # Commands

    def set_my_commands(self, params: Params) -> Any:
        commands = _bot_commands(params)
        key = _command_scope_key(params)
        with self.state.lock:
            if commands:
                self.state.commands[key] = commands
            else:
                self.state.commands.pop(key, None)
            return True

    def get_my_commands(self, params: Params) -> Any:
        key = _command_scope_key(params)
        with self.state.lock:
            return list(self.state.commands.get(key, []))

    def delete_my_commands(self, params: Params) -> Any:
        key = _command_scope_key(params)
        with self.state.lock:
            self.state.commands.pop(key, None)
            return True


def _entities_parameter(params: Params) -> Any:
    # The real server ignores an `entities` value that is not valid JSON.
    try:
        return params.json("entities")
    except ValueError:
        return None


def _reply_parameters(params: Params) -> tuple[int, bool] | None:
    """Return (message id, allow sending without reply) from reply_parameters or the old fields."""
    raw = params.text("reply_parameters")
    if raw:
        try:
            value = json.loads(raw)
        except ValueError:
            raise bad_request("Can't parse reply parameters JSON object") from None
        if not isinstance(value, dict):
            raise bad_request("Object expected as reply parameters")
        message_id = value.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request('Field "message_id" must be a valid Number')
        return message_id, bool(value.get("allow_sending_without_reply", False))

    message_id = params.integer("reply_to_message_id")
    if message_id > 0:
        return message_id, params.flag("allow_sending_without_reply")
    return None


def _link_preview_options(params: Params) -> dict[str, Any] | None:
    raw = params.text("link_preview_options")
    if not raw:
        return {"is_disabled": True} if params.flag("disable_web_page_preview") else None
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request("Can't parse link preview options JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("Object expected as link preview options")
    return value


def _bot_commands(params: Params) -> list[dict[str, str]]:
    """Read and check setMyCommands' list as the Bot API server, tdlib and Telegram do."""
    raw = params.text("commands")
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request("Can't parse commands JSON object") from None
    if not isinstance(value, list):
        raise bad_request("Expected an Array of BotCommand")

    commands: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("Can't parse BotCommand: expected an Object")
        for field in ("command", "description"):
            if not isinstance(item.get(field), str):
                raise bad_request(f"Can't parse BotCommand: Can't find field \"{field}\"")
        commands.append(_checked_command(item["command"], item["description"]))
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    return commands


def _checked_command(command: str, description: str) -> dict[str, str]:
    command = command.strip()
    command = command.removeprefix("/")
    if not command:
        raise bad_request("Command must be non-empty")
    if len(command) > MAX_COMMAND_LENGTH:
        raise bad_request(f"Command length must not exceed {MAX_COMMAND_LENGTH}")
    description = description.strip()
    if not description:
        raise bad_request("Command description must be non-empty")
    if len(description) > MAX_COMMAND_DESCRIPTION_LENGTH:
        raise bad_request(
            f"Command description length must not exceed {MAX_COMMAND_DESCRIPTION_LENGTH}"
        )
    if not _COMMAND.fullmatch(command):
        raise bad_request("BOT_COMMAND_INVALID")
    return {"command": command, "description": description}


def _command_scope_key(params: Params) -> tuple[str, str]:
    """Key commands by scope and language, as Telegram stores one list per pair."""
    language_code = params.text("language_code")
    if language_code and not re.fullmatch(r"[a-z]{2}", language_code):
        raise bad_request("Invalid language code specified")

    raw = params.text("scope")
    if not raw:
        return command_scope_key(None, language_code)
    try:
        scope = json.loads(raw)
    except ValueError:
        raise bad_request("Can't parse BotCommandScope JSON object") from None
    if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
        raise bad_request("Unsupported scope type specified")
    return command_scope_key(scope, language_code)


def command_scope_key(scope: dict[str, Any] | None, language_code: str) -> tuple[str, str]:
    """Return the key of a BotCommandScope object (None for the default scope) and language."""
    if scope is None:
        return "default", language_code
    parts = [str(scope.get("type", "default"))]
    for field in ("chat_id", "user_id"):
        if field in scope:
            parts.append(f"{field}={scope[field]}")
    return " ".join(parts), language_code

"""State of the Telegram test server and its Bot API JSON.

`TelegramState` contains the bot, users, channels, messages, the update queue
and webhook settings behind one lock. It builds the JSON objects the Bot API
returns, with the fields of tdlib/telegram-bot-api's `Client.cpp` (May 2026),
and makes the chat access checks of the real server. Every method expects the
caller to hold `lock`, which the handlers and the test API take.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from tests.fakes.telegram_errors import bad_request, forbidden
from tests.fakes.telegram_records import (
    ADMIN_RIGHTS,
    ApiCall,
    ChannelMember,
    FakeCallbackQuery,
    FakeChannel,
    FakeMessage,
    FakeUpdate,
    FakeUser,
    WebhookDelivery,
)
from tests.fakes.telegram_request import to_integer

UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)

# Telegram sends these only to bots that list them in allowed_updates.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
DEFAULT_ALLOWED_UPDATES = frozenset(UPDATE_TYPES) - OPT_IN_UPDATE_TYPES


class Access(Enum):
    """What a method does with a chat, which decides the membership it needs."""

    READ = "read"
    WRITE = "write"
    EDIT = "edit"


@dataclass
class WebhookSettings:
    url: str
    secret_token: str
    max_connections: int | None
    ip_address: str


@dataclass
class LongPoll:
    """The getUpdates request that is waiting; `aborted` is set to the 409 reason to end it."""

    aborted: str | None = None


@dataclass
class WebhookQueue:
    """Delivery bookkeeping per update id."""

    in_flight: set[int] = field(default_factory=set)
    attempts: dict[int, int] = field(default_factory=dict)
    retry_at: dict[int, float] = field(default_factory=dict)
    redeliveries: list[int] = field(default_factory=list)
    last_error_date: int | None = None
    last_error_message: str | None = None


class TelegramState:
    def __init__(
        self,
        *,
        token: str,
        bot: FakeUser,
        clock: Callable[[], float],
        callback_answer_timeout: float,
    ) -> None:
        self.lock = threading.RLock()
        self.token = token
        self.bot = bot
        self.clock = clock
        self.callback_answer_timeout = callback_answer_timeout

        self.closing = False
        # Update ids keep growing across resets, as on Telegram, so that a delivery
        # still in flight from before a reset never matches a newer update.
        self.last_update_id = 0
        self.generation = 0
        self.clear()

    def clear(self) -> None:
        """Forget all accounts, chats, updates, calls and settings, keeping the bot."""
        waiting: LongPoll | None = getattr(self, "long_poll", None)
        if waiting is not None:
            waiting.aborted = "terminated by a reset of the test server"
        self.generation += 1

        self.users: dict[int, FakeUser] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.chat_messages: dict[int, dict[int, FakeMessage]] = {}
        self.next_message_ids: dict[int, int] = {}
        self.callback_queries: dict[str, FakeCallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}

        self.updates: dict[int, FakeUpdate] = {}
        self.pending: list[FakeUpdate] = []
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.long_poll: LongPoll | None = None

        self.webhook: WebhookSettings | None = None
        self.webhook_queue = WebhookQueue()
        self.deliveries: list[WebhookDelivery] = []
        self.calls: list[ApiCall] = []

    def now(self) -> int:
        return int(self.clock())

    # Users and chats

    def user(self, user_id: int) -> FakeUser:
        if user_id == self.bot.id:
            return self.bot
        user = self.users.get(user_id)
        if user is None:
            raise ValueError(f"no user {user_id}; create one with add_user()")
        return user

    def channel(self, chat_id: int) -> FakeChannel:
        channel = self.channels.get(chat_id)
        if channel is None or channel.deleted:
            raise ValueError(f"no channel {chat_id}; create one with add_channel()")
        return channel

    def find_username(self, username: str) -> int | None:
        wanted = username.lower()
        for channel in self.channels.values():
            if not channel.deleted and channel.username and channel.username.lower() == wanted:
                return channel.id
        for user in [self.bot, *self.users.values()]:
            if user.username and user.username.lower() == wanted:
                return user.id
        return None

    def resolve_chat(self, raw: str, access: Access) -> int:
        """Return the chat id a `chat_id` parameter names, after the Bot API's access checks."""
        if not raw:
            raise bad_request("chat_id is empty")

        chat_id = self.find_username(raw[1:]) if raw.startswith("@") else to_integer(raw)
        if chat_id is None or chat_id == 0:
            raise bad_request("chat not found")
        if chat_id > 0:
            if chat_id not in self.users and chat_id != self.bot.id:
                raise bad_request("chat not found")
            return chat_id

        channel = self.channels.get(chat_id)
        if channel is None or channel.deleted:
            raise bad_request("chat not found")
        status = channel.member(self.bot.id).status
        if status == "kicked":
            raise forbidden("bot was kicked from the channel chat")
        if status == "left":
            if channel.username is None and not channel.bot_was_member:
                raise bad_request("chat not found")
            # A public channel can be read by anyone; a private one only by members.
            if channel.username is None or access is not Access.READ:
                raise forbidden("bot is not a member of the channel chat")
        return chat_id

    def require_post_rights(self, chat_id: int) -> None:
        """Check that the bot may post in a channel; private chats pass."""
        if chat_id < 0 and not self.channel(chat_id).member(self.bot.id).can("can_post_messages"):
            raise bad_request("need administrator rights in the channel chat")

    def require_reachable_user(self, chat_id: int) -> None:
        """Check that a private chat accepts messages from the bot; channels pass."""
        if chat_id < 0:
            return
        user = self.user(chat_id)
        if user.is_bot:
            raise forbidden("The bot can't send messages to the bot")
        if user.blocked_bot:
            raise forbidden("bot was blocked by the user")
        if not user.started:
            raise forbidden("bot can't initiate conversation with a user")

    def can_edit(self, message: FakeMessage) -> bool:
        if message.chat_id > 0:
            return message.sent_by_bot
        bot = self.channel(message.chat_id).member(self.bot.id)
        if message.sent_by_bot:
            return bot.can("can_post_messages") or bot.can("can_edit_messages")
        return bot.can("can_edit_messages")

    def can_delete(self, message: FakeMessage) -> bool:
        # Telegram lets bots delete messages for 48 hours: their own, incoming ones in
        # private chats, and any channel post with can_delete_messages.
        if self.now() - message.date >= 48 * 3600:
            return False
        if message.chat_id > 0:
            return True
        bot = self.channel(message.chat_id).member(self.bot.id)
        if bot.can("can_delete_messages"):
            return True
        return message.sent_by_bot and bot.can("can_post_messages")

    # Messages

    def messages_of(self, chat_id: int) -> dict[int, FakeMessage]:
        return self.chat_messages.setdefault(chat_id, {})

    def new_message(self, chat_id: int, *, sent_by_bot: bool, **fields: Any) -> FakeMessage:
        message_id = self.next_message_ids.get(chat_id, 1)
        self.next_message_ids[chat_id] = message_id + 1
        message = FakeMessage(
            chat_id=chat_id,
            message_id=message_id,
            date=self.now(),
            sent_by_bot=sent_by_bot,
            **fields,
        )
        self.messages_of(chat_id)[message_id] = message
        return message

    def find_message(self, chat_id: int, message_id: int) -> FakeMessage | None:
        return self.chat_messages.get(chat_id, {}).get(message_id)

    # Updates

    def add_update(self, kind: str, payload: dict[str, Any], chat_id: int | None) -> int | None:
        """Queue an update; return its id, or None when allowed_updates filters it out."""
        if kind not in self.allowed_updates:
            return None
        self.last_update_id += 1
        update = FakeUpdate(self.last_update_id, kind, payload, chat_id)
        self.updates[update.update_id] = update
        self.pending.append(update)
        return update.update_id

    def confirm_updates(self, offset: int) -> None:
        """Drop updates as getUpdates does: below a positive offset, or all but the last -offset."""
        if offset > 0:
            self.pending = [u for u in self.pending if u.update_id >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def drop_pending_updates(self) -> None:
        self.pending = []
        self.webhook_queue = WebhookQueue()

    def set_allowed_updates(self, raw: str) -> None:
        """Apply an allowed_updates parameter; Telegram keeps the last list until it is changed."""
        if not raw:
            return
        try:
            value = json.loads(raw)
        except ValueError:
            return
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return
        chosen = frozenset(item.lower() for item in value) & frozenset(UPDATE_TYPES)
        self.allowed_updates = chosen or DEFAULT_ALLOWED_UPDATES

    def change_member(
        self, channel: FakeChannel, user_id: int, new: ChannelMember, actor_id: int
    ) -> None:
        """Store a membership and send my_chat_member or chat_member as Telegram does."""
        old = channel.member(user_id)
        channel.members[user_id] = new
        if user_id == self.bot.id:
            if new.is_active:
                channel.bot_was_member = True
            self.add_update(
                "my_chat_member",
                self.member_update_json(channel.id, user_id, old, new, actor_id),
                channel.id,
            )
        elif channel.member(self.bot.id).status in ("administrator", "creator"):
            self.add_update(
                "chat_member",
                self.member_update_json(channel.id, user_id, old, new, actor_id),
                channel.id,
            )

    # JSON

    def user_json(self, user_id: int) -> dict[str, Any]:
        user = self.user(user_id)
        body: dict[str, Any] = {"id": user.id, "is_bot": user.is_bot, "first_name": user.first_name}
        if user.last_name:
            body["last_name"] = user.last_name
        if user.username:
            body["username"] = user.username
        if user.language_code and not user.is_bot:
            body["language_code"] = user.language_code
        return body

    def me_json(self) -> dict[str, Any]:
        body = self.user_json(self.bot.id)
        body.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            supports_guest_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
            has_topics_enabled=False,
            allows_users_to_create_topics=False,
            can_manage_bots=False,
        )
        return body

    def chat_json(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            user = self.user(chat_id)
            body: dict[str, Any] = {"id": user.id, "first_name": user.first_name}
            if user.last_name:
                body["last_name"] = user.last_name
            if user.username:
                body["username"] = user.username
            body["type"] = "private"
            return body

        channel = self.channels[chat_id]
        body = {"id": channel.id, "title": channel.title}
        if channel.username:
            body["username"] = channel.username
        body["type"] = "channel"
        return body

    def full_chat_json(self, chat_id: int) -> dict[str, Any]:
        """The ChatFullInfo that getChat returns."""
        body = self.chat_json(chat_id)
        if body.get("username"):
            body["active_usernames"] = [body["username"]]
        gifts = chat_id > 0 and not self.user(chat_id).is_bot
        if gifts:
            body["can_send_gift"] = True
        body["accepted_gift_types"] = {
            "unlimited_gifts": gifts,
            "limited_gifts": gifts,
            "unique_gifts": gifts,
            "premium_subscription": gifts,
            "gifts_from_channels": gifts,
        }
        body["max_reaction_count"] = 11
        body["accent_color_id"] = abs(chat_id) % 7
        return body

    def message_json(self, message: FakeMessage, *, with_reply: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"message_id": message.message_id}
        if message.from_id is not None:
            body["from"] = self.user_json(message.from_id)
        if message.sender_chat_id is not None:
            body["sender_chat"] = self.chat_json(message.sender_chat_id)
        body["chat"] = self.chat_json(message.chat_id)
        body["date"] = message.date
        if message.edit_date is not None:
            body["edit_date"] = message.edit_date
        if message.forward_origin is not None:
            body.update(self._forward_json(message.forward_origin))
        if with_reply and message.reply_to_message_id is not None:
            replied = self.find_message(message.chat_id, message.reply_to_message_id)
            if replied is not None:
                body["reply_to_message"] = self.message_json(replied, with_reply=False)
        if message.text is not None:
            body["text"] = message.text
            if message.entities:
                body["entities"] = message.entities
        if message.location is not None:
            body["location"] = message.location
        if message.reply_markup is not None:
            body["reply_markup"] = message.reply_markup
        return body

    def _forward_json(self, origin: dict[str, Any]) -> dict[str, Any]:
        # Telegram still sends the fields that forward_origin replaced in Bot API 7.0;
        # python-telegram-bot 22 keeps them only in api_kwargs.
        chat = self.chat_json(origin["chat_id"])
        return {
            "forward_origin": {
                "type": "channel",
                "chat": chat,
                "message_id": origin["message_id"],
                "date": origin["date"],
            },
            "forward_from_chat": chat,
            "forward_from_message_id": origin["message_id"],
            "forward_date": origin["date"],
        }

    def member_json(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """The ChatMember object of getChatMember, shaped by status."""
        if chat_id > 0:
            return {"user": self.user_json(user_id), "status": "member"}
        return self.channel_member_json(user_id, self.channels[chat_id].member(user_id))

    def channel_member_json(self, user_id: int, member: ChannelMember) -> dict[str, Any]:
        body: dict[str, Any] = {"user": self.user_json(user_id), "status": member.status}
        if member.status == "creator":
            if member.custom_title:
                body["custom_title"] = member.custom_title
            body["is_anonymous"] = False
        elif member.status == "administrator":
            body["can_be_edited"] = False
            body.update({name: member.rights.get(name, False) for name in ADMIN_RIGHTS})
            # The pre-6.0 name, which the real server still sends.
            body["can_manage_voice_chats"] = body["can_manage_video_chats"]
            if member.custom_title:
                body["custom_title"] = member.custom_title
        elif member.status == "kicked":
            body["until_date"] = 0
        return body

    def member_update_json(
        self, chat_id: int, user_id: int, old: ChannelMember, new: ChannelMember, actor_id: int
    ) -> dict[str, Any]:
        return {
            "chat": self.chat_json(chat_id),
            "from": self.user_json(actor_id),
            "date": self.now(),
            "old_chat_member": self.channel_member_json(user_id, old),
            "new_chat_member": self.channel_member_json(user_id, new),
        }

    def private_member_update_json(self, user_id: int, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            body: dict[str, Any] = {"user": self.user_json(self.bot.id), "status": status}
            if status == "kicked":
                body["until_date"] = 0
            return body

        return {
            "chat": self.chat_json(user_id),
            "from": self.user_json(user_id),
            "date": self.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    def callback_query_json(self, query: FakeCallbackQuery) -> dict[str, Any]:
        message = self.find_message(query.chat_id, query.message_id)
        body: dict[str, Any] = {"id": query.id, "from": self.user_json(query.user_id)}
        if message is not None:
            body["message"] = self.message_json(message)
        body["chat_instance"] = str(
            (query.chat_id * 6364136223846793005 + 1442695040888963407) % 2**63
        )
        body["data"] = query.data
        return body

    def webhook_info_json(self) -> dict[str, Any]:
        queue = self.webhook_queue
        body: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if queue.last_error_date is not None:
            body["last_error_date"] = queue.last_error_date
            body["last_error_message"] = queue.last_error_message
        if self.webhook is not None:
            body["max_connections"] = self.webhook.max_connections or 40
            body["ip_address"] = self.webhook.ip_address
        if self.allowed_updates != DEFAULT_ALLOWED_UPDATES:
            body["allowed_updates"] = [
                kind for kind in UPDATE_TYPES if kind in self.allowed_updates
            ]
        return body

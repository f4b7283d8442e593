"""Records kept by the Telegram test server and handed to tests as copies.

Tests read these to see what the bot did: the current state of messages, every
Bot API call, callback queries with the bot's replies, webhook delivery attempts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

ChatMemberStatus = Literal["creator", "administrator", "member", "left", "kicked"]

# Administrator rights of a channel member, as getChatMember lists them for channels.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_change_info",
    "can_post_messages",
    "can_edit_messages",
    "can_delete_messages",
    "can_invite_users",
    "can_restrict_members",
    "can_promote_members",
    "can_manage_video_chats",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_manage_direct_messages",
    "is_anonymous",
)

# The rights the Telegram apps preselect when a channel admin is added.
DEFAULT_ADMIN_RIGHTS: dict[str, bool] = {
    name: name
    not in (
        "can_restrict_members",
        "can_promote_members",
        "can_manage_direct_messages",
        "is_anonymous",
    )
    for name in ADMIN_RIGHTS
}


@dataclass
class FakeUser:
    """A Telegram account. `started` is set once the user has written to the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked_bot: bool = False
    started: bool = False


@dataclass
class ChannelMember:
    status: ChatMemberStatus
    rights: dict[str, bool] = field(default_factory=dict)
    custom_title: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ("creator", "administrator", "member")

    def can(self, right: str) -> bool:
        if self.status == "creator":
            return right != "is_anonymous"
        return self.status == "administrator" and self.rights.get(right, False)


@dataclass
class FakeChannel:
    """A channel; `bot_was_member` decides whether a private one is known to the bot."""

    id: int
    title: str
    username: str | None
    creator_id: int
    members: dict[int, ChannelMember] = field(default_factory=dict)
    bot_was_member: bool = False
    deleted: bool = False

    def member(self, user_id: int) -> ChannelMember:
        return self.members.get(user_id, ChannelMember("left"))


@dataclass
class FakeMessage:
    """A message in its current state, after edits.

    `from_id` is the sending user or the bot; channel posts have `sender_chat_id`
    instead. `reply_keyboard` contains a reply keyboard, `remove_keyboard` or
    `force_reply` markup sent with the message, which Telegram shows to the user
    but never returns in the Message.
    """

    chat_id: int
    message_id: int
    date: int
    sent_by_bot: bool
    from_id: int | None = None
    sender_chat_id: int | None = None
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    inline_keyboard: list[list[dict[str, Any]]] | None = None
    reply_keyboard: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    location: dict[str, float] | None = None
    forward_origin: dict[str, Any] | None = None
    link_preview_options: dict[str, Any] | None = None

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return {"inline_keyboard": self.inline_keyboard} if self.inline_keyboard else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row."""
        return [button for row in self.inline_keyboard or [] for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class FakeUpdate:
    """An update; `payload` is the update's object as serialized when it was created."""

    update_id: int
    type: str
    payload: dict[str, Any]
    chat_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.type: self.payload}


@dataclass
class FakeCallbackQuery:
    """A button press; `answer` contains the answerCallbackQuery parameters once answered."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
    update_id: int | None
    answer: dict[str, Any] | None = None


@dataclass
class ApiCall:
    """One Bot API request and the reply it got.

    `params` are the request parameters as strings, the way the Bot API server
    receives them: nested objects such as `reply_markup` are JSON text, read them
    with `json_param`. `source` is "http", or "webhook reply" for a method
    returned in a webhook response.
    """

    method: str
    params: dict[str, str]
    status: int
    response: dict[str, Any]
    at: float
    source: str = "http"

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    def json_param(self, name: str) -> Any:
        raw = self.params.get(name)
        return None if raw is None else json.loads(raw)


@dataclass
class WebhookDelivery:
    """One attempt to POST an update to the webhook.

    `status` is the HTTP status of the reply, or None when no reply came
    (`error` gives the reason). `secret_token` is the X-Telegram-Bot-Api-Secret-Token
    header that was sent, if any.
    """

    update_id: int
    attempt: int
    url: str
    status: int | None
    error: str | None
    secret_token: str | None
    redelivery: bool
    started_at: float
    duration: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status <= 299

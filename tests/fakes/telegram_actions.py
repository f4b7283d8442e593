"""What people do on the Telegram test server: set up accounts and channels, write to the bot.

Each function changes the state (the caller holds its lock) and queues the
updates Telegram would send the bot, with update payloads serialized at once,
as Telegram does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tests.fakes.telegram_entities import find_automatic_entities
from tests.fakes.telegram_records import (
    ADMIN_RIGHTS,
    DEFAULT_ADMIN_RIGHTS,
    ChannelMember,
    ChatMemberStatus,
    FakeCallbackQuery,
    FakeChannel,
    FakeMessage,
    FakeUser,
)
from tests.fakes.telegram_state import TelegramState

FIRST_USER_ID = 100_000_001
FIRST_CHANNEL_ID = -1_001_000_000_001
FIRST_CALLBACK_QUERY_ID = 5_000_000_000_000_000


@dataclass(frozen=True)
class SentMessage:
    """A message a simulated user sent; `update_id` is None when allowed_updates filtered it."""

    chat_id: int
    message_id: int
    update_id: int | None


def add_user(
    state: TelegramState,
    *,
    first_name: str,
    language_code: str | None,
    username: str | None,
    last_name: str | None,
    started: bool,
) -> FakeUser:
    _require_free_username(state, username)
    user_id = max([FIRST_USER_ID - 1, *state.users]) + 1
    user = FakeUser(
        id=user_id,
        first_name=first_name,
        last_name=last_name,
        username=username,
        language_code=language_code,
        started=started,
    )
    state.users[user_id] = user
    return user


def add_channel(
    state: TelegramState,
    *,
    title: str,
    username: str | None,
    creator: int,
    admins: Mapping[int, Mapping[str, bool]] | Iterable[int],
    bot_rights: Mapping[str, bool] | None,
) -> FakeChannel:
    _require_free_username(state, username)
    state.user(creator)
    chat_id = min([FIRST_CHANNEL_ID + 1, *state.channels]) - 1
    channel = FakeChannel(id=chat_id, title=title, username=username, creator_id=creator)
    channel.members[creator] = ChannelMember("creator")
    state.channels[chat_id] = channel

    admin_rights = admins if isinstance(admins, Mapping) else {user_id: {} for user_id in admins}
    for user_id, rights in admin_rights.items():
        state.user(user_id)
        channel.members[user_id] = ChannelMember("administrator", admin_rights_with(rights))
    if bot_rights is not None:
        bot = ChannelMember("administrator", admin_rights_with(bot_rights))
        state.change_member(channel, state.bot.id, bot, actor_id=creator)
    return channel


def admin_rights_with(overrides: Mapping[str, bool]) -> dict[str, bool]:
    """Return the default administrator rights with `overrides` applied."""
    unknown = sorted(set(overrides) - set(ADMIN_RIGHTS))
    if unknown:
        raise ValueError(
            f"unknown administrator rights {unknown}; known rights: {list(ADMIN_RIGHTS)}"
        )
    return {**DEFAULT_ADMIN_RIGHTS, **overrides}


def set_member(
    state: TelegramState,
    chat_id: int,
    user_id: int,
    status: ChatMemberStatus,
    *,
    actor_id: int | None,
    custom_title: str | None,
    rights: Mapping[str, bool],
) -> None:
    channel = state.channel(chat_id)
    state.user(user_id)
    if status == "creator":
        raise ValueError("a channel has one creator, set by add_channel(creator=...)")
    if channel.member(user_id).status == "creator":
        raise ValueError(f"user {user_id} created channel {chat_id}; the creator cannot change")
    if rights and status != "administrator":
        raise ValueError(f"rights {sorted(rights)} apply to administrators only, not to {status!r}")

    granted = admin_rights_with(rights) if status == "administrator" else {}
    member = ChannelMember(status, granted, custom_title)
    state.change_member(channel, user_id, member, actor_id=actor_id or channel.creator_id)


def set_bot_blocked(state: TelegramState, user_id: int, blocked: bool) -> None:
    user = state.user(user_id)
    if user.blocked_bot == blocked:
        return
    user.blocked_bot = blocked
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    state.add_update("my_chat_member", state.private_member_update_json(user_id, old, new), user_id)


def send_text(state: TelegramState, user_id: int, text: str, reply_to: int | None) -> SentMessage:
    user = _writing_user(state, user_id)
    if not text.strip():
        raise ValueError("Telegram apps do not send empty messages; pass some text")
    if reply_to is not None and state.find_message(user_id, reply_to) is None:
        raise ValueError(f"no message {reply_to} in the private chat of user {user_id} to reply to")

    message = state.new_message(
        user.id,
        sent_by_bot=False,
        from_id=user.id,
        text=text,
        entities=_automatic_entities_json(state, text),
        reply_to_message_id=reply_to,
    )
    return _queue_message(state, message, "message")


def edit_text(state: TelegramState, user_id: int, message_id: int, text: str) -> SentMessage:
    _writing_user(state, user_id)
    message = state.find_message(user_id, message_id)
    if message is None or message.from_id != user_id or message.text is None:
        raise ValueError(f"user {user_id} has no text message {message_id} to edit")

    message.text = text
    message.entities = _automatic_entities_json(state, text)
    message.edit_date = state.now()
    return _queue_message(state, message, "edited_message")


def share_location(
    state: TelegramState, user_id: int, latitude: float, longitude: float
) -> SentMessage:
    user = _writing_user(state, user_id)
    message = state.new_message(
        user.id,
        sent_by_bot=False,
        from_id=user.id,
        location={"latitude": latitude, "longitude": longitude},
    )
    return _queue_message(state, message, "message")


def send_channel_post(state: TelegramState, chat_id: int, text: str) -> SentMessage:
    channel = state.channel(chat_id)
    message = state.new_message(
        chat_id,
        sent_by_bot=False,
        sender_chat_id=chat_id,
        text=text,
        entities=_automatic_entities_json(state, text),
    )

    # Bots get the posts of the channels they administer, never their own.
    update_id = None
    if channel.member(state.bot.id).status == "administrator":
        update_id = state.add_update("channel_post", state.message_json(message), chat_id)
    return SentMessage(chat_id, message.message_id, update_id)


def forward_from_channel(
    state: TelegramState, user_id: int, chat_id: int, message_id: int
) -> SentMessage:
    user = _writing_user(state, user_id)
    state.channel(chat_id)
    original = state.find_message(chat_id, message_id)
    if original is None:
        raise ValueError(f"no message {message_id} in channel {chat_id} to forward")

    message = state.new_message(
        user.id,
        sent_by_bot=False,
        from_id=user.id,
        text=original.text,
        entities=list(original.entities),
        location=original.location,
        forward_origin={"chat_id": chat_id, "message_id": message_id, "date": original.date},
    )
    return _queue_message(state, message, "message")


def press_button(
    state: TelegramState,
    user_id: int,
    chat_id: int,
    message_id: int,
    callback_data: str,
    forged: bool = False,
) -> str:
    state.user(user_id)
    if chat_id > 0 and chat_id != user_id:
        raise ValueError(f"user {user_id} cannot see the private chat of user {chat_id}")
    message = state.find_message(chat_id, message_id)
    if message is None:
        raise ValueError(f"no message {message_id} in chat {chat_id}")
    if not forged and callback_data not in message.callback_data:
        raise ValueError(
            f"message {message_id} in chat {chat_id} has no button with callback_data "
            f"{callback_data!r}; its buttons carry {message.callback_data}"
        )

    query_id = str(FIRST_CALLBACK_QUERY_ID + len(state.callback_queries))
    query = FakeCallbackQuery(
        id=query_id,
        user_id=user_id,
        chat_id=chat_id,
        message_id=message_id,
        data=callback_data,
        created_at=state.clock(),
        update_id=None,
    )
    state.callback_queries[query_id] = query
    query.update_id = state.add_update("callback_query", state.callback_query_json(query), chat_id)
    return query_id


def _writing_user(state: TelegramState, user_id: int) -> FakeUser:
    user = state.user(user_id)
    if user.is_bot:
        raise ValueError("the bot cannot act as a user")
    if user.blocked_bot:
        raise ValueError(
            f"user {user_id} blocked the bot and cannot write to it; call unblock_bot first"
        )
    user.started = True
    return user


def _queue_message(state: TelegramState, message: FakeMessage, kind: str) -> SentMessage:
    update_id = state.add_update(kind, state.message_json(message), message.chat_id)
    return SentMessage(message.chat_id, message.message_id, update_id)


def _automatic_entities_json(state: TelegramState, text: str) -> list[dict[str, object]]:
    # Telegram apps mark commands, links and mentions in what users send; the bot's
    # CommandHandler relies on the bot_command entity.
    return [entity.to_json(state.user_json) for entity in find_automatic_entities(text)]


def _require_free_username(state: TelegramState, username: str | None) -> None:
    if username is None:
        return
    if username.startswith("@"):
        raise ValueError(f"pass the username without '@': {username[1:]!r}")
    if state.find_username(username) is not None:
        raise ValueError(f"username {username!r} is taken")

"""Reply markup checks of the Telegram test server.

`parse_reply_markup` reads the `reply_markup` parameter of sendMessage and the
edit methods like the Bot API server (`get_reply_markup` in tdlib/telegram-bot-api,
May 2026). `check_inline_keyboard` then makes the checks that Telegram makes
only after the chat and message checks pass (button links, callback data size)
and returns the keyboard as Telegram stores it, with links normalized. Reply
keyboards, `remove_keyboard` and `force_reply` are returned separately, because
a Message never carries them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_errors import ApiError, bad_request
from tests.fakes.telegram_links import LinkError, check_link

MAX_CALLBACK_DATA_BYTES = 64

# The button actions in the order the Bot API server looks for them.
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)


@dataclass
class ReplyMarkup:
    """A parsed `reply_markup`: at most one of its fields is set."""

    inline_keyboard: list[list[dict[str, Any]]] | None = None
    keyboard: dict[str, Any] | None = None


def parse_reply_markup(raw: str) -> ReplyMarkup:
    """Parse and check `reply_markup`; raise ApiError with the Bot API's description."""
    if not raw:
        return ReplyMarkup()
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request("Can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("Object expected as reply markup")

    if "keyboard" in value:
        _check_reply_keyboard(value["keyboard"])
        return ReplyMarkup(keyboard=value)
    if "inline_keyboard" in value:
        return ReplyMarkup(inline_keyboard=_parse_inline_keyboard(value["inline_keyboard"]))
    if value.get("remove_keyboard") or value.get("force_reply"):
        return ReplyMarkup(keyboard=value)
    return ReplyMarkup()


def _check_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('Field "keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            if isinstance(button, str):
                continue
            if not isinstance(button, dict):
                raise bad_request(
                    "Can't parse keyboard button: KeyboardButton must be a String or an Object"
                )
            if not isinstance(button.get("text"), str):
                raise bad_request("Can't parse keyboard button: Can't find field \"text\"")


def _parse_inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    return [[_parse_inline_button(button) for button in row] for row in rows]


def _parse_inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _button_error('Can\'t find field "text"')

    # Empty strings count as absent, as on the Bot API server.
    actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) not in (None, "")]
    if not actions:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # NOTE: the real server silently uses the first action in INLINE_BUTTON_ACTIONS
        # order. This server rejects the button, because the Bot API documentation
        # requires exactly one action and the dropped one is always a bug.
        raise _button_error(f"Exactly one action is allowed, found {', '.join(actions)}")

    action = actions[0]
    value = str(button[action]) if action in ("url", "callback_data") else button[action]
    return {"text": text, action: value}


def check_inline_keyboard(rows: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Check button links and callback data; return the keyboard with links normalized."""
    checked: list[list[dict[str, Any]]] = []
    for row in rows:
        checked_row: list[dict[str, Any]] = []
        for button in row:
            button = dict(button)
            if "url" in button:
                button["url"] = _checked_button_url(button["url"])
            data = button.get("callback_data")
            if data is not None and len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            checked_row.append(button)
        checked.append(checked_row)
    return checked


def _checked_button_url(url: str) -> str:
    try:
        return check_link(url)
    except LinkError as error:
        raise bad_request(f"Inline keyboard button {error}") from None


def _button_error(reason: str) -> ApiError:
    return bad_request(f"Can't parse inline keyboard button: {reason}")

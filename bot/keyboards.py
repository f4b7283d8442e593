"""Inline keyboards and their callback data.

Callback data must be 1-64 bytes (Bot API). Every prefix is distinct and each
handler pattern is anchored at both ends, because python-telegram-bot matches
patterns with re.match (anchored at the start only).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import texts
from domain.model import Account, DateOrder, FailureKind, Platform, Post, PostStatus

MAX_CALLBACK_BYTES = 64

# Patterns for CallbackQueryHandler; group 1 (and 2) carry the ids.
PREVIEW_PATTERN = r"^pv:(s|t|x):([0-9a-f]{32})$"
QUEUE_PATTERN = r"^q:(c|r|n):(\d{1,18})$"
QUEUE_PAGE_PATTERN = r"^qp:(\d{1,6})$"
RESULT_PATTERN = r"^r:(retry|again|done):(\d{1,18})$"
RECONNECT_PATTERN = r"^rc:(\d{1,18})$"
RETRY_GROUP_PATTERN = r"^rg:([0-9a-f]{32})$"
EDIT_PATTERN = r"^e:(\d{1,18})$"
DATE_ORDER_PATTERN = r"^do:(dmy|mdy)$"
CONNECT_PATTERN = r"^c:([a-z]{1,16})$"
DISCONNECT_PATTERN = r"^d:(ask|yes|no):(\d{1,18})$"


def _button(text: str, data: str) -> InlineKeyboardButton:
    if not 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is not 1-{MAX_CALLBACK_BYTES} bytes")
    return InlineKeyboardButton(text, callback_data=data)


def preview(group_id: str, can_schedule: bool) -> InlineKeyboardMarkup:
    row = [_button(texts.CHANGE_TIME_BUTTON, f"pv:t:{group_id}")]
    if can_schedule:
        row.insert(0, _button(texts.SCHEDULE_BUTTON, f"pv:s:{group_id}"))
    return InlineKeyboardMarkup([row, [_button(texts.CANCEL_BUTTON, f"pv:x:{group_id}")]])


def queue(
    posts: Sequence[Post], first_number: int, offset: int, total: int, page: int
) -> InlineKeyboardMarkup:
    rows = []
    for number, post in enumerate(posts, start=first_number):
        rows.append(
            [
                _button(texts.QUEUE_CANCEL_BUTTON.format(number=number), f"q:c:{post.id}"),
                _button(texts.QUEUE_RESCHEDULE_BUTTON.format(number=number), f"q:r:{post.id}"),
                _button(texts.QUEUE_POST_NOW_BUTTON.format(number=number), f"q:n:{post.id}"),
            ]
        )
    paging = []
    if offset > 0:
        paging.append(_button(texts.QUEUE_PREVIOUS_BUTTON, f"qp:{max(0, offset - page)}"))
    if offset + page < total:
        paging.append(_button(texts.QUEUE_NEXT_BUTTON, f"qp:{offset + page}"))
    if paging:
        rows.append(paging)
    return InlineKeyboardMarkup(rows)


def failed(post: Post) -> InlineKeyboardMarkup:
    row = [_button(texts.RETRY_BUTTON, f"r:retry:{post.id}")]
    if post.failure_kind is FailureKind.ACCOUNT:
        row.append(_button(texts.RECONNECT_BUTTON, f"rc:{post.account_id}"))
    if post.failure_kind is FailureKind.REJECTED:
        row.append(_button(texts.EDIT_BUTTON, f"e:{post.id}"))
    return InlineKeyboardMarkup([row])


def unknown_outcome(post: Post) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.WAS_POSTED_BUTTON, f"r:done:{post.id}"),
                _button(texts.POST_AGAIN_BUTTON, f"r:again:{post.id}"),
            ]
        ]
    )


def settled(posts: Sequence[Post], platforms: dict[int, Platform]) -> InlineKeyboardMarkup | None:
    """Buttons under a several-account result: retry the failed, reconnect, settle unknowns.

    `platforms` maps each post's id to its account's platform, for labels.
    """
    rows = []
    failed = [p for p in posts if p.status is PostStatus.FAILED]
    if failed:
        rows.append([_button(texts.RETRY_FAILED_BUTTON, f"rg:{failed[0].group_id}")])
    reconnect = {p.account_id: p for p in failed if p.failure_kind is FailureKind.ACCOUNT}
    for account_id, post in reconnect.items():
        label = texts.RECONNECT_PLATFORM_BUTTON.format(platform=platforms[post.id].display_name)
        rows.append([_button(label, f"rc:{account_id}")])
    for post in (p for p in posts if p.status is PostStatus.UNKNOWN):
        name = platforms[post.id].display_name
        rows.append(
            [
                _button(texts.WAS_POSTED_ON_BUTTON.format(platform=name), f"r:done:{post.id}"),
                _button(texts.POST_AGAIN_ON_BUTTON.format(platform=name), f"r:again:{post.id}"),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def login(platform: Platform, url: str) -> InlineKeyboardMarkup:
    label = texts.LOGIN_BUTTON.format(platform=platform.display_name)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])


def date_order(first: str, second: str) -> InlineKeyboardMarkup:
    # The first reading is day-month, the second month-day.
    return InlineKeyboardMarkup(
        [[_button(first, f"do:{DateOrder.DMY}"), _button(second, f"do:{DateOrder.MDY}")]]
    )


def connect(platforms: Sequence[Platform]) -> InlineKeyboardMarkup:
    labels = {Platform.TELEGRAM: texts.CONNECT_TELEGRAM_BUTTON}
    return InlineKeyboardMarkup(
        [[_button(labels.get(p, p.display_name), f"c:{p.value}")] for p in platforms]
    )


def disconnect_choice(accounts: Sequence[Account]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(f"{a.display_name} ({a.platform.display_name})", f"d:ask:{a.id}")]
            for a in accounts
        ]
    )


def disconnect_confirm(account: Account) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.DISCONNECT_YES_BUTTON, f"d:yes:{account.id}"),
                _button(texts.DISCONNECT_NO_BUTTON, f"d:no:{account.id}"),
            ]
        ]
    )


def timezones(zones: Sequence[str]) -> ReplyKeyboardMarkup:
    """Likely zones as reply buttons (their text comes back as a message), plus location."""
    rows = [[KeyboardButton(zone) for zone in zones[i : i + 2]] for i in range(0, len(zones), 2)]
    rows.append([KeyboardButton(texts.SHARE_LOCATION_BUTTON, request_location=True)])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)

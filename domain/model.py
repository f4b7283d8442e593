"""Entities of postlater: users, connected accounts and posts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Platform(enum.StrEnum):
    """A social network a post can be published to."""

    TELEGRAM = "telegram"
    LINKEDIN = "linkedin"
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"

    @property
    def display_name(self) -> str:
        return _DISPLAY_NAMES[self]


_DISPLAY_NAMES = {
    Platform.TELEGRAM: "Telegram",
    Platform.LINKEDIN: "LinkedIn",
    Platform.X: "X",
    Platform.MASTODON: "Mastodon",
    Platform.BLUESKY: "Bluesky",
}


class DateOrder(enum.StrEnum):
    """The order of day and month in numeric dates such as 03/04."""

    DMY = "dmy"
    MDY = "mdy"


class PostStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    POSTED = "posted"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"
    # Removed by the user; the row stays so that past posts keep their target.
    DISCONNECTED = "disconnected"


class FailureKind(enum.StrEnum):
    """Why a post ended in `failed`, which decides the buttons the user gets."""

    REJECTED = "rejected"  # the content must change: Edit / Retry
    ACCOUNT = "account"  # the account must be reconnected: Reconnect
    RETRIES_EXHAUSTED = "retries"  # the network stayed unavailable: Retry


# The only legal moves of a post. Storage applies each one as a single
# conditional UPDATE on (status, version), so a move that is not listed here
# can never happen, and a stale or duplicate request finds nothing to change.
TRANSITIONS: dict[PostStatus, frozenset[PostStatus]] = {
    # DRAFT -> DRAFT is a preview edited before confirmation (Change time).
    PostStatus.DRAFT: frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.CANCELLED}),
    # SCHEDULED -> SCHEDULED is a reschedule (the version goes up); SCHEDULED
    # -> DRAFT undoes a confirmation whose job could not be enqueued; SCHEDULED
    # -> FAILED is the job queue giving up (QStash's failure callback).
    PostStatus.SCHEDULED: frozenset(
        {
            PostStatus.PUBLISHING,
            PostStatus.CANCELLED,
            PostStatus.SCHEDULED,
            PostStatus.DRAFT,
            PostStatus.FAILED,
        }
    ),
    PostStatus.PUBLISHING: frozenset(
        {PostStatus.POSTED, PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.UNKNOWN}
    ),
    # Retry after a failure, or after the user learned the outcome of an
    # unknown publish ("Post again" or "It was posted").
    PostStatus.FAILED: frozenset({PostStatus.SCHEDULED}),
    PostStatus.UNKNOWN: frozenset({PostStatus.SCHEDULED, PostStatus.POSTED}),
    PostStatus.POSTED: frozenset(),
    PostStatus.CANCELLED: frozenset(),
}

# Posts a user may still cancel or move.
UPCOMING = frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED})


def can_transition(current: PostStatus, target: PostStatus) -> bool:
    return target in TRANSITIONS[current]


@dataclass(frozen=True)
class User:
    id: int  # the Telegram user id
    chat_id: int  # the private chat with the bot
    timezone: str | None
    language_code: str | None
    date_order: DateOrder | None


@dataclass(frozen=True)
class Account:
    """A connected destination: a Telegram channel, a LinkedIn member, an X user."""

    id: int
    user_id: int
    platform: Platform
    external_id: str
    display_name: str
    handle: str | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    access_token: str | None = None
    refresh_token: str | None = None
    token_expires_at: datetime | None = None


@dataclass(frozen=True)
class Post:
    """One piece of content for one account at one instant (UTC)."""

    id: int
    user_id: int
    account_id: int
    group_id: str
    content: str
    status: PostStatus
    run_at: datetime
    timezone: str
    version: int
    attempts: int = 0
    job_id: str | None = None
    lease_until: datetime | None = None
    external_id: str | None = None
    url: str | None = None
    failure_reason: str | None = None
    failure_kind: FailureKind | None = None
    due_at: datetime | None = None
    created_at: datetime | None = None
    published_at: datetime | None = None


@dataclass(frozen=True)
class PostGroup:
    """The posts made from one request, shown together in one preview."""

    id: str
    user_id: int
    preview_chat_id: int | None
    preview_message_id: int | None


class DialogueState(enum.StrEnum):
    """The answer the bot waits for in a user's next message."""

    TIMEZONE = "timezone"  # a city, a zone name or a location
    CHANNEL = "channel"  # a channel @username or a forwarded channel post
    PREVIEW_TIME = "preview_time"  # a new time for the preview of group `subject`
    RESCHEDULE_TIME = "reschedule_time"  # a new time for post `subject`
    EDIT_CONTENT = "edit_content"  # new content for failed post `subject`
    CONTENT = "content"  # the content for the request kept in the payload
    REQUEST_TIME = "request_time"  # the time for the request kept in the payload
    DATE_ORDER = "date_order"  # a press of day-month or month-day; the request waits in the payload


@dataclass(frozen=True)
class Dialogue:
    user_id: int
    state: DialogueState | None = None
    subject: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    draft_text: str | None = None
    draft_at: datetime | None = None
    updated_at: datetime | None = None

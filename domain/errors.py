"""Expected failures, one small family per boundary.

Callers decide by type; the message names the value and what was expected.
"""

from __future__ import annotations

from datetime import datetime


class PostlaterError(Exception):
    """Base of every expected failure."""


# Scheduling rules: what a user asked for cannot be done as asked.


class SchedulingError(PostlaterError):
    pass


class PostNotFound(SchedulingError):
    def __init__(self, post_id: int) -> None:
        super().__init__(f"post {post_id} not found")
        self.post_id = post_id


class GroupNotFound(SchedulingError):
    def __init__(self, group_id: str) -> None:
        super().__init__(f"post group {group_id!r} not found")
        self.group_id = group_id


class NotOwner(SchedulingError):
    """A user acted on a post or account that belongs to someone else."""

    def __init__(self, user_id: int, what: str) -> None:
        super().__init__(f"user {user_id} does not own {what}")
        self.user_id = user_id


class WrongState(SchedulingError):
    """The post is no longer in a state that allows the action (cancelled, posted, ...)."""

    def __init__(self, post_id: int, status: str, action: str) -> None:
        super().__init__(f"cannot {action} post {post_id}: it is {status}")
        self.post_id = post_id
        self.status = status
        self.action = action


class TimeInPast(SchedulingError):
    def __init__(self, run_at: datetime) -> None:
        super().__init__(f"run_at {run_at.isoformat()} has passed")
        self.run_at = run_at


class ContentTooLong(SchedulingError):
    def __init__(self, platform: str, length: int, limit: int) -> None:
        super().__init__(f"content is {length} characters; {platform} allows {limit}")
        self.platform = platform
        self.length = length
        self.limit = limit


class AccountDisconnected(SchedulingError):
    def __init__(self, account_id: int, name: str) -> None:
        super().__init__(f"account {account_id} ({name}) is no longer connected")
        self.account_id = account_id
        self.name = name


class EmptyContent(SchedulingError):
    def __init__(self) -> None:
        super().__init__("content is empty")


# Job queue: the job could not be stored or cancelled.


class JobQueueError(PostlaterError):
    pass


# Publishing: what a social network answered. The executor maps each class to
# a post state: permanent -> failed, transient -> scheduled again, unknown ->
# unknown (never published again automatically).


class PublishError(PostlaterError):
    """Base of publishing failures; `reason` is written for the post's owner."""

    def __init__(self, reason: str, *, detail: str = "") -> None:
        super().__init__(f"{reason} ({detail})" if detail else reason)
        self.reason = reason
        self.detail = detail


class PermanentPublishError(PublishError):
    """Retrying will not help: the content or the account must change."""


class RejectedContent(PermanentPublishError):
    """The network rejected the content (validation, duplicate content)."""


class AccountAccessLost(PermanentPublishError):
    """The account must be reconnected (revoked token, bot lost its rights, channel gone)."""


class TransientPublishError(PublishError):
    """The network is unavailable or rate-limiting; a later attempt may succeed."""

    def __init__(self, reason: str, *, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(reason, detail=detail)
        self.retry_after = retry_after


class PublishOutcomeUnknown(PublishError):
    """The request was sent but no answer came: the post may or may not be live."""


# Logins: an OAuth login that did not finish.


class LoginError(PostlaterError):
    """A login did not finish; `reason` is written for the person logging in."""

    def __init__(self, reason: str, *, user_id: int | None = None, detail: str = "") -> None:
        super().__init__(f"{reason} ({detail})" if detail else reason)
        self.reason = reason
        self.user_id = user_id
        self.detail = detail


class LoginDenied(LoginError):
    """The person declined the permissions on the platform's consent page."""


class LoginLinkInvalid(LoginError):
    """The state is unknown, already used, expired, or for another platform."""


class CodeExchangeFailed(LoginError):
    """The platform did not turn the code into tokens, or did not say who logged in."""


class RefreshRefused(PostlaterError):
    """The platform refused the refresh token: the account must be reconnected."""

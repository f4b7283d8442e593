"""Ports: what the use cases need from the outside world.

Adapters (storage, job queues, network clients, the bot) implement these;
the domain never imports them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.model import (
    Account,
    AccountStatus,
    DateOrder,
    Dialogue,
    DialogueState,
    Platform,
    Post,
    PostGroup,
    PostStatus,
    User,
)

# Called under the account's row lock with the account as stored; returns new
# tokens, or None when nothing needs to change.
Refresher = Callable[["Account"], Awaitable["Tokens | None"]]


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def upsert(
        self, user_id: int, chat_id: int, language_code: str | None, now: datetime
    ) -> User: ...

    async def set_timezone(self, user_id: int, timezone: str) -> None: ...

    async def set_date_order(self, user_id: int, date_order: DateOrder) -> None: ...


class AccountRepository(Protocol):
    async def connect(
        self,
        user_id: int,
        platform: Platform,
        external_id: str,
        display_name: str,
        now: datetime,
        *,
        handle: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        token_expires_at: datetime | None = None,
    ) -> Account: ...

    async def get(self, account_id: int) -> Account | None: ...

    async def list_connected(
        self, user_id: int, platform: Platform | None = None
    ) -> list[Account]: ...

    async def set_status(self, account_id: int, status: AccountStatus, now: datetime) -> None: ...

    async def refresh_locked(self, account_id: int, refresher: Refresher, now: datetime) -> Account:
        """Run `refresher` on the account while its row is locked; store what it returns.

        New tokens are written in the same transaction that holds the lock, so
        a rotated refresh token is never used twice by concurrent publishes.
        `refresher` returns None when nothing needs to change.
        """
        ...

    async def list_expiring_unwarned(self, before: datetime) -> list[Account]:
        """Active accounts without a refresh token whose token expires before `before`."""
        ...

    async def mark_expiry_warned(self, account_id: int, now: datetime) -> bool:
        """Record the expiry warning; False when it was recorded already."""
        ...


class PostRepository(Protocol):
    """Posts and their state machine.

    `transition` and `claim` are single conditional UPDATEs on (id, status,
    version): they return None when another caller moved the post first or the
    caller's copy is stale, and never move a post twice.
    """

    async def create_group(
        self,
        group_id: str,
        user_id: int,
        drafts: Sequence[tuple[int, str]],
        run_at: datetime,
        timezone: str,
        now: datetime,
    ) -> list[Post]: ...

    async def get_group(self, group_id: str) -> PostGroup | None: ...

    async def set_preview_message(self, group_id: str, chat_id: int, message_id: int) -> None: ...

    async def get(self, post_id: int) -> Post | None: ...

    async def list_group(self, group_id: str) -> list[Post]: ...

    async def list_upcoming(self, user_id: int, limit: int, offset: int = 0) -> list[Post]: ...

    async def count_upcoming(self, user_id: int) -> int: ...

    async def list_for_account(
        self, account_id: int, statuses: frozenset[PostStatus]
    ) -> list[Post]: ...

    async def transition(
        self,
        post: Post,
        to: PostStatus,
        now: datetime,
        *,
        bump_version: bool = False,
        **values: Any,
    ) -> Post | None: ...

    async def claim(
        self, post_id: int, version: int, now: datetime, lease_until: datetime
    ) -> Post | None: ...

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Post]: ...

    async def next_due_at(self) -> datetime | None: ...

    async def list_expired_leases(self, now: datetime, limit: int = 100) -> list[Post]: ...

    async def list_overdue(self, before: datetime, limit: int = 100) -> list[Post]: ...

    async def claim_report(self, group_id: str, outcomes: str) -> bool:
        """Record that `outcomes` of the group were reported; False when they were already."""
        ...


class DialogueRepository(Protocol):
    async def get(self, user_id: int) -> Dialogue: ...

    async def expect(
        self,
        user_id: int,
        state: DialogueState,
        now: datetime,
        *,
        subject: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None: ...

    async def clear(self, user_id: int, now: datetime) -> None: ...

    async def save_draft(self, user_id: int, text: str, now: datetime) -> None: ...

    async def clear_draft(self, user_id: int, now: datetime) -> None: ...


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class Identity:
    """The logged-in account: its id on the platform and how to show it."""

    external_id: str
    display_name: str
    handle: str | None = None


@dataclass(frozen=True)
class LoginState:
    state: str
    user_id: int
    platform: Platform
    code_verifier: str | None
    expires_at: datetime
    used_at: datetime | None


class OAuthProvider(Protocol):
    """One platform's OAuth 2.0 endpoints.

    `exchange_code` and `identify` raise CodeExchangeFailed; `refresh` raises
    RefreshRefused when the platform rejects the refresh token and
    TransientPublishError when it cannot be reached; `revoke` never raises.
    """

    platform: Platform
    uses_pkce: bool

    def authorize_url(self, state: str, code_challenge: str | None) -> str: ...

    async def exchange_code(self, code: str, code_verifier: str | None) -> Tokens: ...

    async def identify(self, tokens: Tokens) -> Identity: ...

    async def refresh(self, refresh_token: str) -> Tokens: ...

    async def revoke(self, token: str) -> None: ...


class LoginStateRepository(Protocol):
    async def create(self, login: LoginState, now: datetime) -> None: ...

    async def consume(self, state: str, now: datetime) -> LoginState | None:
        """Mark an unused state used and return it; None when unknown or already used."""
        ...

    async def get(self, state: str) -> LoginState | None: ...


class Store(Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def posts(self) -> PostRepository: ...

    @property
    def dialogues(self) -> DialogueRepository: ...

    @property
    def logins(self) -> LoginStateRepository: ...


class JobQueue(Protocol):
    """Runs a post's execution at its due time.

    `enqueue` stores a job that will call the execution use case for
    (post_id, version) at or after `run_at`, and returns its id; it raises
    JobQueueError when the job could not be stored. Delivery is at least once:
    the execution use case makes repeats harmless. `cancel` forgets a job;
    cancelling a job that already ran or is unknown is not an error, and a run
    already under way may still happen (it then finds nothing to claim).
    """

    async def enqueue(self, post_id: int, version: int, run_at: datetime) -> str: ...

    async def cancel(self, job_id: str) -> None: ...

    def wake(self) -> None:
        """Tell an embedded queue that the next due time may have moved."""
        ...


@dataclass(frozen=True)
class Published:
    """The platform's id of a published post and its public link."""

    external_id: str
    url: str | None


class Publisher(Protocol):
    """Publishes content to one platform.

    Raises a PublishError subclass: PermanentPublishError (RejectedContent,
    AccountAccessLost) when retrying cannot help, TransientPublishError when a
    later attempt may succeed (nothing was published), PublishOutcomeUnknown
    when the request was sent but its outcome is not known.
    """

    platform: Platform

    def max_length(self, account: Account) -> int:
        """Return the maximum content length for the account, in the unit of `measure`."""
        ...

    def measure(self, content: str) -> int:
        """Return the length of `content` as the platform counts it against `max_length`."""
        ...

    async def publish(self, account: Account, post: Post) -> Published: ...


@dataclass(frozen=True)
class Outcome:
    """The result of one post's attempt, for the owner's notification."""

    post: Post
    account: Account | None
    late_by: timedelta | None = None


class Notifier(Protocol):
    """Tells a post's owner in chat what happened. Never raises for a blocked chat."""

    async def post_published(self, user: User, outcome: Outcome) -> None: ...

    async def post_failed(self, user: User, outcome: Outcome) -> None: ...

    async def post_unknown(self, user: User, outcome: Outcome) -> None: ...

    async def posts_settled(self, user: User, outcomes: Sequence[Outcome]) -> None:
        """One message for the posts of one request that ran together on several accounts."""
        ...

    async def account_connected(self, user: User, account: Account) -> None: ...

    async def login_failed(self, user: User, platform: Platform, reason: str) -> None: ...

    async def token_expiring(self, user: User, account: Account) -> None: ...

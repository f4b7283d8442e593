"""In-memory doubles of the domain's ports, for use-case tests on a real database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.errors import CodeExchangeFailed, JobQueueError, PublishError, RefreshRefused
from domain.model import Account, Platform, Post, User
from domain.ports import Identity, Outcome, Published, Tokens


@dataclass
class FakeJobQueue:
    jobs: dict[str, tuple[int, int, datetime]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    fail_enqueue: bool = False
    wakes: int = 0

    async def enqueue(self, post_id: int, version: int, run_at: datetime) -> str:
        if self.fail_enqueue:
            raise JobQueueError("queue unavailable")
        job_id = f"fake:{post_id}:{version}"
        self.jobs[job_id] = (post_id, version, run_at)
        return job_id

    async def cancel(self, job_id: str) -> None:
        self.cancelled.append(job_id)
        self.jobs.pop(job_id, None)

    def wake(self) -> None:
        self.wakes += 1


@dataclass
class FakePublisher:
    """Publishes into a list; `errors` are raised first, one per attempt."""

    platform: Platform = Platform.TELEGRAM
    limit: int = 4096
    published: list[tuple[int, str]] = field(default_factory=list)
    errors: list[PublishError] = field(default_factory=list)

    def max_length(self, account: Account) -> int:
        return self.limit

    def measure(self, content: str) -> int:
        return len(content)

    async def publish(self, account: Account, post: Post) -> Published:
        if self.errors:
            raise self.errors.pop(0)
        self.published.append((post.id, post.content))
        number = len(self.published)
        return Published(str(number), f"https://t.me/example/{number}")


@dataclass
class FakeNotifier:
    sent: list[tuple[str, int, Outcome]] = field(default_factory=list)
    events: list[tuple[str, int, str]] = field(default_factory=list)

    async def post_published(self, user: User, outcome: Outcome) -> None:
        self.sent.append(("published", user.id, outcome))

    async def post_failed(self, user: User, outcome: Outcome) -> None:
        self.sent.append(("failed", user.id, outcome))

    async def post_unknown(self, user: User, outcome: Outcome) -> None:
        self.sent.append(("unknown", user.id, outcome))

    async def posts_settled(self, user: User, outcomes: Sequence[Outcome]) -> None:
        for outcome in outcomes:
            self.sent.append((f"settled:{outcome.post.status.value}", user.id, outcome))

    async def account_connected(self, user: User, account: Account) -> None:
        self.events.append(("connected", user.id, account.display_name))

    async def login_failed(self, user: User, platform: Platform, reason: str) -> None:
        self.events.append(("login_failed", user.id, reason))

    async def token_expiring(self, user: User, account: Account) -> None:
        self.events.append(("token_expiring", user.id, account.display_name))

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.sent]


@dataclass
class FakeOAuthProvider:
    """OAuth without HTTP: codes map to identities; refresh tokens rotate like X's."""

    platform: Platform = Platform.X
    uses_pkce: bool = True
    lifetime: timedelta = timedelta(hours=2)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    identities: dict[str, Identity] = field(default_factory=dict)
    verifiers: dict[str, str] = field(default_factory=dict)
    refreshes: list[str] = field(default_factory=list)
    valid_refresh_tokens: set[str] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)
    refresh_delay: float = 0.0

    def authorize_url(self, state: str, code_challenge: str | None) -> str:
        return f"https://login.example/authorize?state={state}&challenge={code_challenge}"

    async def exchange_code(self, code: str, code_verifier: str | None) -> Tokens:
        if code not in self.identities:
            raise CodeExchangeFailed("the login code was not accepted")
        expected = self.verifiers.get(code)
        if expected is not None and code_verifier != expected:
            raise CodeExchangeFailed("the PKCE verifier did not match")
        return self._issue(code)

    async def identify(self, tokens: Tokens) -> Identity:
        code = tokens.access_token.split(":")[1]
        return self.identities[code]

    async def refresh(self, refresh_token: str) -> Tokens:
        self.refreshes.append(refresh_token)
        if refresh_token not in self.valid_refresh_tokens:
            raise RefreshRefused(f"refresh token {refresh_token} is not valid")
        self.valid_refresh_tokens.discard(refresh_token)
        await asyncio.sleep(self.refresh_delay)
        return self._issue(refresh_token.split(":")[1])

    async def revoke(self, token: str) -> None:
        self.revoked.append(token)

    def _issue(self, code: str) -> Tokens:
        serial = len(self.refreshes)
        refresh = f"refresh:{code}:{serial}"
        self.valid_refresh_tokens.add(refresh)
        return Tokens(f"access:{code}:{serial}", refresh, self.clock() + self.lifetime)

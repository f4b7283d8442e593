"""OAuth logins, token refresh and several-account results, on a real database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.fernet import Fernet

from domain import scheduling
from domain.accounts import disconnect_account
from domain.clock import FakeClock
from domain.errors import (
    AccountAccessLost,
    CodeExchangeFailed,
    LoginDenied,
    LoginLinkInvalid,
    RejectedContent,
)
from domain.execution import Execution, execute_post
from domain.model import Account, AccountStatus, Platform
from domain.oauth import (
    finish_login,
    fresh_account,
    pkce_challenge,
    start_login,
    warn_expiring_tokens,
)
from domain.ports import Identity
from domain.services import Services
from storage.crypto import TokenCipher
from storage.database import Database
from storage.store import SqlAlchemyStore
from tests.fakes.doubles import FakeJobQueue, FakeNotifier, FakeOAuthProvider, FakePublisher

START = datetime(2026, 3, 27, 15, 40, tzinfo=UTC)
USER = 100
JANE = Identity("42", "Jane Doe", "jane")


@dataclass
class World:
    services: Services
    store: SqlAlchemyStore
    x: FakeOAuthProvider
    notifier: FakeNotifier
    clock: FakeClock
    publishers: dict[Platform, FakePublisher]


@pytest.fixture
async def world(database: Database) -> World:
    store = SqlAlchemyStore(database, TokenCipher(Fernet.generate_key().decode()))
    clock = FakeClock(START)
    x = FakeOAuthProvider(clock=clock.now)
    publishers = {
        Platform.TELEGRAM: FakePublisher(),
        Platform.X: FakePublisher(platform=Platform.X, limit=280),
    }
    notifier = FakeNotifier()
    services = Services(store, FakeJobQueue(), clock, notifier, dict(publishers), {Platform.X: x})
    await store.users.upsert(USER, USER, "en", START)
    return World(services, store, x, notifier, clock, publishers)


async def _login(world: World, code: str = "code-1") -> tuple[str, dict[str, str]]:
    url = await start_login(world.services, Platform.X, USER)
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    return url, {"state": query["state"], "code": code}


async def test_login_stores_the_account_with_encrypted_tokens(world: World) -> None:
    world.x.identities["code-1"] = JANE
    _, query = await _login(world)

    user, account = await finish_login(world.services, Platform.X, query)

    assert user.id == USER
    assert (account.external_id, account.display_name, account.handle) == ("42", "Jane Doe", "jane")
    assert account.access_token == "access:code-1:0"
    assert account.refresh_token == "refresh:code-1:0"


async def test_login_link_carries_an_s256_challenge_of_the_stored_verifier(world: World) -> None:
    url = await start_login(world.services, Platform.X, USER)
    state = parse_qs(urlparse(url).query)["state"][0]

    login = await world.store.logins.get(state)

    assert login is not None and login.code_verifier is not None
    assert parse_qs(urlparse(url).query)["challenge"][0] == pkce_challenge(login.code_verifier)
    assert 43 <= len(login.code_verifier) <= 128


async def test_login_state_is_single_use(world: World) -> None:
    world.x.identities["code-1"] = JANE
    _, query = await _login(world)
    await finish_login(world.services, Platform.X, query)

    with pytest.raises(LoginLinkInvalid, match="already used") as raised:
        await finish_login(world.services, Platform.X, query)
    assert raised.value.user_id == USER


async def test_unknown_state_is_rejected_and_stores_nothing(world: World) -> None:
    world.x.identities["code-1"] = JANE

    with pytest.raises(LoginLinkInvalid, match="not one postlater handed out"):
        await finish_login(world.services, Platform.X, {"state": "forged", "code": "code-1"})
    assert await world.store.accounts.list_connected(USER) == []


async def test_expired_state_is_rejected(world: World) -> None:
    world.x.identities["code-1"] = JANE
    _, query = await _login(world)
    world.clock.advance(timedelta(minutes=11))

    with pytest.raises(LoginLinkInvalid, match="expired"):
        await finish_login(world.services, Platform.X, query)
    assert await world.store.accounts.list_connected(USER) == []


async def test_denied_consent_stores_nothing(world: World) -> None:
    _, query = await _login(world)

    with pytest.raises(LoginDenied):
        await finish_login(
            world.services, Platform.X, {"state": query["state"], "error": "access_denied"}
        )
    assert await world.store.accounts.list_connected(USER) == []


async def test_failed_code_exchange_stores_nothing(world: World) -> None:
    _, query = await _login(world, code="not-a-code")

    with pytest.raises(CodeExchangeFailed) as raised:
        await finish_login(world.services, Platform.X, query)
    assert raised.value.user_id == USER
    assert await world.store.accounts.list_connected(USER) == []


async def _connected(world: World, expires_in: timedelta = timedelta(minutes=2)) -> Account:
    world.x.identities["code-1"] = JANE
    world.x.lifetime = expires_in
    _, query = await _login(world)
    _, account = await finish_login(world.services, Platform.X, query)
    return account


async def test_token_about_to_expire_is_refreshed_and_rotated(world: World) -> None:
    account = await _connected(world)

    fresh = await fresh_account(world.services, account)

    assert world.x.refreshes == ["refresh:code-1:0"]
    assert fresh.access_token == "access:code-1:1"
    assert fresh.refresh_token == "refresh:code-1:1"
    stored = await world.store.accounts.get(account.id)
    assert stored is not None and stored.refresh_token == "refresh:code-1:1"


async def test_concurrent_refreshes_use_the_refresh_token_once(world: World) -> None:
    account = await _connected(world)
    world.x.refresh_delay = 0.05
    world.x.lifetime = timedelta(hours=2)

    results = await asyncio.gather(*(fresh_account(world.services, account) for _ in range(5)))

    assert world.x.refreshes == ["refresh:code-1:0"]
    assert {r.access_token for r in results} == {"access:code-1:1"}


async def test_refused_refresh_fails_the_post_and_asks_to_reconnect(world: World) -> None:
    account = await _connected(world)
    world.x.valid_refresh_tokens.clear()
    [post] = await _schedule(world, [account], "Hello X")

    result = await execute_post(world.services, post.id, post.version)

    stored = await world.store.accounts.get(account.id)
    assert result.execution is Execution.FAILED
    assert stored is not None and stored.status is AccountStatus.NEEDS_RECONNECT
    assert world.publishers[Platform.X].published == []
    assert world.notifier.kinds() == ["failed"]


async def test_expired_token_without_refresh_token_loses_access(world: World) -> None:
    account = await _connected(world, expires_in=timedelta(days=60))
    unrefreshable = Account(
        **{**account.__dict__, "refresh_token": None, "token_expires_at": START}
    )

    with pytest.raises(AccountAccessLost, match="expired"):
        await fresh_account(world.services, unrefreshable)


async def _schedule(world: World, accounts: list[Account], content: str):  # type: ignore[no-untyped-def]
    preview = await scheduling.prepare_preview(
        world.services, USER, accounts, content, START + timedelta(minutes=5), "Europe/Berlin"
    )
    posts = await scheduling.confirm_group(world.services, USER, preview.group_id)
    world.clock.advance(timedelta(minutes=5))
    return posts


async def test_several_accounts_get_one_result_message(world: World) -> None:
    x_account = await _connected(world, expires_in=timedelta(hours=2))
    channel = await world.store.accounts.connect(USER, Platform.TELEGRAM, "-1001", "Acme", START)
    world.publishers[Platform.X].errors.append(RejectedContent("X said no"))
    posts = await _schedule(world, [channel, x_account], "Both")

    for post in posts:
        await execute_post(world.services, post.id, post.version)

    assert world.notifier.kinds() == ["settled:posted", "settled:failed"]


async def test_retry_group_runs_only_the_failed_posts(world: World) -> None:
    x_account = await _connected(world, expires_in=timedelta(hours=2))
    channel = await world.store.accounts.connect(USER, Platform.TELEGRAM, "-1001", "Acme", START)
    world.publishers[Platform.X].errors.append(RejectedContent("X said no"))
    posts = await _schedule(world, [channel, x_account], "Both")
    for post in posts:
        await execute_post(world.services, post.id, post.version)

    retried = await scheduling.retry_group(world.services, USER, posts[0].group_id)
    for post in retried:
        await execute_post(world.services, post.id, post.version)

    assert [p.account_id for p in retried] == [x_account.id]
    assert len(world.publishers[Platform.TELEGRAM].published) == 1
    assert len(world.publishers[Platform.X].published) == 1
    assert world.notifier.kinds()[-1] == "published"


async def test_expiring_token_warning_is_sent_once(world: World) -> None:
    await world.store.accounts.connect(
        USER,
        Platform.LINKEDIN,
        "abc",
        "Jane Doe",
        START,
        access_token="linkedin-token",
        token_expires_at=START + timedelta(days=2),
    )

    first = await warn_expiring_tokens(world.services)
    second = await warn_expiring_tokens(world.services)

    assert (first, second) == (1, 0)
    assert [event[0] for event in world.notifier.events] == ["token_expiring"]


async def test_disconnect_revokes_the_token(world: World) -> None:
    account = await _connected(world, expires_in=timedelta(hours=2))

    await disconnect_account(world.services, USER, account.id)

    stored = await world.store.accounts.get(account.id)
    assert world.x.revoked == ["access:code-1:0"]
    assert stored is not None and stored.access_token is None
    assert stored.status is AccountStatus.DISCONNECTED

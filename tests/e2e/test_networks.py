"""LinkedIn and X end to end: OAuth logins over HTTP, publishing, tokens and failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from domain.model import AccountStatus, PostStatus
from tests.e2e.conftest import MakeApp
from tests.e2e.harness import Harness, snapshot
from tests.fakes.linkedin_api import FakeLinkedIn
from tests.fakes.telegram_records import FakeUser
from tests.fakes.x_api import FakeX


@pytest.fixture
async def app(make_app: MakeApp) -> AsyncIterator[Harness]:
    async with make_app(networks=True, NETWORK_TIMEOUT_SECONDS=1.0) as harness:
        yield harness


def _x(app: Harness) -> FakeX:
    assert app.x is not None
    return app.x


def _linkedin(app: Harness) -> FakeLinkedIn:
    assert app.linkedin is not None
    return app.linkedin


async def _user_with_x(app: Harness) -> FakeUser:
    _x(app).add_user("Jane Doe", "jane")
    user = await app.onboard()
    await app.connect_network(user, "x")
    return user


async def _user_with_linkedin(app: Harness) -> FakeUser:
    _linkedin(app).add_member("Jane Doe")
    user = await app.onboard()
    await app.connect_network(user, "linkedin")
    return user


async def test_connect_x_over_oauth(app: Harness) -> None:
    x = _x(app)
    x.add_user("Jane Doe", "jane")
    user = await app.onboard()

    link = await app.login_link(user, "x")
    after = app.last_bot_message_id(user.id)
    page = await app.follow(link)
    confirmation = await app.reply_to(user, "connected as", after=after)
    accounts = await app.say(user, "/accounts", "Your accounts")

    assert "code_challenge_method=S256" in link
    assert page.status_code == 200
    assert "Connected as Jane Doe" in page.text
    assert "X connected as Jane Doe" in (confirmation.text or "")
    assert "Jane Doe (X @jane)" in (accounts.text or "")
    assert len(x.calls("authorize")) == 1


async def test_connect_linkedin_over_oauth(app: Harness) -> None:
    _linkedin(app).add_member("Jane Doe")
    user = await app.onboard()

    confirmation = await app.connect_network(user, "linkedin")

    assert "LinkedIn connected as Jane Doe" in (confirmation.text or "")


async def test_tokens_are_stored_encrypted(app: Harness) -> None:
    await _user_with_x(app)
    [token] = [t for t in _x(app).tokens() if t.kind == "access"]

    async with app.runtime.store.database.engine.connect() as connection:  # type: ignore[union-attr]
        stored = (await connection.execute(text("SELECT access_token FROM accounts"))).scalar()

    assert stored is not None
    assert token.value not in stored


@pytest.mark.parametrize("platform", ["x", "linkedin"])
async def test_denied_consent_stores_nothing(app: Harness, platform: str) -> None:
    fake = _x(app) if platform == "x" else _linkedin(app)
    fake.next_login(None, deny=True)
    user = await app.onboard()
    link = await app.login_link(user, platform)
    before = await snapshot(app.database_url)

    after = app.last_bot_message_id(user.id)
    page = await app.follow(link)
    told = await app.reply_to(user, "Could not connect", after=after)

    assert page.status_code == 400
    assert "declined" in page.text
    assert "/connect" in page.text
    assert "declined" in (told.text or "")
    assert (await snapshot(app.database_url))["accounts"] == before["accounts"]


async def test_reused_login_link_is_rejected(app: Harness) -> None:
    x = _x(app)
    jane = x.add_user("Jane Doe", "jane")
    user = await app.onboard()
    link = await app.login_link(user, "x")
    await app.follow(link)
    before = await snapshot(app.database_url)

    x.next_login(jane)
    again = await app.follow(link)

    assert again.status_code == 400
    assert "already used" in again.text
    assert (await snapshot(app.database_url))["accounts"] == before["accounts"]


async def test_expired_login_link_is_rejected(app: Harness) -> None:
    _x(app).add_user("Jane Doe", "jane")
    user = await app.onboard()
    link = await app.login_link(user, "x")

    app.advance(timedelta(minutes=11))
    page = await app.follow(link)

    assert page.status_code == 400
    assert "expired" in page.text
    assert await app.posts() == []


async def test_forged_state_is_rejected(app: Harness) -> None:
    before = await snapshot(app.database_url)

    async with httpx_client() as browser:
        page = await browser.get(app.url + "/oauth/x/callback?state=forged&code=abc")

    assert page.status_code == 400
    assert "not one postlater handed out" in page.text
    assert await snapshot(app.database_url) == before


async def test_failed_code_exchange_is_explained(app: Harness) -> None:
    x = _x(app)
    x.add_user("Jane Doe", "jane")
    user = await app.onboard()
    link = await app.login_link(user, "x")
    x.fail_next("token", "invalid_request")

    after = app.last_bot_message_id(user.id)
    page = await app.follow(link)
    told = await app.reply_to(user, "Could not connect X", after=after)

    assert page.status_code == 400
    assert "did not accept the login code" in page.text
    assert "/connect" in (told.text or "")


async def test_linkedin_post_arrives_whole(app: Harness) -> None:
    user = await _user_with_linkedin(app)
    content = "Launch (beta) #1 @home <3 a_b {x} [y] | ~z~ *w* \\ done"

    await app.schedule(user, f"post this to LinkedIn in 1 hour: {content}")
    app.advance(timedelta(hours=1))
    [post] = await _linkedin(app).wait_for_posts(1)
    posted = await app.reply_to(user, "Posted to", after=0)

    assert post.text == content
    assert "https://www.linkedin.com/feed/update/urn:li:" in (posted.text or "")


async def test_x_post_is_published_with_its_link(app: Harness) -> None:
    user = await _user_with_x(app)

    await app.schedule(user, "tweet this in 1 hour: Hello from postlater")
    app.advance(timedelta(hours=1))
    [tweet] = await _x(app).wait_for_posts(1)
    posted = await app.reply_to(user, "Posted to", after=0)

    assert tweet.text == "Hello from postlater"
    assert f"https://x.com/i/web/status/{tweet.id}" in (posted.text or "")


async def test_x_over_the_limit_is_refused_at_preview(app: Harness) -> None:
    user = await _user_with_x(app)
    before = await snapshot(app.database_url)

    preview = await app.say(user, "tweet this in 1 hour: " + "😀" * 141, "Too long for X")

    assert "by 2 characters" in (preview.text or "")
    assert preview.callback_data == []
    assert await snapshot(app.database_url) == before


async def test_several_platforms_one_preview_one_result(app: Harness) -> None:
    _x(app).add_user("Jane Doe", "jane")
    _linkedin(app).add_member("Jane Doe")
    user = await app.onboard()
    await app.connect_network(user, "x")
    await app.connect_network(user, "linkedin")

    preview = await app.say(user, "post this to LinkedIn and X in 1 hour: Both at once", "Preview")
    scheduled = await app.press(user, preview, "pv:s:", "Scheduled", in_place=True)
    app.advance(timedelta(hours=1))
    result = await app.reply_to(user, "Results for", after=scheduled.message_id)
    await asyncio.sleep(0.3)

    assert "(LinkedIn)" in (preview.text or "") and "(X @jane)" in (preview.text or "")
    assert "✅ Jane Doe (LinkedIn)" in (result.text or "")
    assert "✅ Jane Doe (X @jane)" in (result.text or "")
    reports = [m for m in app.telegram.bot_messages(user.id) if "Results for" in (m.text or "")]
    assert len(reports) == 1


async def test_retry_after_partial_failure_retries_only_the_failed(app: Harness) -> None:
    _x(app).add_user("Jane Doe", "jane")
    _linkedin(app).add_member("Jane Doe")
    user = await app.onboard()
    await app.connect_network(user, "x")
    await app.connect_network(user, "linkedin")
    await app.schedule(user, "post this to LinkedIn and X in 1 hour: Half")
    _x(app).fail_next("tweets", "server_error", times=4)

    app.advance(timedelta(hours=1))
    for _ in range(4):
        await asyncio.sleep(0.3)
        app.advance(timedelta(minutes=20))
    result = await app.reply_to(user, "Results for", after=0, timeout=10)
    await app.press(user, result, "rg:", "again now")
    app.advance(timedelta(minutes=1))
    tweets = await _x(app).wait_for_posts(1, timeout=10)

    assert "❌ Jane Doe (X @jane)" in (result.text or "")
    assert "✅ Jane Doe (LinkedIn)" in (result.text or "")
    assert len(tweets) == 1
    assert len(_linkedin(app).posts()) == 1


async def test_retired_linkedin_version_tells_the_operator(make_app: MakeApp) -> None:
    async with make_app(networks=True, LINKEDIN_API_VERSION="202301") as app:
        user = await _user_with_linkedin(app)
        await app.schedule(user, "post this to LinkedIn in 1 hour: Old version")
        app.advance(timedelta(hours=1))
        failed = await app.reply_to(user, "Could not post", after=0)

    assert "LINKEDIN_API_VERSION" in (failed.text or "")
    assert failed.callback_data[0].startswith("r:retry:")


async def test_x_rate_limit_waits_for_the_reset(app: Harness) -> None:
    user = await _user_with_x(app)
    await app.schedule(user, "tweet this in 1 hour: Patient")
    _x(app).fail_next("tweets", "rate_limited")

    app.advance(timedelta(hours=1))
    waiting = await app.wait_for_post(
        lambda p: p.status is PostStatus.SCHEDULED and p.attempts == 1
    )
    app.advance(timedelta(minutes=16))
    tweets = await _x(app).wait_for_posts(1)

    assert waiting.due_at is not None
    assert timedelta(minutes=14) < waiting.due_at - waiting.run_at < timedelta(minutes=16)
    assert len(tweets) == 1


async def test_expired_x_token_is_refreshed_with_rotation(app: Harness) -> None:
    user = await _user_with_x(app)
    await app.schedule(user, "tweet this in 3 hours: After refresh")

    app.advance(timedelta(hours=3))
    [tweet] = await _x(app).wait_for_posts(1)
    refreshes = [c for c in _x(app).calls("token") if b"grant_type=refresh_token" in c.body]

    assert tweet.text == "After refresh"
    assert len(refreshes) == 1


async def test_refused_refresh_asks_to_reconnect(app: Harness) -> None:
    user = await _user_with_x(app)
    await app.schedule(user, "tweet this in 3 hours: No refresh")
    for token in _x(app).tokens():
        _x(app).revoke(token.value)

    app.advance(timedelta(hours=3))
    failed = await app.reply_to(user, "Could not post", after=0)
    [account] = [a for a in await app.runtime.store.accounts.list_connected(user.id)]  # type: ignore[union-attr]

    assert "reconnect" in (failed.text or "").lower()
    assert any(d.startswith("rc:") for d in failed.callback_data)
    assert account.status is AccountStatus.NEEDS_RECONNECT
    assert _x(app).posts() == []


async def test_revoked_linkedin_token_fails_with_reconnect(app: Harness) -> None:
    user = await _user_with_linkedin(app)
    await app.schedule(user, "post this to LinkedIn in 1 hour: Revoked")
    _linkedin(app).fail_next("posts", "revoked_token")

    app.advance(timedelta(hours=1))
    failed = await app.reply_to(user, "Could not post", after=0)

    assert "reconnect" in (failed.text or "").lower()
    assert any(d.startswith("rc:") for d in failed.callback_data)


async def test_duplicate_content_is_a_permanent_failure(app: Harness) -> None:
    user = await _user_with_x(app)
    await app.schedule(user, "tweet this in 1 hour: Same again")
    _x(app).fail_next("tweets", "duplicate")

    app.advance(timedelta(hours=1))
    failed = await app.reply_to(user, "Could not post", after=0)

    assert "duplicate" in (failed.text or "")
    assert any(d.startswith("e:") for d in failed.callback_data)


async def test_x_timeout_after_sending_is_never_repeated(app: Harness) -> None:
    user = await _user_with_x(app)
    await app.schedule(user, "tweet this in 1 hour: Slow")
    _x(app).delay_next("tweets", 2.0)

    app.advance(timedelta(hours=1))
    unsure = await app.reply_to(user, "I don't know whether", after=0)
    [post] = await app.wait_for_status(PostStatus.UNKNOWN)
    app.advance(timedelta(hours=1))
    await asyncio.sleep(0.5)

    assert [d.split(":")[1] for d in unsure.callback_data] == ["done", "again"]
    assert post.attempts == 1
    assert len(_x(app).posts()) == 1


async def test_preview_warns_when_the_linkedin_login_expires_first(app: Harness) -> None:
    user = await _user_with_linkedin(app)

    preview = await app.say(user, "post this to LinkedIn in 70 days: Far", "Preview")

    assert "LinkedIn login expires on" in (preview.text or "")


async def test_expiring_linkedin_login_is_announced_once(app: Harness) -> None:
    user = await _user_with_linkedin(app)

    app.advance(timedelta(days=57, hours=1))
    warning = await app.reply_to(user, "login (Jane Doe) expires on", after=0)
    app.advance(timedelta(hours=6))
    await asyncio.sleep(0.6)

    warnings = [m for m in app.telegram.bot_messages(user.id) if "expires on" in (m.text or "")]
    assert warning is not None
    assert len(warnings) == 1


async def test_disconnect_revokes_and_cancels(app: Harness) -> None:
    user = await _user_with_x(app)
    await app.schedule(user, "tweet this tomorrow 9am: Never")

    choice = await app.say(user, "/disconnect", "Which account")
    confirm = await app.press(user, choice, "d:ask:", "Disconnect", in_place=True)
    done = await app.press(user, confirm, "d:yes:", "Disconnected", in_place=True)
    revocations = _x(app).calls("revoke")

    assert "1 upcoming post" in (confirm.text or "")
    assert "Cancelled 1 upcoming post" in (done.text or "")
    assert len(revocations) == 1
    [post] = await app.posts()
    assert post.status is PostStatus.CANCELLED


def httpx_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(trust_env=False)

"""How LinkedIn and X replies and transport failures map to publish errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from domain.clock import FakeClock
from domain.errors import (
    AccountAccessLost,
    PublishError,
    PublishOutcomeUnknown,
    RejectedContent,
    TransientPublishError,
)
from domain.model import Account, Platform, Post, PostStatus
from networks.linkedin import LinkedInClient
from networks.x import XClient

NOW = datetime(2026, 3, 27, 15, 40, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def _post() -> Post:
    return Post(1, 1, 1, "g" * 32, "Hello", PostStatus.PUBLISHING, NOW, "UTC", 2)


def _account(platform: Platform) -> Account:
    return Account(1, 1, platform, "42", "Jane", access_token="token")


def _x(handler: Handler) -> XClient:
    return XClient(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        FakeClock(NOW),
        client_id="id",
        client_secret="secret",
        redirect_uri="https://bot.example/oauth/x/callback",
        authorize_url="https://x.example/i/oauth2/authorize",
        api_base_url="https://api.x.example",
    )


def _linkedin(handler: Handler) -> LinkedInClient:
    return LinkedInClient(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        FakeClock(NOW),
        client_id="id",
        client_secret="secret",
        redirect_uri="https://bot.example/oauth/linkedin/callback",
        oauth_base_url="https://www.linkedin.example",
        api_base_url="https://api.linkedin.example",
        api_version="202603",
    )


def _raise(error: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


def _reply(status: int, json: object = None, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(status, json=json, headers=headers)


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (_raise(httpx.ConnectError("refused")), TransientPublishError),
        (_raise(httpx.ConnectTimeout("slow connect")), TransientPublishError),
        (_raise(httpx.ReadTimeout("no reply")), PublishOutcomeUnknown),
        (_raise(httpx.RemoteProtocolError("closed")), PublishOutcomeUnknown),
        (_reply(401, {"title": "Unauthorized", "status": 401}), AccountAccessLost),
        (
            _reply(
                403, {"detail": "You are not allowed to create a Tweet with duplicate content."}
            ),
            RejectedContent,
        ),
        (_reply(503, {"title": "Service Unavailable"}), TransientPublishError),
        (_reply(400, {"detail": "Invalid Request"}), RejectedContent),
    ],
    ids=["refused", "connect-timeout", "read-timeout", "closed", "401", "duplicate", "503", "400"],
)
async def test_x_publish_errors(handler: Handler, expected: type[PublishError]) -> None:
    with pytest.raises(expected):
        await _x(handler).publish(_account(Platform.X), _post())


async def test_x_rate_limit_waits_until_the_reset() -> None:
    reset = str(int(NOW.timestamp()) + 600)
    handler = _reply(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": reset})

    with pytest.raises(TransientPublishError) as raised:
        await _x(handler).publish(_account(Platform.X), _post())

    assert raised.value.retry_after is not None
    assert 595 <= raised.value.retry_after <= 600


@pytest.mark.parametrize(
    ("handler", "expected", "words"),
    [
        (_raise(httpx.ConnectError("refused")), TransientPublishError, "could not be reached"),
        (_raise(httpx.ReadTimeout("no reply")), PublishOutcomeUnknown, "after the post was sent"),
        (
            _reply(401, {"status": 401, "code": "EXPIRED_ACCESS_TOKEN"}),
            AccountAccessLost,
            "reconnect",
        ),
        (
            _reply(
                422,
                {
                    "status": 422,
                    "message": "Content is a duplicate of urn:li:share:1",
                    "errorDetails": {"inputErrors": [{"code": "DUPLICATE_POST"}]},
                },
            ),
            RejectedContent,
            "duplicate",
        ),
        (
            _reply(426, {"status": 426, "code": "NONEXISTENT_VERSION"}),
            RejectedContent,
            "LINKEDIN_API_VERSION",
        ),
        (_reply(429, {"status": 429}), TransientPublishError, "rate limit"),
        (_reply(500, {"status": 500}), TransientPublishError, "server error"),
    ],
    ids=["refused", "read-timeout", "expired", "duplicate", "retired-version", "429", "500"],
)
async def test_linkedin_publish_errors(
    handler: Handler, expected: type[PublishError], words: str
) -> None:
    with pytest.raises(expected) as raised:
        await _linkedin(handler).publish(_account(Platform.LINKEDIN), _post())

    assert words in raised.value.reason


async def test_linkedin_publish_sends_versioned_escaped_post() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, headers={"x-restli-id": "urn:li:share:7"})

    post = Post(1, 1, 1, "g" * 32, "Hi (all)", PostStatus.PUBLISHING, NOW, "UTC", 2)
    published = await _linkedin(handler).publish(_account(Platform.LINKEDIN), post)

    [request] = seen
    assert request.headers["LinkedIn-Version"] == "202603"
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert json.loads(request.content)["commentary"] == "Hi \\(all\\)"
    assert published.url == "https://www.linkedin.com/feed/update/urn:li:share:7/"

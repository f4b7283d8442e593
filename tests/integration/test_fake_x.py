"""Tests of the X API test server, driven with plain httpx as an app and a browser would.

They prove the OAuth 2.0 flow with PKCE, refresh-token rotation, posting with X's
weighted length, and the exact status, headers and body of every error the server
can send.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fakes.x_api import FakeX
from tests.fakes.x_records import FakeXUser

REDIRECT_URI = "http://127.0.0.1:9/oauth/x/callback"
SCOPES = "tweet.read tweet.write users.read offline.access"
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
TOO_LONG = {
    "detail": (
        "Your Tweet text is too long. For more information on how Twitter determines "
        "text length see https://github.com/twitter/twitter-text."
    ),
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
SPENT_TOKEN = {
    "error": "invalid_request",
    "error_description": "Value passed for the token was invalid.",
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeX]:
    with FakeX(
        client_id="x-client",
        client_secret="x-secret",
        redirect_uris=[REDIRECT_URI],
        rate_limits={"tweets": 100, "me": 75},
    ) as fake:
        yield fake


@pytest.fixture
def x(server: FakeX) -> FakeX:
    server.reset()
    return server


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    # One client for the module, because building its TLS context takes about 50 ms.
    with httpx.Client(trust_env=False, timeout=5.0) as client:
        yield client


def challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(
    x: FakeX, http: httpx.Client, *, scope: str = SCOPES, **overrides: str
) -> tuple[httpx.Response, str]:
    """Open the authorize page as the user's browser. Return the reply and the PKCE verifier."""
    verifier = secrets.token_urlsafe(48)
    params = {
        "response_type": "code",
        "client_id": x.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "state-123",
        "code_challenge": challenge_for(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return http.get(x.authorize_url, params=params), verifier


def redirect_params(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def exchange(
    x: FakeX, http: httpx.Client, code: str, verifier: str, *, auth: Any = None, **overrides: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": x.client_id,
    }
    form.update(overrides)
    credentials = auth if auth is not None else (x.client_id, x.client_secret or "")
    return http.post(f"{x.api_url}/2/oauth2/token", data=form, auth=credentials)


def connect(x: FakeX, http: httpx.Client, user: FakeXUser, scope: str = SCOPES) -> dict[str, Any]:
    """Log `user` in, exchange the code and return the token reply."""
    x.next_login(user)
    response, verifier = authorize(x, http, scope=scope)
    reply = exchange(x, http, redirect_params(response)["code"], verifier)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def refresh(x: FakeX, http: httpx.Client, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": x.client_id}
    return http.post(
        f"{x.api_url}/2/oauth2/token", data=form, auth=(x.client_id, x.client_secret or "")
    )


def post_tweet(x: FakeX, http: httpx.Client, token: str, text: str) -> httpx.Response:
    return http.post(
        f"{x.api_url}/2/tweets", json={"text": text}, headers={"Authorization": f"Bearer {token}"}
    )


# Login and token exchange


def test_authorize_redirects_with_code_and_state(x: FakeX, http: httpx.Client) -> None:
    x.add_user("Ada Lovelace", "ada")

    response, _ = authorize(x, http)

    assert response.status_code == 302
    params = redirect_params(response)
    assert params["state"] == "state-123"
    assert len(params["code"]) >= 40


def test_full_flow_connects_and_posts(x: FakeX, http: httpx.Client) -> None:
    ada = x.add_user("Ada Lovelace", "ada")
    x.next_login(ada)

    response, verifier = authorize(x, http)
    reply = exchange(x, http, redirect_params(response)["code"], verifier)
    tokens = reply.json()
    me = http.get(
        f"{x.api_url}/2/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    created = post_tweet(x, http, tokens["access_token"], "Hello from postlater")

    assert reply.status_code == 200
    assert set(tokens) == {"token_type", "expires_in", "access_token", "scope", "refresh_token"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 7200
    assert set(tokens["scope"].split()) == set(SCOPES.split())
    assert me.status_code == 200
    assert me.json() == {"data": {"id": ada.id, "name": "Ada Lovelace", "username": "ada"}}
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["text"] == "Hello from postlater"
    assert data["edit_history_tweet_ids"] == [data["id"]]
    assert [(post.id, post.author_id, post.text) for post in x.posts()] == [
        (data["id"], ada.id, "Hello from postlater")
    ]


def test_denied_login_redirects_with_access_denied(x: FakeX, http: httpx.Client) -> None:
    x.add_user()
    x.next_login(None, deny=True)

    response, _ = authorize(x, http)

    assert response.status_code == 302
    assert redirect_params(response) == {"error": "access_denied", "state": "state-123"}
    assert x.tokens() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "http://127.0.0.1:9/elsewhere"},
        {"code_challenge_method": "S512"},
        {"scope": "tweet.read tweet.everything"},
    ],
)
def test_authorize_rejects_bad_request(
    x: FakeX, http: httpx.Client, overrides: dict[str, str]
) -> None:
    x.add_user()

    response, _ = authorize(x, http, **overrides)

    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Something went wrong" in response.text


def test_token_rejects_wrong_code_verifier(x: FakeX, http: httpx.Client) -> None:
    x.add_user()
    response, _ = authorize(x, http)

    reply = exchange(x, http, redirect_params(response)["code"], secrets.token_urlsafe(48))

    assert reply.status_code == 400
    assert reply.json() == {
        "error": "invalid_request",
        "error_description": "Value passed for the code verifier did not match the code challenge.",
    }


def test_token_rejects_reused_code(x: FakeX, http: httpx.Client) -> None:
    x.add_user()
    response, verifier = authorize(x, http)
    code = redirect_params(response)["code"]

    first = exchange(x, http, code, verifier)
    second = exchange(x, http, code, verifier)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == {
        "error": "invalid_request",
        "error_description": "Value passed for the authorization code was invalid.",
    }


def test_token_rejects_code_after_thirty_seconds(x: FakeX, http: httpx.Client) -> None:
    x.add_user()
    response, verifier = authorize(x, http)

    x.advance(30)
    reply = exchange(x, http, redirect_params(response)["code"], verifier)

    assert reply.status_code == 400
    assert (
        reply.json()["error_description"] == "Value passed for the authorization code was invalid."
    )


def test_token_rejects_other_redirect_uri(x: FakeX, http: httpx.Client) -> None:
    x.add_user()
    response, verifier = authorize(x, http)

    reply = exchange(
        x, http, redirect_params(response)["code"], verifier, redirect_uri=REDIRECT_URI + "/x"
    )

    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_request"


def test_token_rejects_wrong_client_secret(x: FakeX, http: httpx.Client) -> None:
    x.add_user()
    response, verifier = authorize(x, http)

    reply = exchange(
        x, http, redirect_params(response)["code"], verifier, auth=(x.client_id, "wrong")
    )

    assert reply.status_code == 401
    assert reply.json() == {
        "error": "unauthorized_client",
        "error_description": "Missing valid authorization header",
    }


def test_token_needs_client_id_in_form(x: FakeX, http: httpx.Client) -> None:
    x.add_user()
    response, verifier = authorize(x, http)

    reply = exchange(x, http, redirect_params(response)["code"], verifier, client_id="")

    assert reply.status_code == 400
    assert reply.json() == {
        "error": "invalid_request",
        "error_description": "Missing required parameter [client_id].",
    }


def test_public_client_exchanges_code_without_secret(http: httpx.Client) -> None:
    with FakeX(client_id="native-app", public_client=True, redirect_uris=[REDIRECT_URI]) as x:
        x.add_user()
        response, verifier = authorize(x, http)
        form = {
            "grant_type": "authorization_code",
            "code": redirect_params(response)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": "native-app",
        }

        reply = http.post(f"{x.api_url}/2/oauth2/token", data=form)

    assert x.client_secret is None
    assert reply.status_code == 200
    assert "access_token" in reply.json()


# Refresh, expiry and revocation


def test_refresh_rotates_refresh_token(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user())

    first = refresh(x, http, tokens["refresh_token"])
    again = refresh(x, http, tokens["refresh_token"])
    second = refresh(x, http, first.json()["refresh_token"])

    assert first.status_code == 200
    assert first.json()["refresh_token"] != tokens["refresh_token"]
    assert first.json()["access_token"] != tokens["access_token"]
    assert again.status_code == 400
    assert again.json() == SPENT_TOKEN
    assert second.status_code == 200


def test_refreshed_access_token_posts(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user())

    access = refresh(x, http, tokens["refresh_token"]).json()["access_token"]
    created = post_tweet(x, http, access, "after refresh")

    assert created.status_code == 201


def test_no_refresh_token_without_offline_access(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user(), scope="tweet.read tweet.write users.read")

    assert "refresh_token" not in tokens
    assert tokens["scope"] == "tweet.read tweet.write users.read"


def test_access_token_expires_after_two_hours(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user())

    x.advance(7199)
    before = post_tweet(x, http, tokens["access_token"], "just in time")
    x.advance(1)
    after = post_tweet(x, http, tokens["access_token"], "too late")

    assert before.status_code == 201
    assert after.status_code == 401
    assert after.headers["content-type"] == "application/problem+json"
    assert after.json() == UNAUTHORIZED


def test_revoke_endpoint_and_test_side_revoke(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user())
    other = connect(x, http, x.add_user("Bob"))

    revoked = http.post(
        f"{x.api_url}/2/oauth2/revoke",
        data={
            "token": tokens["access_token"],
            "token_type_hint": "access_token",
            "client_id": x.client_id,
        },
        auth=(x.client_id, x.client_secret or ""),
    )
    x.revoke(other["access_token"])

    assert revoked.status_code == 200
    assert revoked.json() == {"revoked": True}
    assert post_tweet(x, http, tokens["access_token"], "a").json() == UNAUTHORIZED
    assert post_tweet(x, http, other["access_token"], "b").json() == UNAUTHORIZED


def test_expired_token_gets_401(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user())

    x.expire(tokens["access_token"])
    states = {token.kind: token.state(x.now()) for token in x.tokens()}

    assert post_tweet(x, http, tokens["access_token"], "a").status_code == 401
    assert states == {"access": "expired", "refresh": "active"}


def test_start_at_sets_clock(http: httpx.Client) -> None:
    with FakeX(start_at=1_900_000_000, redirect_uris=[REDIRECT_URI]) as x:
        x.add_user()

        now = x.now()
        x.advance(60)
        later = x.now()

    assert 1_900_000_000 <= now < 1_900_000_005
    assert 60 <= later - now < 65


def test_token_without_write_scope_is_forbidden(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user(), scope="tweet.read users.read")

    created = post_tweet(x, http, tokens["access_token"], "no write scope")

    assert created.status_code == 403
    assert created.json() == {
        "title": "Forbidden",
        "type": "about:blank",
        "status": 403,
        "detail": "Forbidden",
    }


# Posting


def test_weighted_length_limit_is_280(x: FakeX, http: httpx.Client) -> None:
    token = connect(x, http, x.add_user())["access_token"]
    # URL 23 + space 1 + 5 emoji (one a ZWJ sequence) 10 + 20 CJK 40 + 5 euro signs 10
    # + 4 "é" typed as e and a combining accent, 1 each after NFC, 4 + 192 ASCII = 280.
    text = (
        "https://example.com/launch/notes "
        + "😀🚀👩‍💻🎉✨"
        + "漢字" * 10
        + "€" * 5
        + "e\u0301" * 4
        + "a" * 192
    )

    accepted = post_tweet(x, http, token, text)
    rejected = post_tweet(x, http, token, text + "b")

    assert accepted.status_code == 201, accepted.text
    assert rejected.status_code == 403
    assert rejected.headers["content-type"] == "application/problem+json"
    assert rejected.json() == TOO_LONG


def test_post_text_stored_like_x(x: FakeX, http: httpx.Client) -> None:
    token = connect(x, http, x.add_user())["access_token"]

    created = post_tweet(x, http, token, "Read https://example.com/a and cafe\u0301")
    post = x.posts()[0]

    assert created.json()["data"]["text"] == post.text
    assert post.sent_text == "Read https://example.com/a and cafe\u0301"
    assert post.text.startswith("Read https://t.co/")
    assert post.text.endswith(" and caf\u00e9")
    assert [url for _, url in post.urls] == ["https://example.com/a"]


def test_duplicate_text_rejected_per_user(x: FakeX, http: httpx.Client) -> None:
    ada = connect(x, http, x.add_user("Ada"))["access_token"]
    bob = connect(x, http, x.add_user("Bob"))["access_token"]

    first = post_tweet(x, http, ada, "Same words")
    repeat = post_tweet(x, http, ada, "Same words")
    other_user = post_tweet(x, http, bob, "Same words")

    assert first.status_code == 201
    assert repeat.status_code == 403
    assert repeat.json() == DUPLICATE
    assert other_user.status_code == 201
    assert len(x.posts()) == 2


def test_post_rejects_body_without_text(x: FakeX, http: httpx.Client) -> None:
    token = connect(x, http, x.add_user())["access_token"]

    response = http.post(
        f"{x.api_url}/2/tweets", json={"txt": "typo"}, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Request"
    assert response.json()["type"] == "https://api.twitter.com/2/problems/invalid-request"


def test_rate_limit_headers_count_down(http: httpx.Client) -> None:
    with FakeX(redirect_uris=[REDIRECT_URI], rate_limits={"tweets": 2}) as x:
        token = connect(x, http, x.add_user())["access_token"]

        replies = [post_tweet(x, http, token, f"post {n}") for n in range(3)]

    assert [reply.status_code for reply in replies] == [201, 201, 429]
    assert [reply.headers["x-rate-limit-remaining"] for reply in replies] == ["1", "0", "0"]
    assert {reply.headers["x-rate-limit-limit"] for reply in replies} == {"2"}
    reset = int(replies[0].headers["x-rate-limit-reset"])
    assert x.now() + 890 < reset <= x.now() + 900
    assert replies[2].json() == {
        "title": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
        "detail": "Too Many Requests",
    }


def test_daily_limit_reports_24_hour_headers(http: httpx.Client) -> None:
    with FakeX(
        redirect_uris=[REDIRECT_URI], daily_limits={"tweets": 1}, access_token_lifetime=200_000
    ) as x:
        token = connect(x, http, x.add_user())["access_token"]

        first = post_tweet(x, http, token, "one")
        second = post_tweet(x, http, token, "two")
        x.advance(24 * 3600)
        next_day = post_tweet(x, http, token, "three")

    assert first.headers["x-user-limit-24hour-remaining"] == "0"
    assert second.status_code == 429
    assert second.headers["x-user-limit-24hour-limit"] == "1"
    assert next_day.status_code == 201


# Injected failures


INJECTED = [
    ("tweets", "unauthorized", 401, UNAUTHORIZED),
    ("tweets", "duplicate", 403, DUPLICATE),
    ("tweets", "too_long", 403, TOO_LONG),
    (
        "tweets",
        "forbidden",
        403,
        {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "Forbidden"},
    ),
    (
        "tweets",
        "server_error",
        500,
        {
            "title": "Internal Server Error",
            "type": "about:blank",
            "status": 500,
            "detail": "Internal Server Error",
        },
    ),
    (
        "tweets",
        "unavailable",
        503,
        {
            "title": "Service Unavailable",
            "type": "about:blank",
            "status": 503,
            "detail": "Service Unavailable",
        },
    ),
    ("me", "unauthorized", 401, UNAUTHORIZED),
]


@pytest.mark.parametrize(("endpoint", "kind", "status", "body"), INJECTED)
def test_injected_api_error_has_exact_reply(
    x: FakeX, http: httpx.Client, endpoint: str, kind: str, status: int, body: dict[str, Any]
) -> None:
    token = connect(x, http, x.add_user())["access_token"]
    x.fail_next(endpoint, kind)
    headers = {"Authorization": f"Bearer {token}"}

    if endpoint == "tweets":
        response = post_tweet(x, http, token, "injected")
    else:
        response = http.get(f"{x.api_url}/2/users/me", headers=headers)
    following = post_tweet(x, http, token, "after the failure")

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == body
    assert x.calls(endpoint)[0].injected == kind
    assert following.status_code == 201
    assert [post.text for post in x.posts()] == ["after the failure"]


def test_injected_rate_limit_sends_reset_headers(x: FakeX, http: httpx.Client) -> None:
    token = connect(x, http, x.add_user())["access_token"]
    x.fail_next("tweets", "rate_limited")

    response = post_tweet(x, http, token, "limited")

    assert response.status_code == 429
    assert response.headers["x-rate-limit-limit"] == "100"
    assert response.headers["x-rate-limit-remaining"] == "0"
    assert int(response.headers["x-rate-limit-reset"]) == pytest.approx(x.now() + 900, abs=2)
    assert "x-user-limit-24hour-remaining" not in response.headers


def test_injected_daily_limit_headers(x: FakeX, http: httpx.Client) -> None:
    token = connect(x, http, x.add_user())["access_token"]
    x.fail_next("tweets", "user_daily_limit")

    response = post_tweet(x, http, token, "limited")

    assert response.status_code == 429
    assert response.headers["x-user-limit-24hour-remaining"] == "0"
    assert int(response.headers["x-user-limit-24hour-reset"]) == pytest.approx(
        x.now() + 86400, abs=2
    )
    assert response.headers["x-rate-limit-remaining"] == "99"
    assert response.json()["status"] == 429


def test_injected_credits_depleted_is_402(x: FakeX, http: httpx.Client) -> None:
    token = connect(x, http, x.add_user())["access_token"]
    x.fail_next("tweets", "credits_depleted")

    response = post_tweet(x, http, token, "no credits")

    assert response.status_code == 402
    assert response.json()["title"] == "CreditsDepleted"
    assert response.json()["type"] == "https://api.twitter.com/2/problems/credits"


def test_injected_token_failures(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user())
    x.fail_next("token", "invalid_request")
    x.fail_next("token", "unauthorized_client")

    spent = refresh(x, http, tokens["refresh_token"])
    bad_client = refresh(x, http, tokens["refresh_token"])
    works = refresh(x, http, tokens["refresh_token"])

    assert spent.status_code == 400
    assert spent.json() == SPENT_TOKEN
    assert bad_client.status_code == 401
    assert bad_client.json()["error"] == "unauthorized_client"
    assert works.status_code == 200


def test_fail_next_counts_times(x: FakeX, http: httpx.Client) -> None:
    token = connect(x, http, x.add_user())["access_token"]
    x.fail_next("tweets", "unavailable", times=2)

    statuses = [post_tweet(x, http, token, f"try {n}").status_code for n in range(3)]

    assert statuses == [503, 503, 201]


def test_fail_next_rejects_unknown_kind(x: FakeX) -> None:
    with pytest.raises(ValueError, match="unknown failure kind"):
        x.fail_next("tweets", "exploded")
    with pytest.raises(ValueError, match="unknown endpoint"):
        x.fail_next("timeline", "unauthorized")


async def test_delayed_reply_still_posts(x: FakeX) -> None:
    with httpx.Client(trust_env=False) as http:
        tokens = connect(x, http, x.add_user())
    x.delay_next("tweets", 0.5)

    async with httpx.AsyncClient(trust_env=False) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                f"{x.api_url}/2/tweets",
                json={"text": "sent, reply lost"},
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
                timeout=0.2,
            )
        posts = await x.wait_for_posts(1, timeout=2.0)
        call = await x.wait_for_call("tweets", lambda call: call.status == 201)

    assert [post.text for post in posts] == ["sent, reply lost"]
    assert call.delay == 0.5


async def test_wait_for_posts_times_out(x: FakeX) -> None:
    with pytest.raises(TimeoutError, match="0 of 1 posts"):
        await x.wait_for_posts(1, timeout=0.05)


def test_call_log_records_requests(x: FakeX, http: httpx.Client) -> None:
    tokens = connect(x, http, x.add_user())

    calls = x.calls()

    assert [call.endpoint for call in calls] == ["authorize", "token"]
    assert calls[0].status == 302
    assert calls[1].form["grant_type"] == "authorization_code"
    assert calls[1].response_json()["access_token"] == tokens["access_token"]

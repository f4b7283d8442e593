"""Tests of the LinkedIn test server, driven with plain httpx as an app and a browser would.

They prove the OAuth 2.0 flow with OpenID Connect, partner refresh tokens, the
Posts API with its version headers and "little text" escaping, and the exact
status and body of every error the server can send.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from tests.fakes.linkedin_api import FakeLinkedIn
from tests.fakes.linkedin_little_text import escape
from tests.fakes.linkedin_records import FakeMember, month_version

REDIRECT_URI = "http://127.0.0.1:9/oauth/linkedin/callback"
SCOPES = "openid profile w_member_social"
SIXTY_DAYS = 60 * 24 * 3600
CODE_MISMATCH = {
    "error": "invalid_request",
    "error_description": (
        "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
        "authorization code. Or authorization code expired. Or external member binding exists"
    ),
}
REVOKED = {
    "status": 401,
    "serviceErrorCode": 65601,
    "code": "REVOKED_ACCESS_TOKEN",
    "message": "The token used in the request has been revoked by the user",
}
EXPIRED = {
    "status": 401,
    "serviceErrorCode": 65602,
    "code": "EXPIRED_ACCESS_TOKEN",
    "message": "The token used in the request has expired",
}
INVALID = {
    "status": 401,
    "serviceErrorCode": 65600,
    "code": "INVALID_ACCESS_TOKEN",
    "message": "Invalid access token",
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLinkedIn]:
    with FakeLinkedIn(
        client_id="li-client", client_secret="li-secret", redirect_uris=[REDIRECT_URI]
    ) as fake:
        yield fake


@pytest.fixture
def linkedin(server: FakeLinkedIn) -> FakeLinkedIn:
    server.reset()
    server.set_active_versions(None)
    return server


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    # One client for the module, because building its TLS context takes about 50 ms.
    with httpx.Client(trust_env=False, timeout=5.0) as client:
        yield client


def current_version(linkedin: FakeLinkedIn) -> str:
    return month_version(linkedin.now())


def authorize(
    linkedin: FakeLinkedIn, http: httpx.Client, *, scope: str = SCOPES, **overrides: str
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": linkedin.client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        "scope": scope,
    }
    params.update(overrides)
    return http.get(f"{linkedin.oauth_url}/oauth/v2/authorization", params=params)


def redirect_params(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def exchange(
    linkedin: FakeLinkedIn, http: httpx.Client, code: str, **overrides: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": linkedin.client_id,
        "client_secret": linkedin.client_secret,
    }
    form.update(overrides)
    return http.post(f"{linkedin.oauth_url}/oauth/v2/accessToken", data=form)


def connect(
    linkedin: FakeLinkedIn, http: httpx.Client, member: FakeMember, scope: str = SCOPES
) -> dict[str, Any]:
    linkedin.next_login(member)
    code = redirect_params(authorize(linkedin, http, scope=scope))["code"]
    reply = exchange(linkedin, http, code)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def post_body(member: FakeMember, commentary: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "author": member.urn,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    body.update(overrides)
    return body


def create_post(
    linkedin: FakeLinkedIn,
    http: httpx.Client,
    token: str,
    body: dict[str, Any],
    *,
    version: str | None = None,
    restli: str | None = "2.0.0",
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if version != "":
        headers["LinkedIn-Version"] = version or current_version(linkedin)
    if restli is not None:
        headers["X-Restli-Protocol-Version"] = restli
    return http.post(f"{linkedin.api_url}/rest/posts", json=body, headers=headers)


def userinfo(linkedin: FakeLinkedIn, http: httpx.Client, token: str) -> httpx.Response:
    return http.get(f"{linkedin.api_url}/v2/userinfo", headers={"Authorization": f"Bearer {token}"})


# Login and token exchange


def test_full_flow_connects_and_posts(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member("Grace Hopper", email="grace@example.com")
    linkedin.next_login(grace)

    redirect = authorize(linkedin, http)
    reply = exchange(linkedin, http, redirect_params(redirect)["code"])
    tokens = reply.json()
    info = userinfo(linkedin, http, tokens["access_token"])
    created = create_post(
        linkedin, http, tokens["access_token"], post_body(grace, "Hello from postlater")
    )

    assert redirect.status_code == 302
    assert redirect_params(redirect)["state"] == "state-123"
    assert reply.status_code == 200
    assert set(tokens) == {"access_token", "expires_in", "scope", "token_type", "id_token"}
    assert tokens["expires_in"] == SIXTY_DAYS - 1
    assert tokens["scope"] == "openid,profile,w_member_social"
    assert tokens["token_type"] == "Bearer"
    assert info.status_code == 200
    assert info.json() == {
        "sub": grace.sub,
        "name": "Grace Hopper",
        "locale": {"country": "US", "language": "en"},
        "given_name": "Grace",
        "family_name": "Hopper",
        "picture": grace.picture,
    }
    assert created.status_code == 201
    assert created.content == b""
    urn = created.headers["x-restli-id"]
    assert urn.startswith("urn:li:share:")
    [post] = linkedin.posts()
    assert (post.urn, post.author, post.text) == (urn, grace.urn, "Hello from postlater")
    assert post.version == current_version(linkedin)


def test_id_token_verifies_with_published_keys(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member("Grace Hopper")
    tokens = connect(linkedin, http, grace, scope="openid profile email w_member_social")

    keys = http.get(f"{linkedin.oauth_url}/oauth/openid/jwks").json()["keys"]
    key = jwt.PyJWK(keys[0]).key
    claims = jwt.decode(
        tokens["id_token"],
        key,
        algorithms=["RS256"],
        audience=linkedin.client_id,
        issuer="https://www.linkedin.com/oauth",
        options={"verify_exp": False, "verify_iat": False},
    )

    assert claims["sub"] == grace.sub
    assert claims["email_verified"] == "true"
    assert claims["locale"] == "en_US"
    assert claims["exp"] - claims["iat"] == 3600


def test_userinfo_includes_email_with_email_scope(
    linkedin: FakeLinkedIn, http: httpx.Client
) -> None:
    grace = linkedin.add_member("Grace Hopper", email="grace@example.com")
    tokens = connect(linkedin, http, grace, scope="openid profile email")

    info = userinfo(linkedin, http, tokens["access_token"]).json()

    assert info["email"] == "grace@example.com"
    assert info["email_verified"] is True


@pytest.mark.parametrize(
    ("cancelled", "error", "description"),
    [
        ("authorize", "user_cancelled_authorize", "The user cancelled the authorization"),
        ("login", "user_cancelled_login", "The user cancelled LinkedIn login"),
    ],
)
def test_denied_login_redirects_with_error(
    linkedin: FakeLinkedIn, http: httpx.Client, cancelled: str, error: str, description: str
) -> None:
    linkedin.add_member()
    linkedin.next_login(None, deny=True, cancelled=cancelled)

    response = authorize(linkedin, http)

    assert response.status_code == 302
    assert redirect_params(response) == {
        "error": error,
        "error_description": description,
        "state": "state-123",
    }


def test_ungranted_scope_redirects_with_error(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    linkedin.add_member()

    response = authorize(linkedin, http, scope="openid w_organization_social")

    assert response.status_code == 302
    assert redirect_params(response) == {
        "error": "unauthorized_scope_error",
        "error_description": (
            "Scope &quot;w_organization_social&quot; is not authorized for your application"
        ),
        "state": "state-123",
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client_id": "unknown"}, 'The passed in client_id is invalid "unknown"'),
        (
            {"redirect_uri": "http://127.0.0.1:9/elsewhere"},
            "The redirect_uri does not match the registered value",
        ),
    ],
)
def test_authorize_rejects_unknown_app(
    linkedin: FakeLinkedIn, http: httpx.Client, overrides: dict[str, str], message: str
) -> None:
    linkedin.add_member()

    response = authorize(linkedin, http, **overrides)

    assert response.status_code == 401
    assert "location" not in response.headers
    assert "Bummer, something went wrong" in response.text
    assert message.replace('"', "&quot;") in response.text


def test_token_rejects_reused_code(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    linkedin.add_member()
    code = redirect_params(authorize(linkedin, http))["code"]

    first = exchange(linkedin, http, code)
    second = exchange(linkedin, http, code)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == CODE_MISMATCH


def test_token_rejects_code_after_thirty_minutes(
    linkedin: FakeLinkedIn, http: httpx.Client
) -> None:
    linkedin.add_member()
    code = redirect_params(authorize(linkedin, http))["code"]

    linkedin.advance(30 * 60)
    reply = exchange(linkedin, http, code)

    assert reply.status_code == 400
    assert reply.json() == CODE_MISMATCH


def test_token_rejects_other_redirect_uri(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    linkedin.add_member()
    code = redirect_params(authorize(linkedin, http))["code"]

    reply = exchange(linkedin, http, code, redirect_uri=REDIRECT_URI + "/other")

    assert reply.status_code == 400
    assert reply.json() == CODE_MISMATCH


def test_token_rejects_wrong_client_secret(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    linkedin.add_member()
    code = redirect_params(authorize(linkedin, http))["code"]

    reply = exchange(linkedin, http, code, client_secret="wrong")

    assert reply.status_code == 401
    assert reply.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }


def test_token_names_missing_parameter(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    linkedin.add_member()
    code = redirect_params(authorize(linkedin, http))["code"]

    reply = exchange(linkedin, http, code, redirect_uri="")

    assert reply.status_code == 400
    assert reply.json() == {
        "error": "invalid_request",
        "error_description": 'A required parameter "redirect_uri" is missing',
    }


def test_new_scopes_invalidate_earlier_tokens(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    first = connect(linkedin, http, grace, scope="openid profile")
    same = connect(linkedin, http, grace, scope="openid profile")

    connect(linkedin, http, grace, scope="openid profile w_member_social")

    assert userinfo(linkedin, http, first["access_token"]).json() == REVOKED
    assert userinfo(linkedin, http, same["access_token"]).json() == REVOKED


# Refresh tokens, expiry and revocation


def test_no_refresh_token_unless_partner(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    tokens = connect(linkedin, http, linkedin.add_member())

    assert "refresh_token" not in tokens


def test_partner_refresh_keeps_refresh_token(http: httpx.Client) -> None:
    with FakeLinkedIn(refresh_tokens=True, redirect_uris=[REDIRECT_URI]) as linkedin:
        tokens = connect(linkedin, http, linkedin.add_member())
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": linkedin.client_id,
            "client_secret": linkedin.client_secret,
        }
        url = f"{linkedin.oauth_url}/oauth/v2/accessToken"

        linkedin.advance(59 * 24 * 3600)
        first = http.post(url, data=form)
        second = http.post(url, data=form)
        linkedin.advance(306 * 24 * 3600)
        after_a_year = http.post(url, data=form)

    assert tokens["refresh_token_expires_in"] == 365 * 24 * 3600
    assert first.status_code == 200
    assert first.json()["refresh_token"] == tokens["refresh_token"]
    assert first.json()["refresh_token_expires_in"] == pytest.approx(306 * 24 * 3600, abs=2)
    assert first.json()["access_token"] != tokens["access_token"]
    assert second.status_code == 200
    assert after_a_year.status_code == 400
    assert after_a_year.json()["error"] == "invalid_grant"


def test_expired_token_gets_expired_error(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]

    linkedin.advance(SIXTY_DAYS)
    response = create_post(linkedin, http, token, post_body(grace, "too late"))

    assert response.status_code == 401
    assert response.json() == EXPIRED


def test_revoked_token_gets_revoked_error(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]
    other = connect(linkedin, http, grace)["access_token"]

    revoked = http.post(
        f"{linkedin.oauth_url}/oauth/v2/revoke",
        data={
            "token": token,
            "client_id": linkedin.client_id,
            "client_secret": linkedin.client_secret,
        },
    )
    linkedin.revoke(other)

    assert revoked.status_code == 200
    assert revoked.content == b""
    assert userinfo(linkedin, http, token).json() == REVOKED
    assert create_post(linkedin, http, other, post_body(grace, "x")).json() == REVOKED


def test_unknown_and_missing_tokens(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    unknown = userinfo(linkedin, http, "AQnot-a-token")
    missing = http.get(f"{linkedin.api_url}/v2/userinfo")

    assert unknown.status_code == 401
    assert unknown.json() == INVALID
    assert missing.status_code == 401
    assert missing.json()["code"] == "EMPTY_ACCESS_TOKEN"


# Posting


def test_escaped_reserved_characters_arrive_whole(
    linkedin: FakeLinkedIn, http: httpx.Client
) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]
    text = "Launch (beta) #1 @home <3 a_b | {x} [y] \\ *z* ~w~"

    response = create_post(linkedin, http, token, post_body(grace, escape(text)))

    assert response.status_code == 201
    [post] = linkedin.posts()
    assert post.text == text
    assert not post.truncated


def test_unescaped_reserved_character_cuts_post_silently(
    linkedin: FakeLinkedIn, http: httpx.Client
) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]

    response = create_post(linkedin, http, token, post_body(grace, "Launch (beta) today"))

    assert response.status_code == 201
    [post] = linkedin.posts()
    assert post.text == "Launch "
    assert post.cut_at == 7
    assert post.commentary == "Launch (beta) today"


def test_mention_and_hashtag_templates_are_shown(
    linkedin: FakeLinkedIn, http: httpx.Client
) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]
    commentary = "Thanks @[Ada Lovelace](urn:li:person:abc123) {hashtag|\\#|launch} #day1"

    create_post(linkedin, http, token, post_body(grace, commentary))

    [post] = linkedin.posts()
    assert post.text == "Thanks Ada Lovelace #launch #day1"
    assert not post.truncated


def test_commentary_limit_is_3000(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]

    accepted = create_post(linkedin, http, token, post_body(grace, "a" * 3000))
    rejected = create_post(linkedin, http, token, post_body(grace, "b" * 3001))

    assert accepted.status_code == 201
    assert rejected.status_code == 400
    body = rejected.json()
    assert body["status"] == 400
    assert body["errorDetailType"] == "com.linkedin.common.error.BadRequest"
    assert body["message"] == (
        "com.linkedin.content.common.exception.BadRequestResponseException: ShareCommentary "
        "text length (3001 characters) exceeded the maximum allowed (3000 characters)"
    )
    assert body["errorDetails"]["inputErrors"][0]["code"] == "FIELD_ARRAY_SIZE_TOO_HIGH"


def test_commentary_length_counts_utf16_units(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]

    accepted = create_post(linkedin, http, token, post_body(grace, "😀" * 1500))
    rejected = create_post(linkedin, http, token, post_body(grace, "🚀" * 1501))

    assert accepted.status_code == 201
    assert rejected.status_code == 400
    assert "text length (3002 characters)" in rejected.json()["message"]


def test_duplicate_post_names_earlier_urn(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]

    first = create_post(linkedin, http, token, post_body(grace, "Same words"))
    repeat = create_post(linkedin, http, token, post_body(grace, "Same words"))

    assert repeat.status_code == 422
    assert repeat.json() == {
        "errorDetailType": "com.linkedin.common.error.BadRequest",
        "message": (
            "com.linkedin.content.common.exception.BadRequestResponseException: "
            f"Content is a duplicate of {first.headers['x-restli-id']}"
        ),
        "errorDetails": {
            "inputErrors": [
                {"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}
            ]
        },
        "status": 422,
    }


def test_inactive_version_gets_426(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]
    stale = month_version(linkedin.now(), 12)

    response = create_post(linkedin, http, token, post_body(grace, "x"), version=stale)

    assert response.status_code == 426
    assert response.json() == {
        "status": 426,
        "code": "NONEXISTENT_VERSION",
        "message": f"Requested version {stale}01 is not active",
    }
    assert linkedin.posts() == []


def test_advancing_clock_retires_version(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    linkedin.add_member()
    version = current_version(linkedin)

    before = version in linkedin.active_versions()
    linkedin.advance(366 * 24 * 3600)
    after = version in linkedin.active_versions()

    assert before
    assert not after


def test_missing_headers_get_400(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]

    no_version = create_post(linkedin, http, token, post_body(grace, "x"), version="")
    no_restli = create_post(linkedin, http, token, post_body(grace, "y"), restli=None)

    assert no_version.status_code == 400
    assert no_version.json()["code"] == "VERSION_MISSING"
    assert no_restli.status_code == 400
    assert linkedin.posts() == []


def test_author_must_be_token_member(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member("Grace Hopper")
    ada = linkedin.add_member("Ada Lovelace")
    token = connect(linkedin, http, grace)["access_token"]
    version = current_version(linkedin)

    response = create_post(linkedin, http, token, post_body(ada, "as someone else"))

    assert response.status_code == 403
    assert response.json() == {
        "status": 403,
        "serviceErrorCode": 100,
        "code": "ACCESS_DENIED",
        "message": f"Not enough permissions to access: partnerApiPostsExternal.CREATE.{version}01",
    }


def test_invalid_body_lists_every_problem(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]
    body = post_body(grace, "x", text="typo")
    del body["lifecycleState"]
    del body["visibility"]

    missing = create_post(linkedin, http, token, body)
    bad_enum = create_post(linkedin, http, token, post_body(grace, "y", visibility="EVERYONE"))

    assert missing.status_code == 422
    assert missing.json() == {
        "message": (
            "ERROR :: /text :: unrecognized field found but not allowed\n"
            "ERROR :: /visibility :: field is required but not found and has no default value\n"
            "ERROR :: /lifecycleState :: field is required but not found and has no default value\n"
        ),
        "status": 422,
    }
    assert bad_enum.status_code == 422
    assert (
        bad_enum.json()["message"] == 'ERROR :: /visibility :: "EVERYONE" is not an enum symbol\n'
    )
    assert linkedin.posts() == []


def test_body_not_json_gets_400(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    token = connect(linkedin, http, linkedin.add_member())["access_token"]

    response = http.post(
        f"{linkedin.api_url}/rest/posts",
        content=b"commentary=hello",
        headers={
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": current_version(linkedin),
            "X-Restli-Protocol-Version": "2.0.0",
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "ILLEGAL_ARGUMENT",
        "message": "Request body could not be converted to data map",
    }


def test_member_daily_quota_gets_429(http: httpx.Client) -> None:
    with FakeLinkedIn(member_daily_limit=1, redirect_uris=[REDIRECT_URI]) as linkedin:
        grace = linkedin.add_member()
        token = connect(linkedin, http, grace)["access_token"]

        first = create_post(linkedin, http, token, post_body(grace, "one"))
        second = create_post(linkedin, http, token, post_body(grace, "two"))

    assert first.status_code == 201
    assert second.status_code == 429
    assert second.json() == {
        "status": 429,
        "serviceErrorCode": 101,
        "message": (
            "Resource level throttle MEMBER DAY limit for calls to this resource is reached."
        ),
    }
    assert not [name for name in second.headers if "rate" in name or name == "retry-after"]


# Injected failures


INJECTED = [
    ("posts", "revoked_token", 401, REVOKED),
    ("posts", "expired_token", 401, EXPIRED),
    ("posts", "invalid_token", 401, INVALID),
    (
        "posts",
        "rate_limited",
        429,
        {
            "status": 429,
            "serviceErrorCode": 101,
            "message": (
                "Resource level throttle APPLICATION DAY limit "
                "for calls to this resource is reached."
            ),
        },
    ),
    ("posts", "server_error", 500, {"status": 500, "message": "Internal Server Error"}),
    ("posts", "unavailable", 503, {"status": 503, "message": "Service Unavailable"}),
    ("userinfo", "revoked_token", 401, REVOKED),
]


@pytest.mark.parametrize(("endpoint", "kind", "status", "body"), INJECTED)
def test_injected_api_error_has_exact_reply(
    linkedin: FakeLinkedIn,
    http: httpx.Client,
    endpoint: str,
    kind: str,
    status: int,
    body: dict[str, Any],
) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]
    linkedin.fail_next(endpoint, kind)

    if endpoint == "posts":
        response = create_post(linkedin, http, token, post_body(grace, "injected"))
    else:
        response = userinfo(linkedin, http, token)
    following = create_post(linkedin, http, token, post_body(grace, "after the failure"))

    assert response.status_code == status
    assert response.json() == body
    assert not [name for name in response.headers if name.startswith("x-rate")]
    assert following.status_code == 201
    assert [post.text for post in linkedin.posts()] == ["after the failure"]


def test_injected_version_and_duplicate_errors(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    grace = linkedin.add_member()
    token = connect(linkedin, http, grace)["access_token"]
    version = current_version(linkedin)
    linkedin.fail_next("posts", "nonexistent_version")
    linkedin.fail_next("posts", "duplicate")

    stale = create_post(linkedin, http, token, post_body(grace, "a"))
    duplicate = create_post(linkedin, http, token, post_body(grace, "b"))

    assert stale.status_code == 426
    assert stale.json()["message"] == f"Requested version {version}01 is not active"
    assert duplicate.status_code == 422
    assert "Content is a duplicate of urn:li:share:" in duplicate.json()["message"]


def test_injected_token_endpoint_errors(linkedin: FakeLinkedIn, http: httpx.Client) -> None:
    linkedin.add_member()
    code = redirect_params(authorize(linkedin, http))["code"]
    linkedin.fail_next("token", "invalid_client")
    linkedin.fail_next("token", "unavailable")

    bad_client = exchange(linkedin, http, code)
    unavailable = exchange(linkedin, http, code)
    works = exchange(linkedin, http, code)

    assert bad_client.status_code == 401
    assert bad_client.json()["error"] == "invalid_client"
    assert unavailable.status_code == 503
    assert works.status_code == 200


async def test_delayed_reply_still_posts(linkedin: FakeLinkedIn) -> None:
    grace = linkedin.add_member()
    with httpx.Client(trust_env=False) as http:
        token = connect(linkedin, http, grace)["access_token"]
    linkedin.delay_next("posts", 0.5)

    async with httpx.AsyncClient(trust_env=False) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                f"{linkedin.api_url}/rest/posts",
                json=post_body(grace, "sent, reply lost"),
                headers={
                    "Authorization": f"Bearer {token}",
                    "LinkedIn-Version": current_version(linkedin),
                    "X-Restli-Protocol-Version": "2.0.0",
                },
                timeout=0.2,
            )
        posts = await linkedin.wait_for_posts(1, timeout=2.0)
        call = await linkedin.wait_for_call("posts")

    assert [post.text for post in posts] == ["sent, reply lost"]
    assert call.status == 201
    assert call.delay == 0.5

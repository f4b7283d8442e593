"""A LinkedIn test server for OAuth 2.0 logins (OpenID Connect) and the Posts API.

`FakeLinkedIn` serves on 127.0.0.1, in a thread of its own, the paths of both
www.linkedin.com and api.linkedin.com that postlater uses:

- `GET /oauth/v2/authorization`: the login page, which a test opens with httpx as
  the user's browser would. It redirects (302) to the app's `redirect_uri` with
  `code` and `state`, or with `error=user_cancelled_authorize` (or
  `user_cancelled_login`) and `error_description` when the test chose a refusal.
- `POST /oauth/v2/accessToken`: the authorization-code grant and, for apps set up
  as approved partners (`refresh_tokens=True`), the refresh grant. Refresh tokens
  do not rotate: a refresh returns the same one, whose 365 days keep running.
- `POST /oauth/v2/revoke`, `GET /oauth/openid/jwks` and `GET /v2/userinfo`.
- `POST /rest/posts`, with `LinkedIn-Version` and `X-Restli-Protocol-Version`
  checks, the "little text" rules of `commentary` (see `linkedin_little_text.py`),
  the 3000-character limit, the duplicate check and the member's daily quota.

The replies have the shapes and texts of LinkedIn's (see `linkedin_errors.py`).
Tests steer the server with `add_member`, `next_login`, `fail_next`,
`delay_next` and the clock (`advance`), and inspect it with `posts`, `tokens` and
`calls`. All of these are safe to call from any thread, and the `wait_for_*`
coroutines poll from the caller's event loop.

Not modelled: organization pages, images and other content, post reads, edits
and deletes, the consent screen and token introspection.
"""

from __future__ import annotations

import copy
import hmac
import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from starlette.responses import JSONResponse, Response

from tests.fakes import linkedin_errors as errors
from tests.fakes.linkedin_little_text import parse_commentary
from tests.fakes.linkedin_openid import IdTokenSigner
from tests.fakes.linkedin_records import (
    MAX_COMMENTARY_LENGTH,
    FakeLinkedInPost,
    FakeMember,
    month_version,
    new_share_number,
    new_sub,
    utf16_length,
)
from tests.fakes.linkedin_schema import post_problems
from tests.fakes.oauth_records import IssuedToken, RegisteredClient, new_secret
from tests.fakes.oauth_server import (
    Endpoint,
    IncomingRequest,
    OAuthTestServer,
    html_page,
    poll_until,
    redirect_with,
)
from tests.fakes.oauth_store import Login

logger = logging.getLogger(__name__)

DEFAULT_SCOPES = ("openid", "profile", "email", "w_member_social")
DEFAULT_REDIRECT_URI = "http://127.0.0.1/oauth/linkedin/callback"
DAY = 24 * 60 * 60
# Lifetimes from LinkedIn's docs: codes 30 minutes, access tokens 60 days, refresh
# tokens 365 days from the member's consent.
CODE_LIFETIME = 30 * 60.0
ACCESS_TOKEN_LIFETIME = 60 * DAY
REFRESH_TOKEN_LIFETIME = 365 * DAY
# Posting services report a cap of 150 posts a day per member, reset at midnight UTC.
MEMBER_DAILY_POST_LIMIT = 150
# LinkedIn keeps each monthly API version active for about a year.
ACTIVE_VERSION_MONTHS = 12

CANCEL_DESCRIPTIONS = {
    "user_cancelled_login": "The user cancelled LinkedIn login",
    "user_cancelled_authorize": "The user cancelled the authorization",
}
_VERSION = re.compile(r"\d{6}")


class FakeLinkedIn(OAuthTestServer):
    """LinkedIn test server on 127.0.0.1, described in the module docstring.

    Start it with `start()` or `with FakeLinkedIn(...) as linkedin:`. Point the app's
    OAuth base URL at `linkedin.oauth_url` and its API base URL at `linkedin.api_url`
    (both are this server).

    The constructor registers one app with `client_id` and `client_secret` (random
    when not given), the allowed `redirect_uris` and the `scopes` its LinkedIn
    products grant; `register_client` adds more. `refresh_tokens` makes the app an
    approved partner that gets refresh tokens. `active_versions` fixes the accepted
    `LinkedIn-Version` values; by default they are the 12 months up to the server
    clock's month, so advancing the clock retires old versions. `start_at` (Unix
    seconds) sets the server's clock. `urn_kind` is "share" or "ugcPost", the kind of
    URN new posts get.
    """

    SERVICE = "LinkedIn"
    FAILURE_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "authorization": frozenset({"error_page"}),
        "token": frozenset(
            {"invalid_request", "invalid_client", "invalid_grant", "server_error", "unavailable"}
        ),
        "revoke": frozenset({"invalid_client", "server_error", "unavailable"}),
        "jwks": frozenset({"server_error", "unavailable"}),
        "userinfo": frozenset(
            {
                "invalid_token",
                "expired_token",
                "revoked_token",
                "forbidden",
                "rate_limited",
                "server_error",
                "unavailable",
            }
        ),
        "posts": frozenset(
            {
                "invalid_token",
                "expired_token",
                "revoked_token",
                "forbidden",
                "nonexistent_version",
                "too_long",
                "duplicate",
                "rate_limited",
                "member_rate_limited",
                "server_error",
                "gateway_timeout",
                "unavailable",
            }
        ),
    }

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uris: Iterable[str] = (DEFAULT_REDIRECT_URI,),
        scopes: Iterable[str] = DEFAULT_SCOPES,
        refresh_tokens: bool = False,
        active_versions: Iterable[str] | None = None,
        start_at: float | None = None,
        code_lifetime: float = CODE_LIFETIME,
        access_token_lifetime: float = ACCESS_TOKEN_LIFETIME,
        refresh_token_lifetime: float = REFRESH_TOKEN_LIFETIME,
        member_daily_limit: int = MEMBER_DAILY_POST_LIMIT,
        urn_kind: str = "share",
        require_restli_header: bool = True,
    ) -> None:
        if urn_kind not in ("share", "ugcPost"):
            raise ValueError(f"urn_kind must be 'share' or 'ugcPost', got {urn_kind!r}")
        super().__init__(start_at=start_at)
        self._refresh_tokens = refresh_tokens
        self._active_versions = frozenset(active_versions) if active_versions is not None else None
        self._code_lifetime = code_lifetime
        self._access_lifetime = access_token_lifetime
        self._refresh_lifetime = refresh_token_lifetime
        self._member_daily_limit = member_daily_limit
        self._urn_kind = urn_kind
        self._require_restli = require_restli_header
        self._signer = IdTokenSigner()
        self._client_scopes: dict[str, frozenset[str]] = {}
        self._members: dict[str, FakeMember] = {}
        self._posts: list[FakeLinkedInPost] = []
        self._daily_requests: dict[tuple[str, str], int] = {}

        self._client = self.register_client(
            client_id or new_secret(length=14).lower(),
            client_secret or f"WPL_AP1.{new_secret(length=16)}.{new_secret(length=8)}==",
            redirect_uris,
            scopes,
        )

    # Settings for the app under test

    @property
    def oauth_url(self) -> str:
        """Base URL of the authorization and token endpoints (www.linkedin.com)."""
        return self.url

    @property
    def api_url(self) -> str:
        """Base URL of the REST API (api.linkedin.com)."""
        return self.url

    @property
    def client_id(self) -> str:
        return self._client.client_id

    @property
    def client_secret(self) -> str:
        return self._client.client_secret or ""

    def register_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: Iterable[str],
        scopes: Iterable[str] = DEFAULT_SCOPES,
    ) -> RegisteredClient:
        """Register an app with the scopes its LinkedIn products grant."""
        client = RegisteredClient(client_id, client_secret, tuple(redirect_uris))
        with self._store.lock:
            self._store.register_client(client)
            self._client_scopes[client_id] = frozenset(scopes)
        return client

    def active_versions(self) -> frozenset[str]:
        """Return the `LinkedIn-Version` values the server accepts now."""
        if self._active_versions is not None:
            return self._active_versions
        now = self._store.now()
        return frozenset(month_version(now, back) for back in range(ACTIVE_VERSION_MONTHS))

    def set_active_versions(self, versions: Iterable[str] | None) -> None:
        """Fix the accepted versions, or with None follow the clock again."""
        with self._store.lock:
            self._active_versions = frozenset(versions) if versions is not None else None

    def reset(self) -> None:
        """Forget members, posts, tokens, codes, logins, injections, calls and quotas.

        Registered apps and the active versions stay, and the clock goes back to where
        it started.
        """
        with self._store.lock:
            self._store.reset()
            self._members.clear()
            self._posts.clear()
            self._daily_requests.clear()

    # Members and logins

    def add_member(
        self,
        name: str = "Alice Example",
        *,
        sub: str | None = None,
        email: str | None = None,
        picture: str | None = None,
        language: str = "en",
        country: str = "US",
    ) -> FakeMember:
        """Create a member who can log in. The first one logs in unless `next_login` is used."""
        given_name, _, family_name = name.partition(" ")
        member_sub = sub or new_sub()
        member = FakeMember(
            sub=member_sub,
            name=name,
            given_name=given_name,
            family_name=family_name,
            email=email or f"{given_name.lower() or 'member'}@example.com",
            picture=picture
            or f"https://media.licdn.com/dms/image/v2/{member_sub}/profile-displayphoto-shrink_100_100/0/",
            language=language,
            country=country,
        )
        with self._store.lock:
            self._store.add_account(member.sub)
            self._members[member.sub] = member
        return member

    def next_login(
        self, member: FakeMember | str | None, deny: bool = False, *, cancelled: str = "authorize"
    ) -> None:
        """Choose who logs in at the next authorization request, and whether they refuse.

        Calls queue up, one per request. A refusal redirects with
        `error=user_cancelled_authorize`, or `user_cancelled_login` when
        `cancelled="login"`, and `member` may then be None.
        """
        sub = member.sub if isinstance(member, FakeMember) else member
        if sub is None and not deny:
            raise ValueError("next_login() needs a member unless the login is denied")
        if cancelled not in ("authorize", "login"):
            raise ValueError(f"cancelled must be 'authorize' or 'login', got {cancelled!r}")
        self._store.queue_login(Login(sub, f"user_cancelled_{cancelled}" if deny else None))

    def members(self) -> list[FakeMember]:
        with self._store.lock:
            return list(self._members.values())

    # Posts

    def posts(self, author: FakeMember | str | None = None) -> list[FakeLinkedInPost]:
        """Return the created posts, oldest first, optionally of one author (member or URN)."""
        urn = author.urn if isinstance(author, FakeMember) else author
        with self._store.lock:
            return [copy.copy(post) for post in self._posts if urn is None or post.author == urn]

    async def wait_for_posts(
        self, count: int = 1, timeout: float = 5.0, *, author: FakeMember | str | None = None
    ) -> list[FakeLinkedInPost]:
        """Wait until at least `count` posts exist (by `author`, if given), and return them all."""

        def check() -> list[FakeLinkedInPost] | None:
            posts = self.posts(author)
            return posts if len(posts) >= count else None

        def describe() -> str:
            statuses = [call.status for call in self.calls("posts")]
            return (
                f"{len(self.posts(author))} of {count} posts after {timeout} s; "
                f"POST /rest/posts statuses: {statuses}"
            )

        return await poll_until(check, timeout, describe)

    # HTTP

    def _endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("authorization", "/oauth/v2/authorization", ("GET",), self._authorize),
            Endpoint("token", "/oauth/v2/accessToken", ("POST",), self._token),
            Endpoint("revoke", "/oauth/v2/revoke", ("POST",), self._revoke),
            Endpoint("jwks", "/oauth/openid/jwks", ("GET",), self._jwks),
            Endpoint("userinfo", "/v2/userinfo", ("GET",), self._userinfo),
            Endpoint("posts", "/rest/posts", ("POST",), self._create_post),
        ]

    def _not_found(self, request: IncomingRequest) -> Response:
        return errors.not_found()

    def _authorize(self, request: IncomingRequest) -> Response:
        query = request.query
        client_id = query.get("client_id", "")
        client = self._store.client(client_id)
        if client is None:
            return errors.authorize_error_page(f'The passed in client_id is invalid "{client_id}"')
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return errors.authorize_error_page(
                "The redirect_uri does not match the registered value"
            )
        scopes = tuple(query.get("scope", "").split())
        if query.get("response_type") != "code" or not scopes:
            # NOTE: a guess, because LinkedIn's docs do not show these replies.
            return errors.authorize_error_page("response_type must be code and scope must be set")

        state = {"state": query["state"]} if query.get("state") else {}
        allowed = self._client_scopes.get(client.client_id, frozenset())
        refused = [scope for scope in scopes if scope not in allowed]
        if refused:
            # LinkedIn rejects the whole request, and HTML-escapes the quotes in its text.
            description = f"Scope &quot;{refused[0]}&quot; is not authorized for your application"
            return redirect_with(
                redirect_uri,
                {"error": "unauthorized_scope_error", "error_description": description, **state},
            )

        login = self._store.take_login()
        if login is None:
            return html_page(
                500, "No member", "The LinkedIn test server has no member: call add_member()."
            )
        if login.deny_error is not None or login.user_id is None:
            error = login.deny_error or "user_cancelled_login"
            params = {"error": error, "error_description": CANCEL_DESCRIPTIONS[error], **state}
            return redirect_with(redirect_uri, params)

        code = self._store.issue_code(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            user_id=login.user_id,
            scopes=scopes,
            lifetime=self._code_lifetime,
            prefix="AQ",
        )
        return redirect_with(redirect_uri, {**state, "code": code.code})

    def _token(self, request: IncomingRequest) -> Response:
        form = request.form()
        grant_type = form.get("grant_type")
        if not grant_type:
            return errors.missing_parameter("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        # NOTE: a guess at LinkedIn's reply to another grant type.
        return errors.oauth_error(
            400, "unsupported_grant_type", f"Grant type {grant_type} is not supported"
        )

    def _exchange_code(self, form: dict[str, str]) -> Response:
        for name in ("code", "redirect_uri", "client_id", "client_secret"):
            if not form.get(name):
                return errors.missing_parameter(name)
        client = self._authenticate(form)
        if client is None:
            return errors.invalid_client()

        with self._store.lock:
            code = self._store.find_code(form["code"])
            now = self._store.now()
            usable = (
                code is not None
                and not code.used
                and now < code.expires_at
                and code.client_id == client.client_id
                and code.redirect_uri == form["redirect_uri"]
            )
            if code is None or not usable:
                return errors.oauth_error(400, "invalid_request", errors.CODE_MISMATCH)

            code.used = True
            # LinkedIn's docs: asking for different scopes invalidates the earlier tokens.
            self._store.revoke_where(
                client_id=client.client_id, user_id=code.user_id, keep_scopes=code.scopes
            )
            return self._code_token_reply(client, code.user_id, code.scopes)

    def _code_token_reply(
        self, client: RegisteredClient, sub: str, scopes: tuple[str, ...]
    ) -> Response:
        grant_id = new_secret("grant-", 16)
        access = self._issue_access(client, sub, scopes, grant_id)
        body: dict[str, Any] = {"access_token": access.value, "expires_in": self._expires_in()}
        if self._refresh_tokens:
            refresh = self._store.issue_token(
                "refresh",
                client_id=client.client_id,
                user_id=sub,
                scopes=scopes,
                grant_id=grant_id,
                lifetime=self._refresh_lifetime,
                prefix="AQ",
            )
            body["refresh_token"] = refresh.value
            body["refresh_token_expires_in"] = int(self._refresh_lifetime)
        # A real reply (2025) lists the granted scopes comma-separated, in alphabetical order.
        body["scope"] = ",".join(sorted(scopes))
        body["token_type"] = "Bearer"
        if "openid" in scopes:
            member = self._members[sub]
            body["id_token"] = self._signer.sign(
                member, client.client_id, scopes, self._store.now()
            )
        return JSONResponse(body)

    def _refresh(self, form: dict[str, str]) -> Response:
        for name in ("refresh_token", "client_id", "client_secret"):
            if not form.get(name):
                return errors.missing_parameter(name)
        client = self._authenticate(form)
        if client is None:
            return errors.invalid_client()

        with self._store.lock:
            refresh = self._store.find_token(form["refresh_token"])
            now = self._store.now()
            usable = (
                refresh is not None
                and refresh.kind == "refresh"
                and refresh.client_id == client.client_id
                and refresh.state(now) == "active"
            )
            if refresh is None or refresh.expires_at is None or not usable:
                # NOTE: quoted by a token-broker vendor's LinkedIn guide, not by LinkedIn.
                return errors.oauth_error(
                    400, "invalid_grant", "Token has been expired or revoked."
                )

            # LinkedIn's docs say a refresh leaves the refresh token's expiry where the
            # login set it. NOTE: that the same token value comes back is assumed.
            access = self._issue_access(client, refresh.user_id, refresh.scopes, refresh.grant_id)
            return JSONResponse(
                {
                    "access_token": access.value,
                    "expires_in": self._expires_in(),
                    "refresh_token": refresh.value,
                    "refresh_token_expires_in": int(refresh.expires_at - now),
                    "scope": ",".join(sorted(refresh.scopes)),
                }
            )

    def _issue_access(
        self, client: RegisteredClient, sub: str, scopes: tuple[str, ...], grant_id: str
    ) -> IssuedToken:
        return self._store.issue_token(
            "access",
            client_id=client.client_id,
            user_id=sub,
            scopes=scopes,
            grant_id=grant_id,
            lifetime=self._access_lifetime,
            prefix="AQ",
        )

    def _expires_in(self) -> int:
        # A real reply (2025) gives 5183999 for 60 days, one second less than the docs' 5184000.
        return int(self._access_lifetime) - 1

    def _authenticate(self, form: dict[str, str]) -> RegisteredClient | None:
        client = self._store.client(form.get("client_id", ""))
        if client is None or client.client_secret is None:
            return None
        if not hmac.compare_digest(form.get("client_secret", ""), client.client_secret):
            return None
        return client

    def _revoke(self, request: IncomingRequest) -> Response:
        form = request.form()
        for name in ("token", "client_id", "client_secret"):
            if not form.get(name):
                return errors.missing_parameter(name)
        client = self._authenticate(form)
        if client is None:
            return errors.invalid_client()

        with self._store.lock:
            token = self._store.find_token(form["token"])
            if token is not None and token.client_id == client.client_id:
                token.revoked = True
        return Response(status_code=200)

    def _jwks(self, request: IncomingRequest) -> Response:
        return JSONResponse(self._signer.jwks())

    def _userinfo(self, request: IncomingRequest) -> Response:
        token = self._access_token(request)
        if isinstance(token, Response):
            return token
        if "openid" not in token.scopes:
            # NOTE: a guess that follows the pattern of LinkedIn's "me.GET.NO_VERSION".
            return errors.access_denied("userinfo.GET.NO_VERSION")

        with self._store.lock:
            member = self._members[token.user_id]
        body: dict[str, Any] = {"sub": member.sub}
        if "profile" in token.scopes:
            body.update(
                name=member.name,
                given_name=member.given_name,
                family_name=member.family_name,
                picture=member.picture,
                locale={"country": member.country, "language": member.language},
            )
        if "email" in token.scopes:
            body.update(email=member.email, email_verified=True)
        return JSONResponse(body)

    def _create_post(self, request: IncomingRequest) -> Response:
        version = request.headers.get("linkedin-version", "")
        rejected = self._version_problem(version, request)
        if rejected is not None:
            return rejected
        token = self._access_token(request)
        if isinstance(token, Response):
            return token
        denied = errors.access_denied(f"partnerApiPostsExternal.CREATE.{version}01")
        if "w_member_social" not in token.scopes:
            return denied

        try:
            body = request.json()
        except ValueError:
            return errors.unreadable_body()
        problems = post_problems(body)
        if problems:
            return errors.schema_errors(problems)
        member = self._members[token.user_id]
        if body["author"] != member.urn:
            # NOTE: posting as another member is assumed to fail like a missing permission.
            return denied
        if not self._count_daily_request(member.sub):
            return errors.rate_limited("MEMBER")

        return self._publish(member, version, body)

    def _version_problem(self, version: str, request: IncomingRequest) -> Response | None:
        if not version:
            return errors.version_missing()
        if not _VERSION.fullmatch(version):
            return errors.version_invalid(version)
        if version not in self.active_versions():
            return errors.nonexistent_version(version)
        restli = request.headers.get("x-restli-protocol-version")
        if self._require_restli and restli != "2.0.0":
            return errors.restli_missing()
        return None

    def _count_daily_request(self, sub: str) -> bool:
        """Count a post request in the member's daily quota, or return False if it is used up."""
        day = datetime.fromtimestamp(self._store.now(), UTC).date().isoformat()
        with self._store.lock:
            used = self._daily_requests.get((sub, day), 0)
            if used >= self._member_daily_limit:
                return False
            self._daily_requests[(sub, day)] = used + 1
            return True

    def _publish(self, member: FakeMember, version: str, body: dict[str, Any]) -> Response:
        commentary: str = body["commentary"]
        parsed = parse_commentary(commentary)
        # NOTE: LinkedIn does not document whether it counts the shown text or the escaped
        # commentary, nor whether in UTF-16 units (Java's String.length) or code points.
        # This counts the shown text in UTF-16 units.
        length = utf16_length(parsed.text)
        if length > MAX_COMMENTARY_LENGTH:
            return errors.too_long(commentary, length, MAX_COMMENTARY_LENGTH)

        with self._store.lock:
            for earlier in self._posts:
                if earlier.author == member.urn and earlier.text == parsed.text:
                    return errors.duplicate(earlier.urn)
            post = FakeLinkedInPost(
                urn=f"urn:li:{self._urn_kind}:{new_share_number()}",
                author=member.urn,
                text=parsed.text,
                commentary=commentary,
                cut_at=parsed.cut_at,
                visibility=body["visibility"],
                feed_distribution=body["distribution"]["feedDistribution"],
                lifecycle_state=body["lifecycleState"],
                reshare_disabled=bool(body.get("isReshareDisabledByAuthor", False)),
                version=version,
                created_at=self._store.now(),
                request=copy.deepcopy(body),
            )
            self._posts.append(post)

        if post.truncated:
            logger.info("LinkedIn test server cut post %s at an unescaped character", post.urn)
        return Response(status_code=201, headers={"x-restli-id": post.urn})

    def _access_token(self, request: IncomingRequest) -> IssuedToken | Response:
        value = request.bearer_token()
        if value is None:
            return errors.empty_token()
        state, token = self._store.token_state(value, "access")
        if state == "expired":
            return errors.expired_token()
        if state in ("revoked", "rotated"):
            return errors.revoked_token()
        if state != "active" or token is None:
            return errors.invalid_token()
        return token

    def _failure_response(self, endpoint: str, kind: str, request: IncomingRequest) -> Response:
        version = request.headers.get("linkedin-version", "000000")
        failures: dict[str, Callable[[], Response]] = {
            "error_page": lambda: errors.authorize_error_page("injected failure"),
            "invalid_request": lambda: errors.oauth_error(
                400, "invalid_request", errors.CODE_MISMATCH
            ),
            "invalid_client": errors.invalid_client,
            "invalid_grant": lambda: errors.oauth_error(
                400, "invalid_grant", "Token has been expired or revoked."
            ),
            "invalid_token": errors.invalid_token,
            "expired_token": errors.expired_token,
            "revoked_token": errors.revoked_token,
            "forbidden": lambda: errors.access_denied(
                f"partnerApiPostsExternal.CREATE.{version}01"
            ),
            "nonexistent_version": lambda: errors.nonexistent_version(version),
            "too_long": lambda: errors.too_long(
                "", MAX_COMMENTARY_LENGTH + 1, MAX_COMMENTARY_LENGTH
            ),
            "duplicate": lambda: errors.duplicate(self._latest_urn()),
            "rate_limited": lambda: errors.rate_limited("APPLICATION"),
            "member_rate_limited": lambda: errors.rate_limited("MEMBER"),
            "server_error": lambda: errors.server_error(500),
            "unavailable": lambda: errors.server_error(503),
            "gateway_timeout": lambda: errors.server_error(504),
        }
        return failures[kind]()

    def _latest_urn(self) -> str:
        with self._store.lock:
            if self._posts:
                return self._posts[-1].urn
        return f"urn:li:{self._urn_kind}:{new_share_number()}"

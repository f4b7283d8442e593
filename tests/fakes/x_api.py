"""An X (Twitter) API v2 test server for OAuth 2.0 logins and posting.

`FakeX` serves on 127.0.0.1, in a thread of its own, what postlater uses of X:

- `GET /i/oauth2/authorize`: the login page, which a test opens with httpx as the
  user's browser would. It redirects (302) to the app's `redirect_uri` with `code`
  and `state`, or with `error=access_denied` when the test chose a refusal.
- `POST /2/oauth2/token`: the authorization-code grant with PKCE, and the refresh
  grant. Refresh tokens rotate: each refresh returns a new one and the old one
  stops working at once.
- `POST /2/oauth2/revoke`, `GET /2/users/me` and `POST /2/tweets`, with X's
  weighted length limit (280), duplicate check, per-user rate limits and headers.

The replies have the shapes and texts of api.x.com's (see `x_errors.py`). Tests
steer the server with `add_user`, `next_login`, `fail_next`, `delay_next` and the
clock (`advance`), and inspect it with `posts`, `tokens` and `calls`. All of these
are safe to call from any thread, and the `wait_for_*` coroutines poll from the
caller's event loop.

Not modelled: media, polls, replies and quotes (stored but not checked), the
consent screen, app-level rate limits other than the injected one, and the expiry
of refresh tokens, which X does not document.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hmac
import logging
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from starlette.responses import JSONResponse, Response

from tests.fakes import x_errors as errors
from tests.fakes.oauth_records import IssuedToken, RegisteredClient, new_secret
from tests.fakes.oauth_server import (
    Endpoint,
    IncomingRequest,
    OAuthTestServer,
    html_page,
    poll_until,
    redirect_with,
)
from tests.fakes.oauth_store import Login, verifier_matches
from tests.fakes.x_limits import DAY, WINDOW, RateLimiter, exhausted_headers
from tests.fakes.x_records import (
    MAX_WEIGHTED_LENGTH,
    FakeTweet,
    FakeXUser,
    new_user_id,
    snowflake_id,
    weighted_length,
    wrap_urls,
)

logger = logging.getLogger(__name__)

# The scopes X's authorize endpoint accepts.
KNOWN_SCOPES = frozenset(
    {
        "tweet.read",
        "tweet.write",
        "tweet.moderate.write",
        "users.email",
        "users.read",
        "follows.read",
        "follows.write",
        "offline.access",
        "space.read",
        "mute.read",
        "mute.write",
        "like.read",
        "like.write",
        "list.read",
        "list.write",
        "block.read",
        "block.write",
        "bookmark.read",
        "bookmark.write",
        "dm.read",
        "dm.write",
        "media.write",
    }
)
ME_SCOPES = ("tweet.read", "users.read")
TWEET_SCOPES = ("tweet.read", "tweet.write", "users.read")
# Top-level fields of the POST /2/tweets body. X rejects any other field.
TWEET_FIELDS = frozenset(
    {
        "text",
        "media",
        "poll",
        "reply",
        "quote_tweet_id",
        "reply_settings",
        "geo",
        "for_super_followers_only",
        "direct_message_deep_link",
        "community_id",
        "nullcast",
        "card_uri",
        "made_with_ai",
        "paid_partnership",
        "share_with_followers",
        "edit_options",
    }
)

CODE_LIFETIME = 30.0
ACCESS_TOKEN_LIFETIME = 7200.0
DEFAULT_REDIRECT_URI = "http://127.0.0.1/oauth/x/callback"
# Per-user requests per 15 minutes, an estimate: published figures for posting
# differ (100 or 200) by page and plan, so apps should trust the headers.
DEFAULT_RATE_LIMITS = {"tweets": 100, "me": 75}


class FakeX(OAuthTestServer):
    """X API v2 test server on 127.0.0.1, described in the module docstring.

    Start it with `start()` or `with FakeX(...) as x:`. Point the app at
    `x.authorize_url` (the `X_OAUTH_AUTHORIZE_URL` setting) and `x.api_url`.

    The constructor registers one app, with `client_id` and `client_secret`
    (random when not given, and no secret when `public_client`) and the allowed
    `redirect_uris`. `register_client` adds more. `start_at` (Unix seconds) sets
    the server's clock, so it can follow the app's fake clock. `rate_limits` sets
    requests per user per 15 minutes for "tweets" and "me", and `daily_limits` adds a
    24-hour per-user cap, reported in `x-user-limit-24hour-*`.
    """

    SERVICE = "X"
    FAILURE_KINDS: ClassVar[dict[str, frozenset[str]]] = {
        "authorize": frozenset({"error_page"}),
        "token": frozenset(
            {"invalid_request", "unauthorized_client", "server_error", "unavailable"}
        ),
        "revoke": frozenset({"unauthorized_client", "server_error", "unavailable"}),
        "me": frozenset(
            {"unauthorized", "forbidden", "rate_limited", "server_error", "unavailable"}
        ),
        "tweets": frozenset(
            {
                "unauthorized",
                "forbidden",
                "duplicate",
                "too_long",
                "rate_limited",
                "user_daily_limit",
                "app_daily_limit",
                "credits_depleted",
                "server_error",
                "bad_gateway",
                "unavailable",
            }
        ),
    }

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        public_client: bool = False,
        redirect_uris: Iterable[str] = (DEFAULT_REDIRECT_URI,),
        start_at: float | None = None,
        code_lifetime: float = CODE_LIFETIME,
        access_token_lifetime: float = ACCESS_TOKEN_LIFETIME,
        rate_limits: dict[str, int] | None = None,
        daily_limits: dict[str, int] | None = None,
    ) -> None:
        super().__init__(start_at=start_at)
        self._code_lifetime = code_lifetime
        self._access_lifetime = access_token_lifetime
        limits = DEFAULT_RATE_LIMITS if rate_limits is None else rate_limits
        self._limits = RateLimiter(limits, daily_limits or {})
        self._rate_limits = dict(limits)
        self._daily_limits = dict(daily_limits or {})
        self._account_number = new_user_id()
        self._users: dict[str, FakeXUser] = {}
        self._tweets: list[FakeTweet] = []
        self._sequence = 0

        secret = None if public_client else (client_secret or new_secret(length=50))
        self._client = self.register_client(
            client_id or new_secret(length=34), secret, redirect_uris
        )

    # Settings for the app under test

    @property
    def authorize_url(self) -> str:
        """The authorize page, for the `X_OAUTH_AUTHORIZE_URL` setting."""
        return f"{self.url}/i/oauth2/authorize"

    @property
    def api_url(self) -> str:
        """Base URL of the API and token endpoints (api.x.com)."""
        return self.url

    @property
    def client_id(self) -> str:
        return self._client.client_id

    @property
    def client_secret(self) -> str | None:
        return self._client.client_secret

    def register_client(
        self, client_id: str, client_secret: str | None, redirect_uris: Iterable[str]
    ) -> RegisteredClient:
        """Register an app. With `client_secret` None it is a public client (PKCE only)."""
        client = RegisteredClient(client_id, client_secret, tuple(redirect_uris))
        self._store.register_client(client)
        return client

    def reset(self) -> None:
        """Forget accounts, posts, tokens, codes, logins, injections, calls and rate-limit counts.

        Registered apps stay, and the clock goes back to where it started.
        """
        with self._store.lock:
            self._store.reset()
            self._users.clear()
            self._tweets.clear()
            self._limits.reset()

    # Accounts and logins

    def add_user(
        self,
        name: str = "Alice Example",
        username: str | None = None,
        *,
        user_id: str | None = None,
    ) -> FakeXUser:
        """Create an account that can log in. The first one logs in unless `next_login` is used."""
        user = FakeXUser(
            id=user_id or new_user_id(),
            name=name,
            username=username or "".join(part for part in name.split()).lower()[:15],
        )
        with self._store.lock:
            self._store.add_account(user.id)
            self._users[user.id] = user
        return user

    def next_login(self, user: FakeXUser | str | None, deny: bool = False) -> None:
        """Choose who logs in at the next authorize request, and whether they refuse access.

        Calls queue up, one per authorize request. A refusal redirects with
        `error=access_denied`, and `user` may then be None.
        """
        chosen = user.id if isinstance(user, FakeXUser) else user
        if chosen is None and not deny:
            raise ValueError("next_login() needs a user unless the login is denied")
        self._store.queue_login(Login(chosen, "access_denied" if deny else None))

    def users(self) -> list[FakeXUser]:
        with self._store.lock:
            return list(self._users.values())

    # Posts

    def posts(self, author: FakeXUser | str | None = None) -> list[FakeTweet]:
        """Return the created posts, oldest first, optionally of one author."""
        author_id = author.id if isinstance(author, FakeXUser) else author
        with self._store.lock:
            return [
                copy.copy(tweet)
                for tweet in self._tweets
                if author_id is None or tweet.author_id == author_id
            ]

    async def wait_for_posts(
        self, count: int = 1, timeout: float = 5.0, *, author: FakeXUser | str | None = None
    ) -> list[FakeTweet]:
        """Wait until at least `count` posts exist (by `author`, if given), and return them all."""

        def check() -> list[FakeTweet] | None:
            tweets = self.posts(author)
            return tweets if len(tweets) >= count else None

        def describe() -> str:
            statuses = [call.status for call in self.calls("tweets")]
            return (
                f"{len(self.posts(author))} of {count} posts after {timeout} s; "
                f"POST /2/tweets statuses: {statuses}"
            )

        return await poll_until(check, timeout, describe)

    # HTTP

    def _endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("authorize", "/i/oauth2/authorize", ("GET",), self._authorize),
            Endpoint("token", "/2/oauth2/token", ("POST",), self._token),
            Endpoint("revoke", "/2/oauth2/revoke", ("POST",), self._revoke),
            Endpoint("me", "/2/users/me", ("GET",), self._me),
            Endpoint("tweets", "/2/tweets", ("POST",), self._create_tweet),
        ]

    def _not_found(self, request: IncomingRequest) -> Response:
        return errors.not_found()

    def _authorize(self, request: IncomingRequest) -> Response:
        query = request.query
        client = self._store.client(query.get("client_id", ""))
        if client is None:
            return errors.authorize_error_page("unknown client_id")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return errors.authorize_error_page("redirect_uri is not registered for this app")
        problem = _authorize_problem(query)
        if problem is not None:
            return errors.authorize_error_page(problem)

        login = self._store.take_login()
        if login is None:
            return html_page(
                500, "No account", "The X test server has no account: call add_user()."
            )
        state = query["state"]
        if login.deny_error is not None or login.user_id is None:
            return redirect_with(redirect_uri, {"error": "access_denied", "state": state})

        code = self._store.issue_code(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            user_id=login.user_id,
            scopes=tuple(query["scope"].split()),
            lifetime=self._code_lifetime,
            code_challenge=query["code_challenge"],
            code_challenge_method=query["code_challenge_method"],
        )
        return redirect_with(redirect_uri, {"state": state, "code": code.code})

    def _token(self, request: IncomingRequest) -> Response:
        form = request.form()
        client = self._authenticate(request, form)
        if isinstance(client, Response):
            return client

        grant_type = form.get("grant_type")
        if not grant_type:
            return errors.missing_parameter("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(client, form)
        if grant_type == "refresh_token":
            return self._refresh(client, form)
        # NOTE: a guess worded like X's other token errors.
        return errors.oauth_error(
            400, "invalid_request", "Value passed for the grant type was invalid."
        )

    def _exchange_code(self, client: RegisteredClient, form: dict[str, str]) -> Response:
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                return errors.missing_parameter(name)

        with self._store.lock:
            code = self._store.find_code(form["code"])
            now = self._store.now()
            if (
                code is None
                or code.used
                or now >= code.expires_at
                or code.client_id != client.client_id
            ):
                return errors.oauth_error(400, "invalid_request", errors.INVALID_CODE)
            if form["redirect_uri"] != code.redirect_uri:
                return errors.oauth_error(400, "invalid_request", errors.REDIRECT_MISMATCH)
            if not verifier_matches(
                form["code_verifier"], code.code_challenge or "", code.code_challenge_method or ""
            ):
                return errors.oauth_error(400, "invalid_request", errors.VERIFIER_MISMATCH)

            code.used = True
            return self._token_reply(client, code.user_id, code.scopes, new_secret("grant-", 16))

    def _refresh(self, client: RegisteredClient, form: dict[str, str]) -> Response:
        value = form.get("refresh_token")
        if not value:
            return errors.missing_parameter("refresh_token")

        with self._store.lock:
            old = self._store.find_token(value)
            now = self._store.now()
            usable = (
                old is not None
                and old.kind == "refresh"
                and old.client_id == client.client_id
                and old.state(now) == "active"
            )
            if old is None or not usable:
                return errors.oauth_error(400, "invalid_request", errors.INVALID_TOKEN)

            # X rotates refresh tokens: the one just used stops working at once.
            old.rotated = True
            return self._token_reply(client, old.user_id, old.scopes, old.grant_id)

    def _token_reply(
        self, client: RegisteredClient, user: str, scopes: tuple[str, ...], grant_id: str
    ) -> Response:
        access = self._store.issue_token(
            "access",
            client_id=client.client_id,
            user_id=user,
            scopes=scopes,
            grant_id=grant_id,
            lifetime=self._access_lifetime,
        )
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": int(self._access_lifetime),
            "access_token": access.value,
            "scope": " ".join(scopes),
        }
        if "offline.access" in scopes:
            refresh = self._store.issue_token(
                "refresh",
                client_id=client.client_id,
                user_id=user,
                scopes=scopes,
                grant_id=grant_id,
                lifetime=None,
            )
            body["refresh_token"] = refresh.value
        return JSONResponse(body)

    def _revoke(self, request: IncomingRequest) -> Response:
        form = request.form()
        client = self._authenticate(request, form)
        if isinstance(client, Response):
            return client
        if not form.get("token"):
            return errors.missing_parameter("token")

        with self._store.lock:
            token = self._store.find_token(form["token"])
            # RFC 7009 asks for the same reply to unknown tokens, so this server gives it.
            if token is not None and token.client_id == client.client_id:
                token.revoked = True
        return JSONResponse({"revoked": True})

    def _authenticate(
        self, request: IncomingRequest, form: dict[str, str]
    ) -> RegisteredClient | Response:
        """Return the calling app: HTTP Basic for confidential apps, `client_id` for public ones."""
        bad_client = errors.oauth_error(401, "unauthorized_client", errors.BAD_CLIENT)
        basic = _basic_credentials(request.headers.get("authorization", ""))
        if basic is not None:
            client = self._store.client(basic[0])
            secret = client.client_secret if client is not None else None
            if client is None or secret is None or not hmac.compare_digest(basic[1], secret):
                return bad_client
        else:
            client = self._store.client(form.get("client_id", ""))
            if client is not None and client.client_secret is not None:
                return bad_client

        # X wants `client_id` in the form even when Basic auth already names the app.
        if not form.get("client_id"):
            return errors.missing_parameter("client_id")
        if client is None or form["client_id"] != client.client_id:
            return bad_client
        return client

    def _me(self, request: IncomingRequest) -> Response:
        token = self._access_token(request, ME_SCOPES)
        if isinstance(token, Response):
            return token
        limit = self._limits.check("me", token.user_id, self._store.now())
        if not limit.allowed:
            return errors.too_many_requests(limit.headers)

        with self._store.lock:
            user = self._users[token.user_id]
        data = {"id": user.id, "name": user.name, "username": user.username}
        return JSONResponse({"data": data}, headers=limit.headers)

    def _create_tweet(self, request: IncomingRequest) -> Response:
        token = self._access_token(request, TWEET_SCOPES)
        if isinstance(token, Response):
            return token
        limit = self._limits.check("tweets", token.user_id, self._store.now())
        if not limit.allowed:
            return errors.too_many_requests(limit.headers)

        body = _json_object(request)
        if isinstance(body, Response):
            return body
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            # NOTE: X's message for a missing or empty text is not known. Media-only posts
            # are not modelled.
            return errors.invalid_request("$.text: a non-empty string is required")
        normalized = unicodedata.normalize("NFC", text)
        if weighted_length(normalized) > MAX_WEIGHTED_LENGTH:
            return errors.too_long()

        with self._store.lock:
            if any(
                unicodedata.normalize("NFC", tweet.sent_text) == normalized
                for tweet in self._tweets
                if tweet.author_id == token.user_id
            ):
                return errors.duplicate()
            tweet = self._store_tweet(token.user_id, text, normalized, body)

        logger.info("X test server created post %s", tweet.id)
        data = {"edit_history_tweet_ids": [tweet.id], "id": tweet.id, "text": tweet.text}
        return JSONResponse({"data": data}, status_code=201, headers=limit.headers)

    def _store_tweet(
        self, author_id: str, sent: str, normalized: str, body: dict[str, Any]
    ) -> FakeTweet:
        now = self._store.now()
        self._sequence += 1
        text, urls = wrap_urls(normalized)
        tweet = FakeTweet(
            id=snowflake_id(now, self._sequence),
            author_id=author_id,
            text=text,
            sent_text=sent,
            urls=urls,
            created_at=now,
            request=copy.deepcopy(body),
        )
        self._tweets.append(tweet)
        return tweet

    def _access_token(
        self, request: IncomingRequest, scopes: tuple[str, ...]
    ) -> IssuedToken | Response:
        value = request.bearer_token()
        if value is None:
            return errors.unauthorized()
        state, token = self._store.token_state(value, "access")
        if state != "active" or token is None:
            return errors.unauthorized()
        if not set(scopes) <= set(token.scopes):
            return errors.forbidden()
        return token

    def _failure_response(self, endpoint: str, kind: str, request: IncomingRequest) -> Response:
        now = self._store.now()
        limit = self._rate_limits.get(endpoint, 100)
        if kind == "error_page":
            return errors.authorize_error_page("injected failure")
        if kind == "invalid_request":
            grant = request.form().get("grant_type")
            detail = errors.INVALID_TOKEN if grant == "refresh_token" else errors.INVALID_CODE
            return errors.oauth_error(400, "invalid_request", detail)
        if kind == "unauthorized_client":
            return errors.oauth_error(401, "unauthorized_client", errors.BAD_CLIENT)
        if kind == "rate_limited":
            return errors.too_many_requests(exhausted_headers("x-rate-limit", limit, now + WINDOW))
        if kind in ("user_daily_limit", "app_daily_limit"):
            # The 15-minute window still has room, because the 24-hour cap is what ran out.
            headers = exhausted_headers("x-rate-limit", limit, now + WINDOW)
            headers["x-rate-limit-remaining"] = str(limit - 1)
            prefix = "x-user-limit-24hour" if kind == "user_daily_limit" else "x-app-limit-24hour"
            daily = self._daily_limits.get(endpoint, 17)
            headers.update(exhausted_headers(prefix, daily, now + DAY))
            return errors.too_many_requests(headers)
        simple: dict[str, Callable[[], Response]] = {
            "unauthorized": errors.unauthorized,
            "forbidden": errors.forbidden,
            "duplicate": errors.duplicate,
            "too_long": errors.too_long,
            "credits_depleted": lambda: errors.credits_depleted(self._account_number),
            "server_error": lambda: errors.server_error(500),
            "bad_gateway": lambda: errors.server_error(502),
            "unavailable": lambda: errors.server_error(503),
        }
        return simple[kind]()


def _authorize_problem(query: dict[str, str]) -> str | None:
    """Return why an authorize request from a known app is invalid, or None if it is valid."""
    if query.get("response_type") != "code":
        return "response_type must be code"
    scopes = query.get("scope", "").split()
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if not scopes or unknown:
        return f"invalid scope {unknown or 'missing'}"
    if not query.get("state"):
        return "state is missing"
    if not query.get("code_challenge"):
        return "code_challenge is missing"
    if query.get("code_challenge_method") not in ("S256", "plain"):
        return "code_challenge_method must be S256 or plain"
    return None


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    return (client_id, secret) if separator else None


def _json_object(request: IncomingRequest) -> dict[str, Any] | Response:
    try:
        body = request.json()
    except ValueError:
        return errors.invalid_request("the request body is not valid JSON")
    if not isinstance(body, dict):
        return errors.invalid_request("the request body must be a JSON object")
    unknown = sorted(set(body) - TWEET_FIELDS)
    if unknown:
        return errors.invalid_request(f"$.{unknown[0]}: is not defined in the schema")
    return body

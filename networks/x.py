"""X: OAuth 2.0 with PKCE, rotating refresh tokens, and POST /2/tweets."""

from __future__ import annotations

import logging
import unicodedata
from urllib.parse import urlencode

import httpx
from twitter_text import parse_tweet

from domain.clock import Clock
from domain.errors import (
    AccountAccessLost,
    CodeExchangeFailed,
    RefreshRefused,
    RejectedContent,
    TransientPublishError,
)
from domain.model import Account, Platform, Post
from domain.ports import Identity, Published, Tokens
from networks.http import error_detail, token_reply, transport_failure

logger = logging.getLogger(__name__)

# Without offline.access X gives no refresh token, and access tokens last 2 h.
SCOPES = "tweet.read tweet.write users.read offline.access"
# Weighted length: most Latin text weighs 1, emoji and CJK 2, each URL 23.
MAX_WEIGHTED_LENGTH = 280


class XClient:
    platform = Platform.X
    uses_pkce = True

    def __init__(
        self,
        http: httpx.AsyncClient,
        clock: Clock,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        authorize_url: str,
        api_base_url: str,
    ) -> None:
        self._http = http
        self._clock = clock
        self._client_id = client_id
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self._redirect_uri = redirect_uri
        self._authorize = authorize_url
        self._api = api_base_url.rstrip("/")

    # OAuth

    def authorize_url(self, state: str, code_challenge: str | None) -> str:
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": self._redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": code_challenge or "",
            "code_challenge_method": "S256",
        }
        return f"{self._authorize}?{urlencode(query)}"

    async def exchange_code(self, code: str, code_verifier: str | None) -> Tokens:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._redirect_uri,
            "code_verifier": code_verifier or "",
            "client_id": self._client_id,
        }
        response = await self._token_request(form, CodeExchangeFailed)
        if response.status_code != 200:
            raise CodeExchangeFailed(
                "X did not accept the login code", detail=error_detail(response)
            )
        return token_reply(response.json(), self._clock.now())

    async def identify(self, tokens: Tokens) -> Identity:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        try:
            response = await self._http.get(f"{self._api}/2/users/me", headers=headers)
        except httpx.HTTPError as error:
            raise CodeExchangeFailed("X could not be reached", detail=str(error)) from error
        if response.status_code != 200:
            raise CodeExchangeFailed("X did not say who logged in", detail=error_detail(response))
        data = response.json()["data"]
        return Identity(str(data["id"]), str(data["name"]), handle=str(data["username"]))

    async def refresh(self, refresh_token: str) -> Tokens:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self._client_id,
        }
        response = await self._token_request(form, TransientPublishError)
        if response.status_code in (400, 401):
            raise RefreshRefused(error_detail(response))
        if response.status_code != 200:
            raise TransientPublishError(
                "X did not refresh the login", detail=error_detail(response)
            )
        return token_reply(response.json(), self._clock.now())

    async def revoke(self, token: str) -> None:
        form = {"token": token, "token_type_hint": "access_token", "client_id": self._client_id}
        try:
            response = await self._http.post(
                f"{self._api}/2/oauth2/revoke", data=form, auth=self._auth
            )
        except httpx.HTTPError:
            logger.warning("X token revocation failed", exc_info=True)
            return
        if response.status_code != 200:
            logger.warning("X token revocation refused: status=%s", response.status_code)

    async def _token_request(
        self, form: dict[str, str], failure: type[CodeExchangeFailed] | type[TransientPublishError]
    ) -> httpx.Response:
        try:
            return await self._http.post(f"{self._api}/2/oauth2/token", data=form, auth=self._auth)
        except httpx.HTTPError as error:
            raise failure("X could not be reached", detail=str(error)) from error

    # Publishing

    def max_length(self, account: Account) -> int:
        return MAX_WEIGHTED_LENGTH

    def measure(self, content: str) -> int:
        # twitter-text implements X's own counting: NFC, weighted ranges, URLs as 23.
        return int(parse_tweet(unicodedata.normalize("NFC", content)).weightedLength)

    async def publish(self, account: Account, post: Post) -> Published:
        headers = {"Authorization": f"Bearer {account.access_token}"}
        try:
            response = await self._http.post(
                f"{self._api}/2/tweets", json={"text": post.content}, headers=headers
            )
        except httpx.HTTPError as error:
            raise transport_failure("X", error) from error

        if response.status_code == 201:
            tweet_id = str(response.json()["data"]["id"])
            return Published(tweet_id, f"https://x.com/i/web/status/{tweet_id}")
        raise self._publish_error(response)

    def _until_reset(self, response: httpx.Response) -> float | None:
        """Seconds until x-rate-limit-reset (epoch seconds), or None when absent."""
        reset = response.headers.get("x-rate-limit-reset")
        if reset is None or not reset.isdigit():
            return None
        return max(1.0, int(reset) - self._clock.now().timestamp())

    def _publish_error(self, response: httpx.Response) -> Exception:
        status = response.status_code
        detail = error_detail(response)
        problem = _problem_detail(response)
        if status == 401:
            return AccountAccessLost(
                "X no longer accepts postlater's access (the login was revoked); "
                "reconnect the account",
                detail=detail,
            )
        if status == 403 and "duplicate" in problem.lower():
            # X marks a duplicate only in the detail text.
            return RejectedContent(
                "X rejected it as a duplicate of a post already on the account", detail=detail
            )
        if status == 429:
            return TransientPublishError(
                "X's rate limit was reached", detail=detail, retry_after=self._until_reset(response)
            )
        if status >= 500:
            return TransientPublishError("X had a server error", detail=detail)
        reason = f"X rejected the post: {problem}" if problem else f"X rejected the post ({status})"
        return RejectedContent(reason, detail=detail)


def _problem_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    return str(data.get("detail") or data.get("title") or "")

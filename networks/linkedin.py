"""LinkedIn: OAuth 2.0 login (OpenID Connect userinfo) and the versioned Posts API."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import httpx

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

SCOPES = "openid profile w_member_social"
MAX_LENGTH = 3000
# LinkedIn's "little text" format: these characters must be escaped with a
# backslash, or LinkedIn silently cuts the post at the first of them.
RESERVED = frozenset("|{}@[]()<>#\\*_~")


def escape_commentary(text: str) -> str:
    """Escape `text` for a post's commentary; a single pass escapes backslashes first."""
    return "".join("\\" + char if char in RESERVED else char for char in text)


class LinkedInClient:
    platform = Platform.LINKEDIN
    uses_pkce = False

    def __init__(
        self,
        http: httpx.AsyncClient,
        clock: Clock,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        oauth_base_url: str,
        api_base_url: str,
        api_version: str,
    ) -> None:
        self._http = http
        self._clock = clock
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._oauth = oauth_base_url.rstrip("/")
        self._api = api_base_url.rstrip("/")
        self._version = api_version

    # OAuth

    def authorize_url(self, state: str, code_challenge: str | None) -> str:
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": self._redirect_uri,
            "state": state,
            "scope": SCOPES,
        }
        return f"{self._oauth}/oauth/v2/authorization?{urlencode(query)}"

    async def exchange_code(self, code: str, code_verifier: str | None) -> Tokens:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._redirect_uri,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        try:
            response = await self._http.post(f"{self._oauth}/oauth/v2/accessToken", data=form)
        except httpx.HTTPError as error:
            raise CodeExchangeFailed("LinkedIn could not be reached", detail=str(error)) from error
        if response.status_code != 200:
            raise CodeExchangeFailed(
                "LinkedIn did not accept the login code", detail=error_detail(response)
            )
        return token_reply(response.json(), self._clock.now())

    async def identify(self, tokens: Tokens) -> Identity:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        try:
            response = await self._http.get(f"{self._api}/v2/userinfo", headers=headers)
        except httpx.HTTPError as error:
            raise CodeExchangeFailed("LinkedIn could not be reached", detail=str(error)) from error
        if response.status_code != 200:
            raise CodeExchangeFailed(
                "LinkedIn did not say who logged in", detail=error_detail(response)
            )
        data = response.json()
        return Identity(str(data["sub"]), str(data.get("name") or data["sub"]))

    async def refresh(self, refresh_token: str) -> Tokens:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        try:
            response = await self._http.post(f"{self._oauth}/oauth/v2/accessToken", data=form)
        except httpx.HTTPError as error:
            raise TransientPublishError(
                "LinkedIn could not be reached", detail=str(error)
            ) from error
        if response.status_code in (400, 401):
            raise RefreshRefused(error_detail(response))
        if response.status_code != 200:
            raise TransientPublishError(
                "LinkedIn did not refresh the login", detail=error_detail(response)
            )
        return token_reply(response.json(), self._clock.now())

    async def revoke(self, token: str) -> None:
        form = {"token": token, "client_id": self._client_id, "client_secret": self._client_secret}
        try:
            response = await self._http.post(f"{self._oauth}/oauth/v2/revoke", data=form)
        except httpx.HTTPError:
            logger.warning("LinkedIn token revocation failed", exc_info=True)
            return
        if response.status_code != 200:
            logger.warning("LinkedIn token revocation refused: status=%s", response.status_code)

    # Publishing

    def max_length(self, account: Account) -> int:
        return MAX_LENGTH

    def measure(self, content: str) -> int:
        # NOTE: LinkedIn's docs do not say how the 3000 are counted; UTF-16
        # code units (emoji count 2) is the stricter reading, so a post that
        # fits here fits there.
        return len(content.encode("utf-16-le")) // 2

    async def publish(self, account: Account, post: Post) -> Published:
        body = {
            "author": f"urn:li:person:{account.external_id}",
            "commentary": escape_commentary(post.content),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        headers = {
            "Authorization": f"Bearer {account.access_token}",
            "LinkedIn-Version": self._version,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        try:
            response = await self._http.post(f"{self._api}/rest/posts", json=body, headers=headers)
        except httpx.HTTPError as error:
            raise transport_failure("LinkedIn", error) from error

        if response.status_code == 201:
            urn = response.headers.get("x-restli-id", "")
            url = f"https://www.linkedin.com/feed/update/{urn}/" if urn else None
            return Published(urn, url)
        raise self._publish_error(response)

    def _publish_error(self, response: httpx.Response) -> Exception:
        status = response.status_code
        detail = error_detail(response)
        code = _error_code(response)
        if status == 401:
            return AccountAccessLost(
                "LinkedIn no longer accepts postlater's access (the login expired or was "
                "revoked); reconnect the account",
                detail=detail,
            )
        if status == 403:
            return AccountAccessLost(
                "LinkedIn refused postlater permission to post for this account; reconnect it",
                detail=detail,
            )
        if status == 426:
            logger.error(
                "LinkedIn API version %s is retired: set LINKEDIN_API_VERSION to a current one",
                self._version,
            )
            return RejectedContent(
                f"LinkedIn no longer supports API version {self._version}; the postlater "
                "operator must set LINKEDIN_API_VERSION to a current version",
                detail=detail,
            )
        if status == 422 and code == "DUPLICATE_POST":
            return RejectedContent(
                "LinkedIn rejected it as a duplicate of a post already on the account",
                detail=detail,
            )
        if status == 429:
            return TransientPublishError("LinkedIn's rate limit was reached", detail=detail)
        if status >= 500:
            return TransientPublishError("LinkedIn had a server error", detail=detail)
        return RejectedContent(f"LinkedIn rejected the post ({status})", detail=detail)


def _error_code(response: httpx.Response) -> str | None:
    """LinkedIn's error code: top level, or in errorDetails.inputErrors for validation errors."""
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if data.get("code"):
        return str(data["code"])
    details = data.get("errorDetails")
    errors = details.get("inputErrors") if isinstance(details, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and error.get("code"):
            return str(error["code"])
    return None

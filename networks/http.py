"""Classification of httpx failures during a publish: nothing sent, or outcome unknown."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from domain.errors import PublishOutcomeUnknown, TransientPublishError
from domain.ports import Tokens

# These fail before the request reaches the network's server, so nothing was
# published and trying again is safe.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def timeout(seconds: float) -> httpx.Timeout:
    """A request timeout of `seconds`, with at most 5 s to connect."""
    return httpx.Timeout(seconds, connect=min(5.0, seconds))


def transport_failure(network: str, error: httpx.HTTPError) -> Exception:
    """Return the publish error for a request that failed without a reply."""
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, NOT_SENT):
        return TransientPublishError(f"{network} could not be reached", detail=detail)
    return PublishOutcomeUnknown(
        f"the connection to {network} broke after the post was sent", detail=detail
    )


def error_detail(response: httpx.Response, limit: int = 300) -> str:
    """Return the start of an error reply for logs: status and body, never a token."""
    return f"HTTP {response.status_code}: {response.text[:limit]}"


def token_reply(data: dict[str, object], now: datetime) -> Tokens:
    """Tokens from an OAuth 2.0 token reply (RFC 6749 section 5.1)."""
    expires_in = data.get("expires_in")
    expires_at = None
    if isinstance(expires_in, int | float):
        expires_at = now + timedelta(seconds=expires_in)
    refresh = data.get("refresh_token")
    return Tokens(str(data["access_token"]), str(refresh) if refresh else None, expires_at)

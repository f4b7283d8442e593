"""Classification of httpx failures during a publish: nothing sent, or outcome unknown."""

from __future__ import annotations

import httpx

from domain.errors import PublishOutcomeUnknown, TransientPublishError

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

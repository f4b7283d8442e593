"""Send one delivery attempt to a destination and judge the reply, as QStash does."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Mapping

import httpx

from tests.fakes.qstash_publish import PublishError, canonical_header_name, parse_duration
from tests.fakes.qstash_records import DeliveryAttempt, FakeMessage
from tests.fakes.qstash_signing import sign_delivery

logger = logging.getLogger(__name__)

USER_AGENT = "Upstash-QStash"


def delivery_headers(
    message: FakeMessage,
    *,
    retried: int,
    signature: str | None,
    region: str,
) -> dict[str, str]:
    """Return the headers QStash sends with a delivery of `message`."""
    headers = dict(message.forward_headers)
    headers.update(
        {
            "User-Agent": USER_AGENT,
            "Upstash-Message-Id": message.id,
            "Upstash-Retried": str(retried),
            "Upstash-Caller-Ip": message.caller_ip,
            "Upstash-Region": region,
        }
    )
    if signature is not None:
        headers["Upstash-Signature"] = signature
    return headers


def response_headers(response: httpx.Response) -> dict[str, list[str]]:
    """Group the reply's headers by canonical name, as QStash reports them in callbacks."""
    grouped: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        grouped.setdefault(canonical_header_name(name), []).append(value)
    return grouped


async def send_attempt(
    client: httpx.AsyncClient,
    message: FakeMessage,
    *,
    retried: int,
    key: str,
    region: str,
    attempt_timeout: float,
    redelivery: bool = False,
) -> DeliveryAttempt:
    """Sign and send one attempt. A timeout or HTTP error gives an attempt without a reply."""
    headers = delivery_headers(
        message,
        retried=retried,
        signature=sign_delivery(message.destination, message.body, key),
        region=region,
    )
    started_at = time.time()
    status: int | None = None
    error: str | None = None
    retry_after: str | None = None
    reply_headers: dict[str, list[str]] = {}
    reply_body = b""

    try:
        async with asyncio.timeout(attempt_timeout):
            response = await client.request(
                message.method, message.destination, content=message.body, headers=headers
            )
    except TimeoutError:
        error = "timeout"
    except (httpx.HTTPError, httpx.InvalidURL) as http_error:
        error = f"{type(http_error).__name__}: {http_error}"
    else:
        status = response.status_code
        retry_after = response.headers.get("Retry-After")
        reply_headers = response_headers(response)
        reply_body = response.content

    logger.info(
        "delivery of message %s to %s (retried %d): %s",
        message.id,
        message.destination,
        retried,
        status if status is not None else error,
    )
    return DeliveryAttempt(
        message_id=message.id,
        url=message.destination,
        method=message.method,
        retried=retried,
        redelivery=redelivery,
        started_at=started_at,
        finished_at=time.time(),
        status=status,
        error=error,
        retry_after=retry_after,
        response_headers=reply_headers,
        response_body=reply_body,
    )


def is_non_retryable(attempt: DeliveryAttempt) -> bool:
    """Tell whether the reply is 489 with `Upstash-NonRetryable-Error: true`.

    QStash then fails the message at once: no more retries, straight to the DLQ.
    """
    flags = _header_values(attempt.response_headers, "Upstash-NonRetryable-Error")
    return attempt.status == 489 and any(flag.strip().lower() == "true" for flag in flags)


def _header_values(headers: Mapping[str, list[str]], name: str) -> list[str]:
    wanted = name.lower()
    return [value for key, values in headers.items() if key.lower() == wanted for value in values]


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Return the delay a `Retry-After` value requests, or None if it is absent or invalid.

    Accepts the forms QStash documents: seconds (`10`), a duration (`6m5s`, without
    QStash's `ns` and `us` units) and an HTTP date. `now` is real Unix time.
    """
    if value is None:
        return None

    try:
        return max(0.0, float(value))
    except ValueError:
        pass

    try:
        return parse_duration(value, "Retry-After")
    except PublishError:
        pass

    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now)

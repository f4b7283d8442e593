"""Read a QStash v2 publish request into a `FakeMessage`, rejecting what QStash rejects.

Header meanings follow the QStash publish API docs and the `qstash` 3.4.0 SDK's
`prepare_headers`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from tests.fakes.qstash_records import CallbackOptions, FakeMessage, MessageKind, new_id

DEFAULT_RETRIES = 3
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"})

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_FORWARD_PREFIX = "upstash-forward-"

# Headers that describe one HTTP connection or request, not the message, so they
# are never forwarded to the destination.
_HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class PublishError(ValueError):
    """A publish request that QStash rejects with 400 Bad Request."""


def parse_duration(value: str, header: str) -> float:
    """Return seconds for a QStash duration such as `10s`, `5m`, `2h`, `1d` or `1h30m`.

    A bare integer means seconds, as the SDK sends for integer delays and timeouts.
    """
    text = value.strip()
    if text.isdigit():
        return float(text)

    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise PublishError(
            f"invalid {header}: {value!r}, expected a number with unit s, m, h or d like 10s"
        )

    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def canonical_header_name(name: str) -> str:
    """Capitalize each dash-separated word (`x-post-id` → `X-Post-Id`), as Go's net/http does."""
    return "-".join(word[:1].upper() + word[1:].lower() for word in name.split("-"))


def forward_headers(headers: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Return the headers named `prefix` + name, keyed by name in canonical form."""
    forwarded: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if not lowered.startswith(prefix):
            continue

        target = lowered[len(prefix) :]
        if target and target not in _HOP_HEADERS:
            forwarded[canonical_header_name(target)] = value
    return forwarded


def validate_destination(destination: str) -> None:
    parts = urlsplit(destination)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublishError(
            f"invalid destination: {destination!r}, expected a URL starting with http:// "
            "or https:// (URL groups and APIs are not supported by this test server)"
        )


def _parse_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None

    if not value.strip().isdigit():
        raise PublishError(f"invalid {name}: {value!r}, expected a non-negative integer")
    return int(value)


def _parse_method(headers: Mapping[str, str], name: str) -> str:
    method = headers.get(name, "POST").upper()
    if method not in HTTP_METHODS:
        raise PublishError(f"invalid {name}: {method!r}, expected one of {sorted(HTTP_METHODS)}")
    return method


def _parse_optional_duration(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    return None if value is None else parse_duration(value, name)


def parse_callback_options(headers: Mapping[str, str], prefix: str) -> CallbackOptions:
    """Read the `{prefix}Method/Retries/Timeout/Delay/Forward-*` headers of a publish."""
    return CallbackOptions(
        method=_parse_method(headers, f"{prefix}Method"),
        retries=_parse_int(headers, f"{prefix}Retries"),
        timeout=_parse_optional_duration(headers, f"{prefix}Timeout"),
        delay=_parse_optional_duration(headers, f"{prefix}Delay") or 0.0,
        forward_headers=forward_headers(headers, f"{prefix}forward-".lower()),
    )


def _parse_not_before(headers: Mapping[str, str], now: float) -> float:
    # Upstash-Not-Before (epoch seconds) overrides Upstash-Delay when both are sent.
    not_before = headers.get("Upstash-Not-Before")
    if not_before is not None:
        if not not_before.strip().isdigit():
            raise PublishError(
                f"invalid Upstash-Not-Before: {not_before!r}, expected Unix time in seconds"
            )
        return float(not_before)

    delay = _parse_optional_duration(headers, "Upstash-Delay")
    return now + (delay or 0.0)


def _parse_callback_url(headers: Mapping[str, str], name: str) -> str | None:
    url = headers.get(name)
    if url is not None:
        try:
            validate_destination(url)
        except PublishError as error:
            raise PublishError(f"invalid {name}: {url!r}, expected an http(s) URL") from error
    return url


def parse_publish(
    destination: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    caller_ip: str,
    now: float,
    max_delay: float | None,
) -> FakeMessage:
    """Build a pending message from a publish request, or raise PublishError where QStash would."""
    validate_destination(destination)

    not_before = _parse_not_before(headers, now)
    if max_delay is not None and not_before - now > max_delay:
        raise PublishError(
            f"delay of {not_before - now:.0f} s exceeds the maximum delay of {max_delay:.0f} s"
        )

    forwarded = forward_headers(headers, _FORWARD_PREFIX)
    content_type = headers.get("Content-Type")
    if content_type is not None:
        forwarded["Content-Type"] = content_type

    retries = _parse_int(headers, "Upstash-Retries")
    return FakeMessage(
        id=new_id("msg_"),
        kind="message",
        destination=destination,
        method=_parse_method(headers, "Upstash-Method"),
        body=body,
        headers={name: value for name, value in headers.items() if name.lower() != "authorization"},
        forward_headers=forwarded,
        not_before=not_before,
        created_at=now,
        max_retries=DEFAULT_RETRIES if retries is None else retries,
        retry_delay=headers.get("Upstash-Retry-Delay"),
        timeout=_parse_optional_duration(headers, "Upstash-Timeout"),
        callback=_parse_callback_url(headers, "Upstash-Callback"),
        callback_options=parse_callback_options(headers, "Upstash-Callback-"),
        failure_callback=_parse_callback_url(headers, "Upstash-Failure-Callback"),
        failure_callback_options=parse_callback_options(headers, "Upstash-Failure-Callback-"),
        deduplication_id=headers.get("Upstash-Deduplication-Id"),
        caller_ip=caller_ip,
        due_at=not_before,
    )


def deduplication_key(message: FakeMessage, headers: Mapping[str, str]) -> str | None:
    """Return the key that makes a repeat publish a duplicate, or None if it has none.

    An explicit `Upstash-Deduplication-Id` wins. With
    `Upstash-Content-Based-Deduplication: true` the key hashes the destination, the
    body and the forwarded headers (Content-Type included), as the QStash docs describe.
    """
    if message.deduplication_id is not None:
        return "id:" + message.deduplication_id

    if headers.get("Upstash-Content-Based-Deduplication", "").lower() != "true":
        return None

    digest = hashlib.sha256()
    digest.update(message.destination.encode())
    digest.update(b"\0" + message.body + b"\0")
    for name, value in sorted(message.forward_headers.items()):
        digest.update(f"{name}:{value}\n".encode())
    return "content:" + digest.hexdigest()


def callback_message(
    source: FakeMessage,
    kind: MessageKind,
    url: str,
    options: CallbackOptions,
    body: bytes,
    now: float,
) -> FakeMessage:
    """Build the message QStash publishes to a callback URL about `source`."""
    headers = {"Content-Type": "application/json", **options.forward_headers}
    return FakeMessage(
        id=new_id("msg_"),
        kind=kind,
        destination=url,
        method=options.method,
        body=body,
        headers=dict(headers),
        forward_headers=headers,
        not_before=now + options.delay,
        created_at=now,
        max_retries=source.max_retries if options.retries is None else options.retries,
        retry_delay=None,
        timeout=source.timeout if options.timeout is None else options.timeout,
        callback=None,
        callback_options=CallbackOptions(),
        failure_callback=None,
        failure_callback_options=CallbackOptions(),
        deduplication_id=None,
        caller_ip=source.caller_ip,
        source_message_id=source.id,
        due_at=now + options.delay,
    )

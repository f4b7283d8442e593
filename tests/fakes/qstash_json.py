"""JSON bodies of the QStash test server: API replies and callback payloads.

Field names follow the QStash API docs and the parsers of the `qstash` 3.4.0 SDK
(`parse_message_response`, `parse_dlq_message_response`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.fakes.qstash_records import DeliveryAttempt, DlqEntry, FakeMessage


def milliseconds(seconds: float) -> int:
    return int(seconds * 1000)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _body_fields(body: bytes, prefix: str) -> dict[str, str]:
    # QStash returns a UTF-8 body as text and any other body as base64 in `…Base64`.
    try:
        return {prefix: body.decode("utf-8")}
    except UnicodeDecodeError:
        return {prefix + "Base64": _b64(body)}


def _header_lists(headers: dict[str, str]) -> dict[str, list[str]]:
    return {name: [value] for name, value in headers.items()}


def message_json(message: FakeMessage) -> dict[str, Any]:
    """Render a message as `GET /v2/messages/{id}` returns it."""
    data: dict[str, Any] = {
        "messageId": message.id,
        "url": message.destination,
        "method": message.method,
        "header": _header_lists(message.forward_headers),
        "maxRetries": message.max_retries,
        "notBefore": milliseconds(message.not_before),
        "createdAt": milliseconds(message.created_at),
        "callerIP": message.caller_ip,
        **_body_fields(message.body, "body"),
    }
    optional = {
        "callback": message.callback,
        "failureCallback": message.failure_callback,
        "retryDelayExpression": message.retry_delay,
    }
    data.update({name: value for name, value in optional.items() if value is not None})
    return data


def dlq_json(entry: DlqEntry) -> dict[str, Any]:
    """Render a DLQ entry as `GET /v2/dlq/{dlqId}` returns it."""
    attempt = entry.last_attempt
    return {
        **message_json(entry.message),
        "dlqId": entry.dlq_id,
        # NOTE: 0 stands for "no reply" (timeout or connection error), because what
        # real QStash reports in that case is not documented.
        "responseStatus": attempt.status or 0,
        "responseHeader": attempt.response_headers,
        **_body_fields(attempt.response_body, "responseBody"),
    }


def callback_body(
    source: FakeMessage, attempt: DeliveryAttempt, dlq_id: str | None = None
) -> bytes:
    """Return the JSON body QStash posts to a callback or failure callback URL.

    `dlq_id` is given for failure callbacks only. Field names are those of the
    QStash callbacks docs, except `sourceMessageId`, which the docs misspell as
    `sourceMessasgeId`. `topicName`, `endpointName` and `scheduleId` are left out
    because this server supports neither URL groups nor schedules.
    """
    fields: dict[str, Any] = {
        # NOTE: as in dlq_json, 0 stands for "no reply".
        "status": attempt.status or 0,
        "header": attempt.response_headers,
        "body": _b64(attempt.response_body),
        "retried": attempt.retried,
        "maxRetries": source.max_retries,
        "sourceMessageId": source.id,
        "url": source.destination,
        "method": source.method,
        "sourceHeader": _header_lists(source.forward_headers),
        "sourceBody": _b64(source.body),
        "notBefore": str(milliseconds(source.not_before)),
        "createdAt": str(milliseconds(source.created_at)),
        "callerIP": source.caller_ip,
    }
    if dlq_id is not None:
        fields["dlqId"] = dlq_id
    return json.dumps(fields).encode()

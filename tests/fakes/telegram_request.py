"""Bot API request parameters, read the way the real Bot API server reads them.

The server accepts parameters in the query string, as a JSON object, as
`application/x-www-form-urlencoded` (python-telegram-bot's default, with nested
values such as `reply_markup` JSON-encoded into strings) or as multipart form
data. Whatever the encoding, every parameter becomes a string: JSON strings as
they are, other JSON values re-encoded as JSON. Each method then reads the types
it needs from those strings, so `"42"` and `42` are the same `chat_id`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request


async def read_parameters(request: Request) -> dict[str, str]:
    """Merge the query string and the body into one name-to-string mapping."""
    parameters = dict(request.query_params)
    body = await request.body()
    if not body:
        return parameters

    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        parameters.update(json_parameters(body))
    elif media_type == "application/x-www-form-urlencoded":
        parameters.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif media_type == "multipart/form-data":
        parameters.update(_multipart_parameters(content_type, body))
    return parameters


def json_parameters(body: bytes) -> dict[str, str]:
    """Flatten a JSON object body; the real server ignores a body that is not one."""
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {name: _as_parameter(item) for name, item in value.items() if item is not None}


def _as_parameter(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _multipart_parameters(content_type: str, body: bytes) -> dict[str, str]:
    # The stdlib MIME parser reads multipart/form-data once it gets the header.
    # Uploaded files are skipped because this server stores no files.
    document = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    message = BytesParser(policy=HTTP).parsebytes(document)
    parameters: dict[str, str] = {}
    if not message.is_multipart():
        return parameters
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parameters[name] = payload.decode("utf-8", "replace")
    return parameters


def to_integer(text: str) -> int:
    """Parse like tdlib's `to_integer`: an optional minus, then digits up to the first non-digit."""
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    value = 0
    for character in digits:
        if not "0" <= character <= "9":
            break
        value = value * 10 + ord(character) - ord("0")
    return -value if negative else value


class Params:
    """Typed reads of one request's string parameters."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def has(self, name: str) -> bool:
        return bool(self.values.get(name))

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def integer(self, name: str, default: int = 0) -> int:
        raw = self.values.get(name, "")
        return to_integer(raw) if raw else default

    def clamped(self, name: str, default: int, low: int, high: int) -> int:
        return max(low, min(high, self.integer(name, default)))

    def flag(self, name: str) -> bool:
        return self.values.get(name, "").strip().lower() in ("true", "yes", "1")

    def json(self, name: str) -> Any:
        """Decode a JSON parameter; None when it is missing. Raises ValueError when malformed."""
        raw = self.values.get(name, "")
        if not raw:
            return None
        return json.loads(raw)

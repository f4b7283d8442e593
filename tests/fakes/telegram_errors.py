"""Bot API error replies of the Telegram test server.

Descriptions follow the real server (tdlib/telegram-bot-api, `Client.cpp`): a
prefix named for the HTTP status ("Bad Request", "Forbidden", "Conflict",
"Too Many Requests"), then the reason with its first letter lowercased unless
the reason is an upper-case code such as `BUTTON_DATA_INVALID`.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API call that failed; `to_json()` is the reply body Telegram sends."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _reason(text: str) -> str:
    if len(text) >= 2 and (text[1] == "_" or text[1].isupper()):
        return text
    return text[:1].lower() + text[1:]


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {_reason(reason)}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {_reason(reason)}")


def conflict(reason: str) -> ApiError:
    return ApiError(409, f"Conflict: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")

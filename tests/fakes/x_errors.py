"""Error replies of the X test server, shaped like api.x.com's.

API errors are problem JSON (RFC 7807: `title`, `detail`, `type`, `status`) sent
as `application/problem+json`. The OAuth endpoints return `{"error",
"error_description"}` instead. Texts come from replies that developers quoted in
public issues and code (2022 to 2026), and each one not seen that way has a NOTE.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse, Response

from tests.fakes.oauth_server import html_page

PROBLEM_TYPE = "about:blank"
INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"
CREDITS_TYPE = "https://api.twitter.com/2/problems/credits"

DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
# NOTE: quoted in public code both as this full sentence and cut after "too long.".
# Older clients saw it with 400, current ones with 403.
TOO_LONG_DETAIL = (
    "Your Tweet text is too long. For more information on how Twitter determines "
    "text length see https://github.com/twitter/twitter-text."
)
INVALID_TOKEN = "Value passed for the token was invalid."
INVALID_CODE = "Value passed for the authorization code was invalid."
VERIFIER_MISMATCH = "Value passed for the code verifier did not match the code challenge."
# NOTE: a guess worded like X's other token errors, because no real reply was found.
REDIRECT_MISMATCH = (
    "Value passed for the redirect uri did not match the uri of the authorization code."
)
BAD_CLIENT = "Missing valid authorization header"


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    problem_type: str = PROBLEM_TYPE,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> Response:
    body: dict[str, object] = {
        "title": title,
        "type": problem_type,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def unauthorized() -> Response:
    return problem(401, "Unauthorized", "Unauthorized")


def forbidden() -> Response:
    # NOTE: the reply to a token that lacks a scope the endpoint needs is a guess.
    return problem(403, "Forbidden", "Forbidden")


def duplicate() -> Response:
    return problem(403, "Forbidden", DUPLICATE_DETAIL)


def too_long() -> Response:
    return problem(403, "Forbidden", TOO_LONG_DETAIL)


def too_many_requests(headers: Mapping[str, str]) -> Response:
    return problem(429, "Too Many Requests", "Too Many Requests", headers=headers)


def credits_depleted(account_id: str) -> Response:
    """Return the 402 that pay-per-use apps get once their credits run out."""
    return JSONResponse(
        {
            "account_id": int(account_id),
            "title": "CreditsDepleted",
            "detail": (
                f"Your enrolled account [{account_id}] does not have any credits "
                "to fulfill this request."
            ),
            "type": CREDITS_TYPE,
        },
        status_code=402,
    )


def server_error(status: int) -> Response:
    # NOTE: X's 5xx bodies vary (problem JSON, or HTML from its edge). This is one form.
    title = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
    return problem(status, title, title)


def invalid_request(message: str) -> Response:
    """Return the 400 for a body that does not fit the endpoint's schema."""
    # NOTE: the `errors` messages are this server's own, while X words them per field.
    return problem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        problem_type=INVALID_REQUEST_TYPE,
        errors=[{"message": message}],
    )


def not_found() -> Response:
    # NOTE: a guess at X's reply to a path it does not serve.
    return problem(404, "Not Found Error", "Sorry, that page does not exist.")


def oauth_error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def missing_parameter(name: str) -> Response:
    return oauth_error(400, "invalid_request", f"Missing required parameter [{name}].")


def authorize_error_page(reason: str) -> Response:
    """Return the page X shows instead of redirecting when the app's request is invalid."""
    # NOTE: the status is a guess, and X's page states only that something went wrong.
    # `reason` is this server's addition, so that a failing test shows which check failed.
    return html_page(
        400,
        "Something went wrong",
        f"You weren't able to give access to the App. Go back and try logging in again. ({reason})",
    )

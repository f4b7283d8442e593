"""Error replies of the LinkedIn test server, shaped like LinkedIn's.

The REST API returns `{"status", "serviceErrorCode", "code", "message"}`, and its
validation errors add `errorDetailType` and `errorDetails.inputErrors`. The OAuth
endpoints on www.linkedin.com answer `{"error", "error_description"}`. Texts come
from LinkedIn's docs on Microsoft Learn or from replies that developers quoted in
public issues and code (2023 to 2026), and each one found neither way has a NOTE.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from tests.fakes.oauth_server import html_page

BAD_REQUEST_TYPE = "com.linkedin.common.error.BadRequest"
CODE_MISMATCH = (
    "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
    "authorization code. Or authorization code expired. Or external member binding exists"
)


def api_error(
    status: int, code: str | None, message: str, service_code: int | None = None
) -> Response:
    body: dict[str, object] = {"status": status}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    if code is not None:
        body["code"] = code
    body["message"] = message
    return JSONResponse(body, status_code=status)


def invalid_token() -> Response:
    return api_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)


def revoked_token() -> Response:
    return api_error(
        401,
        "REVOKED_ACCESS_TOKEN",
        "The token used in the request has been revoked by the user",
        65601,
    )


def expired_token() -> Response:
    return api_error(
        401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65602
    )


def empty_token() -> Response:
    # NOTE: the message is the example on LinkedIn's error-handling page. The code and
    # serviceErrorCode 65604 are unconfirmed.
    return api_error(401, "EMPTY_ACCESS_TOKEN", "Empty oauth2_access_token", 65604)


def access_denied(resource: str) -> Response:
    """Return the 403 for a token without the permission (scope) that `resource` needs."""
    return api_error(403, "ACCESS_DENIED", f"Not enough permissions to access: {resource}", 100)


def version_missing() -> Response:
    # NOTE: a guess at the reply to a request without `LinkedIn-Version`.
    return api_error(
        400,
        "VERSION_MISSING",
        "A version must be present. "
        "Please specify a version by adding the LinkedIn-Version header.",
    )


def version_invalid(version: str) -> Response:
    # NOTE: a guess at the reply to a header that is not YYYYMM.
    return api_error(400, "INVALID_VERSION", f"Invalid version {version} in request header")


def nonexistent_version(version: str) -> Response:
    """Return the 426 for a retired or future version, which LinkedIn names as YYYYMM01."""
    return api_error(426, "NONEXISTENT_VERSION", f"Requested version {version}01 is not active")


def restli_missing() -> Response:
    # NOTE: a guess. LinkedIn's docs require the header on the versioned APIs but do not
    # show the reply without it.
    return api_error(
        400, "MISSING_RESTLI_PROTOCOL_VERSION", "X-Restli-Protocol-Version 2.0.0 header is required"
    )


def validation_failed(status: int, message: str, input_errors: list[dict[str, object]]) -> Response:
    body: dict[str, object] = {"errorDetailType": BAD_REQUEST_TYPE, "message": message}
    body["errorDetails"] = {"inputErrors": input_errors}
    body["status"] = status
    return JSONResponse(body, status_code=status)


def schema_errors(problems: list[str]) -> Response:
    """Return the 422 Rest.li sends when a body does not fit the schema: all problems, in order."""
    return JSONResponse({"message": "".join(problems), "status": 422}, status_code=422)


def unreadable_body() -> Response:
    """Return the 400 for a body that is not JSON, as quoted from a real reply in 2026."""
    return api_error(400, "ILLEGAL_ARGUMENT", "Request body could not be converted to data map")


def too_long(commentary: str, length: int, maximum: int) -> Response:
    """Return the 400 for a commentary over the limit, as quoted from a 2025 reply."""
    exception = "com.linkedin.content.common.exception.BadRequestResponseException"
    return validation_failed(
        400,
        f"{exception}: ShareCommentary text length ({length} characters) exceeded the "
        f"maximum allowed ({maximum} characters)",
        [
            {
                "description": "Size of array cannot be higher than the maxLength",
                "input": {"value": {"stringValue": commentary}},
                "code": "FIELD_ARRAY_SIZE_TOO_HIGH",
                "maxLength": maximum,
            }
        ],
    )


def duplicate(existing_urn: str) -> Response:
    """Return the 422 for a post whose content the member already posted.

    The shape is from a reply quoted in 2023: the code is only inside
    `errorDetails`, and the URN of the earlier post only in the message.
    """
    exception = "com.linkedin.content.common.exception.BadRequestResponseException"
    return validation_failed(
        422,
        f"{exception}: Content is a duplicate of {existing_urn}",
        [{"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}],
    )


def rate_limited(scope: str) -> Response:
    """Return the 429 for a used-up daily quota ("APPLICATION" or "MEMBER"), with no headers."""
    return api_error(
        429,
        None,
        f"Resource level throttle {scope} DAY limit for calls to this resource is reached.",
        101,
    )


def server_error(status: int) -> Response:
    # NOTE: LinkedIn's 5xx bodies are not documented, so these follow its usual error shape.
    message = {500: "Internal Server Error", 503: "Service Unavailable", 504: "Request timed out"}[
        status
    ]
    return api_error(status, None, message)


def not_found() -> Response:
    # NOTE: a guess at LinkedIn's reply to a path it does not serve.
    return api_error(404, None, "No virtual resource found", 0)


def oauth_error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def missing_parameter(name: str) -> Response:
    return oauth_error(400, "invalid_request", f'A required parameter "{name}" is missing')


def invalid_client() -> Response:
    # NOTE: the description is from LinkedIn's client-credentials docs. The auth-code
    # flow's reply to a bad secret is assumed to match.
    return oauth_error(401, "invalid_client", "Client authentication failed")


def authorize_error_page(message: str) -> Response:
    """Return the page LinkedIn shows instead of redirecting when the app's request is invalid."""
    # LinkedIn's docs list these failures with status 401. The page's title is from
    # developers' reports.
    return html_page(401, "Bummer, something went wrong", message)

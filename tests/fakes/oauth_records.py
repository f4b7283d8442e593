"""Records shared by the OAuth 2.0 test servers of X and LinkedIn.

Every time on these records is on the test server's own clock (real Unix time plus
the offset that `advance()` adds), so a test can expire a code or a token without
sleeping.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import string
from typing import Any, Literal
from urllib.parse import parse_qsl

TokenKind = Literal["access", "refresh"]
TokenState = Literal["active", "expired", "revoked", "rotated", "unknown"]

_ALPHABET = string.ascii_letters + string.digits


def new_secret(prefix: str = "", length: int = 43) -> str:
    """Return `prefix` followed by random letters and digits, for codes, tokens and ids."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclasses.dataclass(frozen=True)
class RegisteredClient:
    """An app registered with the network: its credentials and allowed redirect URIs.

    `client_secret` None is a public client (X "native app"), which authenticates
    with PKCE alone.
    """

    client_id: str
    client_secret: str | None
    redirect_uris: tuple[str, ...]


@dataclasses.dataclass
class AuthorizationCode:
    """A code handed to the app's redirect URI, and what it was issued for."""

    code: str
    client_id: str
    redirect_uri: str
    user_id: str
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    used: bool = False


@dataclasses.dataclass
class IssuedToken:
    """An access or refresh token the server issued.

    `grant_id` ties together every token that came from one login, so that a
    refresh can carry the login's scopes and (on LinkedIn) its refresh-token expiry.
    """

    value: str
    kind: TokenKind
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    grant_id: str
    issued_at: float
    expires_at: float | None
    revoked: bool = False
    rotated: bool = False
    """True for a refresh token that a refresh replaced (X rotates them)."""

    def state(self, now: float) -> TokenState:
        if self.revoked:
            return "revoked"
        if self.rotated:
            return "rotated"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"


@dataclasses.dataclass
class ApiCall:
    """One HTTP request the test server handled, and its reply."""

    endpoint: str
    """The name used by `fail_next`, `delay_next` and `calls` ("token", "tweets", ...)."""
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    at: float
    """When the server handled the request, on the server's clock."""
    injected: str | None = None
    """The failure kind `fail_next` injected into this call, if any."""
    delay: float = 0.0
    """Seconds the reply was held back by `delay_next` after the request took effect."""

    def json(self) -> Any:
        """Return the request body parsed as JSON."""
        return json.loads(self.body)

    def response_json(self) -> Any:
        return json.loads(self.response_body) if self.response_body else None

    @property
    def form(self) -> dict[str, str]:
        """Return the request body parsed as an HTML form (the OAuth endpoints take forms)."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclasses.dataclass
class Injection:
    """A failure or a late reply waiting for the next requests to one endpoint."""

    endpoint: str
    remaining: int
    kind: str | None = None
    delay: float = 0.0

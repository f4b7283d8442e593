"""State of an OAuth 2.0 test server: clock, clients, logins, codes, tokens, injections, calls.

The X and LinkedIn test servers each keep one `OAuthStore`. Their network-specific
rules (which errors, whether refresh tokens rotate) live in their own modules.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import hmac
import threading
import time
from collections import deque

from tests.fakes.oauth_records import (
    ApiCall,
    AuthorizationCode,
    Injection,
    IssuedToken,
    RegisteredClient,
    TokenKind,
    TokenState,
    new_secret,
)


def s256_challenge(verifier: str) -> str:
    """Return the PKCE S256 code challenge for `verifier` (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str, challenge: str, method: str) -> bool:
    """Check a PKCE code verifier against the challenge sent to the authorize endpoint."""
    try:
        expected = s256_challenge(verifier) if method == "S256" else verifier
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected.encode(), challenge.encode())


@dataclasses.dataclass(frozen=True)
class Login:
    """Who logs in at the next authorize request, and whether they refuse.

    `deny_error` is the `error` value the server redirects with when the user
    refuses, or None when the user allows access.
    """

    user_id: str | None
    deny_error: str | None = None


class OAuthStore:
    """Everything an OAuth test server remembers, behind one reentrant lock.

    The server's event loop and test threads both call in. A handler that needs
    several steps to happen atomically (check a refresh token, then rotate it) takes
    `lock` around them. The methods here take it too, which is safe because it is
    reentrant. Methods named `find_*` return the live record, so call them with
    `lock` held. The others return copies.

    The clock is real Unix time plus an offset that `advance` raises. `start_at`
    (Unix seconds) sets where it starts, so it can follow a test's fake clock.
    """

    def __init__(self, *, start_at: float | None = None) -> None:
        self.lock = threading.RLock()
        self._start_offset = start_at - time.time() if start_at is not None else 0.0
        self._offset = self._start_offset
        self._clients: dict[str, RegisteredClient] = {}
        self._accounts: list[str] = []
        self._logins: deque[Login] = deque()
        self._codes: dict[str, AuthorizationCode] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._injections: list[Injection] = []
        self._calls: list[ApiCall] = []

    def reset(self) -> None:
        """Forget accounts, logins, codes, tokens, injections and calls, and reset the clock.

        Registered clients stay.
        """
        with self.lock:
            self._offset = self._start_offset
            self._accounts.clear()
            self._logins.clear()
            self._codes.clear()
            self._tokens.clear()
            self._injections.clear()
            self._calls.clear()

    # Clock

    def now(self) -> float:
        with self.lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(
                f"advance() needs seconds >= 0 because the clock cannot go back, got {seconds}"
            )
        with self.lock:
            self._offset += seconds

    # Clients and accounts

    def register_client(self, client: RegisteredClient) -> None:
        with self.lock:
            self._clients[client.client_id] = client

    def client(self, client_id: str) -> RegisteredClient | None:
        with self.lock:
            return self._clients.get(client_id)

    def add_account(self, user_id: str) -> None:
        """Remember an account that can log in. The first one added logs in by default."""
        with self.lock:
            if user_id in self._accounts:
                raise ValueError(f"an account with id {user_id!r} exists already")
            self._accounts.append(user_id)

    def has_account(self, user_id: str) -> bool:
        with self.lock:
            return user_id in self._accounts

    def queue_login(self, login: Login) -> None:
        with self.lock:
            if login.user_id is not None and login.user_id not in self._accounts:
                raise ValueError(f"no account with id {login.user_id!r}; add it first")
            self._logins.append(login)

    def take_login(self) -> Login | None:
        """Return the login queued for this authorize request, else the first account's.

        Returns None when nothing is queued and no account exists.
        """
        with self.lock:
            if self._logins:
                return self._logins.popleft()
            if self._accounts:
                return Login(self._accounts[0])
            return None

    # Codes and tokens

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        user_id: str,
        scopes: tuple[str, ...],
        lifetime: float,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
        prefix: str = "",
    ) -> AuthorizationCode:
        with self.lock:
            now = self.now()
            code = AuthorizationCode(
                code=new_secret(prefix, 64),
                client_id=client_id,
                redirect_uri=redirect_uri,
                user_id=user_id,
                scopes=scopes,
                issued_at=now,
                expires_at=now + lifetime,
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method,
            )
            self._codes[code.code] = code
            return copy.copy(code)

    def find_code(self, value: str) -> AuthorizationCode | None:
        with self.lock:
            return self._codes.get(value)

    def issue_token(
        self,
        kind: TokenKind,
        *,
        client_id: str,
        user_id: str,
        scopes: tuple[str, ...],
        grant_id: str,
        lifetime: float | None,
        expires_at: float | None = None,
        prefix: str = "",
    ) -> IssuedToken:
        """Create a token valid for `lifetime` seconds (None: no expiry) or until `expires_at`."""
        with self.lock:
            now = self.now()
            if expires_at is None and lifetime is not None:
                expires_at = now + lifetime
            token = IssuedToken(
                value=new_secret(prefix, 86),
                kind=kind,
                client_id=client_id,
                user_id=user_id,
                scopes=scopes,
                grant_id=grant_id,
                issued_at=now,
                expires_at=expires_at,
            )
            self._tokens[token.value] = token
            return copy.copy(token)

    def find_token(self, value: str) -> IssuedToken | None:
        with self.lock:
            return self._tokens.get(value)

    def token_state(self, value: str, kind: TokenKind) -> tuple[TokenState, IssuedToken | None]:
        """Return the state of a token of `kind` and a copy of it, or "unknown" and None."""
        with self.lock:
            token = self._tokens.get(value)
            if token is None or token.kind != kind:
                return "unknown", None
            return token.state(self.now()), copy.copy(token)

    def tokens(self) -> list[IssuedToken]:
        with self.lock:
            return [copy.copy(token) for token in self._tokens.values()]

    def revoke(self, value: str) -> bool:
        """Revoke a token. Return False if the server never issued it."""
        with self.lock:
            token = self._tokens.get(value)
            if token is None:
                return False
            token.revoked = True
            return True

    def revoke_where(self, *, client_id: str, user_id: str, keep_scopes: tuple[str, ...]) -> None:
        """Revoke the user's tokens for the client whose scopes differ from `keep_scopes`."""
        with self.lock:
            for token in self._tokens.values():
                same_login = token.client_id == client_id and token.user_id == user_id
                if same_login and set(token.scopes) != set(keep_scopes):
                    token.revoked = True

    def expire(self, value: str) -> bool:
        """Make a token expire now. Return False if the server never issued it."""
        with self.lock:
            token = self._tokens.get(value)
            if token is None:
                return False
            token.expires_at = self.now()
            return True

    # Failure injection

    def add_injection(self, injection: Injection) -> None:
        with self.lock:
            self._injections.append(injection)

    def take_injection(self, endpoint: str) -> Injection | None:
        """Use up one request of the oldest injection waiting for `endpoint`."""
        with self.lock:
            for injection in self._injections:
                if injection.endpoint == endpoint and injection.remaining > 0:
                    injection.remaining -= 1
                    return copy.copy(injection)
            return None

    # Call log

    def record_call(self, call: ApiCall) -> None:
        with self.lock:
            self._calls.append(call)

    def calls(self, endpoint: str | None = None) -> list[ApiCall]:
        with self.lock:
            return [
                copy.deepcopy(call)
                for call in self._calls
                if endpoint is None or call.endpoint == endpoint
            ]

"""Verification of QStash's Upstash-Signature: a compact HS256 JWT.

Claims: iss "Upstash", sub the destination URL, exp/nbf/iat, jti, and body:
base64url of the SHA-256 of the raw body. We check each ourselves, rather
than through the SDK's Receiver, so a rejection can be logged with the check
that failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

import jwt

# Seconds of clock difference tolerated on exp and nbf.
CLOCK_TOLERANCE = 5


class SignatureRejected(Exception):
    """The delivery is not from QStash, or not for this URL and body; `check` names why."""

    def __init__(self, check: str) -> None:
        super().__init__(f"QStash signature rejected: {check}")
        self.check = check


def verify_signature(
    signature: str | None, body: bytes, url: str, keys: Sequence[str]
) -> dict[str, object]:
    """Return the claims when some key verifies every check; raise SignatureRejected otherwise.

    Keys are tried in order (current, then next), as QStash signs with the
    next key once the keys are rolled.
    """
    if not signature:
        raise SignatureRejected("missing Upstash-Signature header")

    failures = []
    for key in keys:
        try:
            return _verify_with_key(signature, body, url, key)
        except SignatureRejected as error:
            failures.append(error.check)
    raise SignatureRejected(" / ".join(failures) or "no signing key configured")


def _verify_with_key(signature: str, body: bytes, url: str, key: str) -> dict[str, object]:
    try:
        claims: dict[str, object] = jwt.decode(
            signature,
            key,
            algorithms=["HS256"],
            issuer="Upstash",
            leeway=CLOCK_TOLERANCE,
            options={"require": ["iss", "sub", "exp", "nbf", "body"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise SignatureRejected("token expired") from error
    except jwt.ImmatureSignatureError as error:
        raise SignatureRejected("token not yet valid") from error
    except jwt.InvalidIssuerError as error:
        raise SignatureRejected("wrong issuer") from error
    except jwt.InvalidSignatureError as error:
        raise SignatureRejected("signature does not match the key") from error
    except jwt.InvalidTokenError as error:
        raise SignatureRejected(f"malformed token ({type(error).__name__})") from error

    if claims.get("sub") != url:
        raise SignatureRejected(f"signed for another URL than {url}")

    expected = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode().rstrip("=")
    given = str(claims.get("body", "")).rstrip("=")
    if not hmac.compare_digest(given, expected):
        raise SignatureRejected("body hash does not match the body")
    return claims

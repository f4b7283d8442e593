"""Sign deliveries the way QStash does: a compact HS256 JWT in `Upstash-Signature`.

The QStash security docs list these claims:

- `iss`: "Upstash";
- `sub`: the URL the request is sent to;
- `iat` and `nbf`: now, and `exp`: five minutes later, in real Unix seconds
  because receivers check them against their own clock;
- `jti`: a unique id;
- `body`: the base64url SHA-256 of the raw body, with its `=` padding kept.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any

import jwt

from tests.fakes.qstash_records import new_id

ISSUER = "Upstash"
SIGNATURE_LIFETIME = 300


def new_signing_key() -> str:
    """Return a random key shaped like QStash's (`sig_…`).

    It is 44 bytes long because PyJWT warns about HS256 keys shorter than 32 bytes.
    """
    return new_id("sig_", length=40)


def body_hash(body: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode()


def delivery_claims(url: str, body: bytes, now: int | None = None) -> dict[str, Any]:
    """Return the claims QStash signs for a request to `url` carrying `body`."""
    issued_at = int(time.time()) if now is None else now
    return {
        "iss": ISSUER,
        "sub": url,
        "exp": issued_at + SIGNATURE_LIFETIME,
        "nbf": issued_at,
        "iat": issued_at,
        "jti": new_id("jwt_"),
        "body": body_hash(body),
    }


def encode_signature(claims: dict[str, Any], key: str) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def sign_delivery(url: str, body: bytes, key: str) -> str:
    """Return the `Upstash-Signature` value for a delivery of `body` to `url`."""
    return encode_signature(delivery_claims(url, body), key)

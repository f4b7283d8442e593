"""The OpenID Connect ID token the LinkedIn test server adds to its token replies.

LinkedIn signs ID tokens with RS256 and publishes the public keys at
`/oauth/openid/jwks`. The claims follow a real token quoted in 2025: `iss`
"https://www.linkedin.com/oauth", `aud` the client id, one hour of validity, the
member's profile, `email_verified` as the string "true" and `locale` as "en_US".
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.linkedin_records import FakeMember

ISSUER = "https://www.linkedin.com/oauth"
ID_TOKEN_LIFETIME = 3600


class IdTokenSigner:
    """Signs ID tokens with an RSA key made on first use, and serves its JWKS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None
        self._key_id = str(uuid.uuid4())

    def _private_key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    def sign(self, member: FakeMember, client_id: str, scopes: tuple[str, ...], now: float) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": client_id,
            "iat": int(now),
            "exp": int(now) + ID_TOKEN_LIFETIME,
            "sub": member.sub,
        }
        if "profile" in scopes:
            claims.update(
                name=member.name,
                given_name=member.given_name,
                family_name=member.family_name,
                picture=member.picture,
            )
        if "email" in scopes:
            claims.update(email=member.email, email_verified="true")
        claims["locale"] = f"{member.language}_{member.country}"
        headers = {"kid": self._key_id, "typ": "JWT"}
        return jwt.encode(claims, self._private_key(), algorithm="RS256", headers=headers)

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._private_key().public_key()))
        jwk.update(kid=self._key_id, use="sig", alg="RS256")
        return {"keys": [jwk]}

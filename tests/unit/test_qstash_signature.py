"""Verification of QStash delivery signatures, check by check."""

from __future__ import annotations

import time

import pytest

from callbacks.qstash_signature import SignatureRejected, verify_signature
from tests.fakes.qstash_signing import (
    delivery_claims,
    encode_signature,
    new_signing_key,
    sign_delivery,
)

URL = "https://postlater.example/qstash/publish"
BODY = b'{"post_id": 1, "version": 2, "run_at": "2026-03-28T08:00:00+00:00"}'
CURRENT, NEXT = new_signing_key(), new_signing_key()


def test_signature_with_current_key_is_accepted() -> None:
    claims = verify_signature(sign_delivery(URL, BODY, CURRENT), BODY, URL, [CURRENT, NEXT])

    assert claims["sub"] == URL


def test_signature_with_next_key_is_accepted() -> None:
    claims = verify_signature(sign_delivery(URL, BODY, NEXT), BODY, URL, [CURRENT, NEXT])

    assert claims["iss"] == "Upstash"


@pytest.mark.parametrize(
    ("signature", "body", "url", "check"),
    [
        (None, BODY, URL, "missing Upstash-Signature"),
        ("not-a-jwt", BODY, URL, "malformed token"),
        (sign_delivery(URL, BODY, new_signing_key()), BODY, URL, "does not match the key"),
        (sign_delivery(URL, BODY, CURRENT), BODY + b" ", URL, "body hash"),
        (sign_delivery(URL, BODY, CURRENT), BODY, URL + "?x=1", "another URL"),
    ],
    ids=["missing", "malformed", "wrong-key", "tampered-body", "wrong-url"],
)
def test_signature_check_names_what_failed(
    signature: str | None, body: bytes, url: str, check: str
) -> None:
    with pytest.raises(SignatureRejected, match=check):
        verify_signature(signature, body, url, [CURRENT, NEXT])


def test_expired_signature_is_rejected() -> None:
    claims = delivery_claims(URL, BODY, now=int(time.time()) - 3600)

    with pytest.raises(SignatureRejected, match="expired"):
        verify_signature(encode_signature(claims, CURRENT), BODY, URL, [CURRENT])


def test_signature_from_the_future_is_rejected() -> None:
    claims = delivery_claims(URL, BODY, now=int(time.time()) + 3600)

    with pytest.raises(SignatureRejected, match="not yet valid"):
        verify_signature(encode_signature(claims, CURRENT), BODY, URL, [CURRENT])


def test_wrong_issuer_is_rejected() -> None:
    claims = {**delivery_claims(URL, BODY), "iss": "Someone"}

    with pytest.raises(SignatureRejected, match="wrong issuer"):
        verify_signature(encode_signature(claims, CURRENT), BODY, URL, [CURRENT])


def test_unpadded_body_hash_is_accepted() -> None:
    claims = delivery_claims(URL, BODY)
    claims["body"] = str(claims["body"]).rstrip("=")

    verify_signature(encode_signature(claims, CURRENT), BODY, URL, [CURRENT])

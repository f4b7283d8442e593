"""Platform rules checked at preview time: LinkedIn escaping and X's weighted length."""

from __future__ import annotations

import httpx
import pytest

from domain.clock import FakeClock
from networks.linkedin import escape_commentary
from networks.x import XClient


def test_linkedin_escapes_every_reserved_character() -> None:
    escaped = escape_commentary("Launch (beta) #1 @home <3 a_b")

    assert escaped == r"Launch \(beta\) \#1 \@home \<3 a\_b"


def test_linkedin_escapes_backslash_once() -> None:
    assert escape_commentary("a\\b|{}[]*~>") == r"a\\b\|\{\}\[\]\*\~\>"


def test_linkedin_leaves_plain_text_alone() -> None:
    assert escape_commentary("Hello, world! 50% off.") == "Hello, world! 50% off."


@pytest.fixture
def x() -> XClient:
    return XClient(
        httpx.AsyncClient(),
        FakeClock(),
        client_id="id",
        client_secret="secret",
        redirect_uri="https://bot.example/oauth/x/callback",
        authorize_url="https://x.example/i/oauth2/authorize",
        api_base_url="https://api.x.example",
    )


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("hello", 5),
        ("😀", 2),
        ("日本語", 6),
        ("… € •", 8),
        ("see https://example.com/a/very/long/path/that/goes/on/and/on", 27),
        ("e\u0301", 1),
    ],
    ids=["latin", "emoji", "cjk", "punctuation", "url", "nfc"],
)
def test_x_counts_weighted_length(x: XClient, text: str, weight: int) -> None:
    assert x.measure(text) == weight


def test_x_limit_is_280(x: XClient) -> None:
    assert x.measure("a" * 280) == x.max_length(None)  # type: ignore[arg-type]
    assert x.measure("😀" * 141) == 282

"""Accounts and posts kept by the X test server, and how it turns a text into a stored post."""

from __future__ import annotations

import dataclasses
import secrets
import string
import unicodedata

from twitter_text import parse_tweet
from twitter_text.extract_urls import extract_urls_with_indices

# X's weighted length limit for a post, as twitter-text's default (v3) config counts it.
MAX_WEIGHTED_LENGTH = 280
# The first snowflake id's time: X ids hold milliseconds since this epoch (in ms).
_SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
_SLUG_ALPHABET = string.ascii_letters + string.digits


@dataclasses.dataclass(frozen=True)
class FakeXUser:
    """An X account that can log in: the fields `GET /2/users/me` returns."""

    id: str
    name: str
    username: str


@dataclasses.dataclass(frozen=True)
class FakeTweet:
    """A post created through `POST /2/tweets`."""

    id: str
    author_id: str
    text: str
    """The text as X stores and returns it: NFC, with every URL replaced by a t.co link."""
    sent_text: str
    """The `text` field exactly as the client sent it."""
    urls: tuple[tuple[str, str], ...]
    """(t.co link, URL as written) for each link in the text."""
    created_at: float
    request: dict[str, object]
    """The whole JSON body of the request."""

    @property
    def link(self) -> str:
        return f"https://x.com/i/web/status/{self.id}"


def weighted_length(text: str) -> int:
    """Return X's weighted length of `text`: NFC, most Latin 1, emoji and CJK 2, URLs 23."""
    return int(parse_tweet(unicodedata.normalize("NFC", text)).weightedLength)


def wrap_urls(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Replace each URL in NFC `text` with a t.co link, as X does with a post's text."""
    pieces: list[str] = []
    urls: list[tuple[str, str]] = []
    position = 0
    for found in extract_urls_with_indices(text):
        start, end = found["indices"]
        link = "https://t.co/" + "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(10))
        pieces.append(text[position:start])
        pieces.append(link)
        urls.append((link, text[start:end]))
        position = end
    pieces.append(text[position:])
    return "".join(pieces), tuple(urls)


def snowflake_id(now: float, sequence: int) -> str:
    """Return a post id shaped like X's: a 64-bit snowflake that grows with time."""
    milliseconds = int(now * 1000) - _SNOWFLAKE_EPOCH_MS
    return str((milliseconds << 22) | (sequence & 0xFFF))


def new_user_id() -> str:
    """Return a random numeric account id of the length new X accounts get."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)

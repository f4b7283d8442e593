"""Members and posts kept by the LinkedIn test server."""

from __future__ import annotations

import dataclasses
import secrets
import string
from datetime import UTC, datetime

# Member ids (`sub`) are 10 characters of this alphabet, as in LinkedIn's replies.
_SUB_ALPHABET = string.ascii_letters + string.digits + "-_"
MAX_COMMENTARY_LENGTH = 3000


@dataclasses.dataclass(frozen=True)
class FakeMember:
    """A LinkedIn member who can log in: what `GET /v2/userinfo` returns about them."""

    sub: str
    name: str
    given_name: str
    family_name: str
    email: str
    picture: str
    language: str = "en"
    country: str = "US"

    @property
    def urn(self) -> str:
        """The author URN for posts by this member."""
        return f"urn:li:person:{self.sub}"


@dataclasses.dataclass(frozen=True)
class FakeLinkedInPost:
    """A post created through `POST /rest/posts`."""

    urn: str
    author: str
    text: str
    """The text as LinkedIn shows it: escapes resolved, cut at an unescaped reserved character."""
    commentary: str
    """The `commentary` field exactly as the client sent it."""
    cut_at: int | None
    """Where in `commentary` LinkedIn stopped reading, or None when it kept the whole text."""
    visibility: str
    feed_distribution: str
    lifecycle_state: str
    reshare_disabled: bool
    version: str
    """The `LinkedIn-Version` header of the request."""
    created_at: float
    request: dict[str, object]
    """The whole JSON body of the request."""

    @property
    def truncated(self) -> bool:
        return self.cut_at is not None

    @property
    def link(self) -> str:
        return f"https://www.linkedin.com/feed/update/{self.urn}/"


def new_sub() -> str:
    return "".join(secrets.choice(_SUB_ALPHABET) for _ in range(10))


def new_share_number() -> str:
    """Return a 19-digit number like the ones in LinkedIn's share and ugcPost URNs."""
    return str(7_000_000_000_000_000_000 + secrets.randbelow(10**18))


def month_version(now: float, months_back: int = 0) -> str:
    """Return the `LinkedIn-Version` (YYYYMM) of the month `months_back` before `now`."""
    moment = datetime.fromtimestamp(now, UTC)
    index = moment.year * 12 + moment.month - 1 - months_back
    return f"{index // 12:04d}{index % 12 + 1:02d}"


def utf16_length(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, as Java's String.length() counts."""
    return len(text.encode("utf-16-le")) // 2

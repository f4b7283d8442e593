"""Recognise the names people use for the platforms a post goes to."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.model import Platform
from domain.parsing.tokens import Kind, Token

_ALIASES: tuple[tuple[tuple[str, ...], Platform], ...] = (
    (("linked", "in"), Platform.LINKEDIN),
    (("linkedin",), Platform.LINKEDIN),
    (("li",), Platform.LINKEDIN),
    (("x",), Platform.X),
    (("twitter",), Platform.X),
    (("tw",), Platform.X),
    (("telegram",), Platform.TELEGRAM),
    (("tg",), Platform.TELEGRAM),
    (("channel",), Platform.TELEGRAM),
    (("mastodon",), Platform.MASTODON),
    (("blue", "sky"), Platform.BLUESKY),
    (("bluesky",), Platform.BLUESKY),
    (("bsky",), Platform.BLUESKY),
)


def _index_by_first_word() -> dict[str, list[tuple[tuple[str, ...], Platform]]]:
    index: dict[str, list[tuple[tuple[str, ...], Platform]]] = {}
    for alias, platform in _ALIASES:
        index.setdefault(alias[0], []).append((alias, platform))
    return index


_ALIASES_BY_FIRST_WORD = _index_by_first_word()

# "my channel", "our LinkedIn page", "the X account"
DETERMINERS = frozenset({"my", "our", "the"})
_PAGE_WORDS = frozenset({"channel", "account", "page", "profile", "feed", "timeline"})

# Telegram usernames are 5 to 32 characters long. They use a-z, 0-9 and
# underscores and start with a letter.
_CHANNEL_USERNAME = re.compile(r"@[a-z][a-z0-9_]{4,31}")


@dataclass(frozen=True)
class PlatformMatch:
    platform: Platform
    channel: str | None  # the @username of a Telegram channel, as typed
    end: int  # index after the last token of the name


def match_platform(tokens: Sequence[Token], index: int, text: str) -> PlatformMatch | None:
    """Match a platform name starting at index; text is what the tokens were split from."""
    position = index
    if _text(tokens, position) in DETERMINERS:
        position += 1

    token = tokens[position] if position < len(tokens) else None
    if token is not None and token.kind is Kind.HANDLE:
        if _CHANNEL_USERNAME.fullmatch(token.text) is None:
            return None
        return PlatformMatch(Platform.TELEGRAM, text[token.start : token.end], position + 1)

    for alias, platform in _ALIASES_BY_FIRST_WORD.get(_text(tokens, position) or "", ()):
        if all(_text(tokens, position + offset) == word for offset, word in enumerate(alias)):
            end = position + len(alias)
            if _text(tokens, end) in _PAGE_WORDS:
                end += 1
            return PlatformMatch(platform, None, end)
    return None


def _text(tokens: Sequence[Token], index: int) -> str | None:
    return tokens[index].text if index < len(tokens) else None

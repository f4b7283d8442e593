"""LinkedIn's "little text" format, in which a post's `commentary` is written.

In little text the characters `| { } @ [ ] ( ) < > # \\ * _ ~` are reserved, and
LinkedIn's docs ask for a backslash before each one meant as plain text (`\\(`
shows `(`). Unescaped, a reserved character may only start one of the elements
the docs define: a mention `@[Name](urn:li:person:ID)`, a hashtag `#word`, or the
hashtag template `{hashtag|\\#|word}`. Developers report that
anything else, such as the first `(` of a text, makes LinkedIn keep the text up to
that character and silently drop the rest, while the API still returns 201.
"""

from __future__ import annotations

import dataclasses
import re

RESERVED = frozenset("|{}@[]()<>#\\*_~")

_MENTION = re.compile(
    r"@\[(?P<name>(?:\\.|[^\]\\])*)\]\((?P<urn>urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)"
)
_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\#\|(?P<tag>[^{}|\\\s]+)\}")
# NOTE: which characters may follow `#` in a hashtag element is not documented.
# Letters and digits are assumed, and a `#` before anything else cuts the text.
_HASHTAG = re.compile(r"#(?P<tag>[^\W_]+)")
_ESCAPE = re.compile(r"\\(.)")


@dataclasses.dataclass(frozen=True)
class LittleText:
    """What LinkedIn makes of a commentary: the text it shows, and where it cut it."""

    text: str
    cut_at: int | None
    """Index in the commentary of the unescaped reserved character that ended the text."""
    mentions: tuple[str, ...] = ()
    """URNs of the mentioned people and organizations."""
    hashtags: tuple[str, ...] = ()


def parse_commentary(commentary: str) -> LittleText:
    """Return the text LinkedIn would display for `commentary`."""
    shown: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    position = 0
    while position < len(commentary):
        char = commentary[position]
        if char not in RESERVED:
            shown.append(char)
            position += 1
            continue

        following = commentary[position + 1 : position + 2]
        if char == "\\" and following and following in RESERVED:
            shown.append(following)
            position += 2
            continue

        mention = _MENTION.match(commentary, position) if char == "@" else None
        if mention is not None:
            shown.append(_ESCAPE.sub(r"\1", mention["name"]))
            mentions.append(mention["urn"])
            position = mention.end()
            continue

        hashtag = None
        if char == "{":
            hashtag = _HASHTAG_TEMPLATE.match(commentary, position)
        elif char == "#":
            hashtag = _HASHTAG.match(commentary, position)
        if hashtag is not None:
            shown.append("#" + hashtag["tag"])
            hashtags.append(hashtag["tag"])
            position = hashtag.end()
            continue

        return LittleText("".join(shown), position, tuple(mentions), tuple(hashtags))
    return LittleText("".join(shown), None, tuple(mentions), tuple(hashtags))


def escape(text: str) -> str:
    """Escape every reserved character of `text`, so that LinkedIn shows it unchanged."""
    return "".join("\\" + char if char in RESERVED else char for char in text)

"""Split a command clause into the tokens the time and request grammars read."""

from __future__ import annotations

import enum
import itertools
import re
from typing import NamedTuple


class Kind(enum.Enum):
    WORD = "word"
    NUMBER = "number"  # ASCII digits only
    DECIMAL = "decimal"  # 1.5
    CLOCK = "clock"  # 9:30, 21:30:00
    ISO_DATE = "iso_date"  # 2026-03-31
    DOTTED_DATE = "dotted_date"  # 31.03. or 31.03.2026
    SLASHED_DATE = "slashed_date"  # 3/31, 31/3/2026, also the fraction 1/2
    HANDLE = "handle"  # @acme_news
    PUNCT = "punct"  # any other single character that is not a space


class Token(NamedTuple):
    kind: Kind
    text: str  # lower case; "a.m." and "p.m." become "am" and "pm"
    start: int  # offsets into the text that was split
    end: int


# Each alternative is a bounded run of digits or a single character class, and
# each lookahead reads one character, so matching takes time linear in the input.
# Digits are ASCII on purpose. int() would also accept digits of other scripts,
# but nobody types a time in them next to English words.
_TOKEN = re.compile(
    r"""
      (?P<iso_date>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})(?![0-9])
    | (?P<dotted_date>[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{4}(?![0-9])|[0-9]{2}(?![0-9]))?)
    | (?P<slashed_date>[0-9]{1,2}/[0-9]{1,2}(?:/(?:[0-9]{4}|[0-9]{2}))?)(?![0-9/])
    | (?P<clock>[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)(?![0-9:])
    | (?P<decimal>[0-9]+\.[0-9]+)
    | (?P<number>[0-9]+)
    | (?P<meridiem>[ap]\.m\b\.?)
    | (?P<handle>@[a-z][a-z0-9_]*)
    | (?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)
    | (?P<punct>\S)
    """,
    re.VERBOSE | re.IGNORECASE,
)


def tokenize(text: str, limit: int | None = None) -> list[Token]:
    """Split text into at most limit tokens, keeping each token's offsets into text."""
    tokens = []
    for match in itertools.islice(_TOKEN.finditer(text), limit):
        group = match.lastgroup
        if group is None:
            continue

        value = match.group().lower()
        if group == "meridiem":
            kind, value = Kind.WORD, value[0] + "m"
        else:
            kind = Kind(group)
            value = value.replace("’", "'")
        tokens.append(Token(kind, value, match.start(), match.end()))
    return tokens


def span_text(text: str, tokens: list[Token]) -> str:
    """Join the text under tokens, one space between runs that other words separate."""
    pieces: list[str] = []
    run_start = run_end = -1
    for token in tokens:
        if run_start >= 0 and text[run_end : token.start].strip() == "":
            run_end = token.end
            continue
        if run_start >= 0:
            pieces.append(text[run_start:run_end])
        run_start, run_end = token.start, token.end
    if run_start >= 0:
        pieces.append(text[run_start:run_end])
    return " ".join(pieces)

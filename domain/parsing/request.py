"""Read a chat message as a schedule request: platforms, time and inline content.

A request is one of two shapes, and anything else is a plain message that the
bot keeps as the draft:

- it starts with a verb (post, tweet, share, schedule, publish, send, toot),
  optionally after "please": "post this to LinkedIn tomorrow 9am";
- its first line or clause is only platforms and a time: "LinkedIn, Monday 10:00".

Only the command clause is read for platforms and time. The content (after a
colon, on the following lines, or in double quotes) is never read for either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.model import DateOrder, Platform
from domain.parsing import lexicon
from domain.parsing.grammar import read_time
from domain.parsing.platforms import DETERMINERS, match_platform
from domain.parsing.results import ScheduleRequest
from domain.parsing.tokens import Kind, Token, tokenize
from domain.parsing.when import MAX_TOKENS, check_aware, read_when

# Verbs that start a request, and the platform a verb names by itself.
_VERBS: dict[str, Platform | None] = {
    "post": None,
    "share": None,
    "schedule": None,
    "publish": None,
    "send": None,
    "crosspost": None,
    "tweet": Platform.X,
    "toot": Platform.MASTODON,
    "skeet": Platform.BLUESKY,
}

# "post this", "schedule it", "share the above", "post this tweet"
_OBJECT_WORDS = frozenset({"this", "that", "it", "these", "my", "our", "the"})
_OBJECT_NOUNS: dict[str, Platform | None] = {
    "post": None,
    "message": None,
    "draft": None,
    "text": None,
    "one": None,
    "above": None,
    "update": None,
    "content": None,
    "announcement": None,
    "tweet": Platform.X,
    "toot": Platform.MASTODON,
}

# Words before a platform name: "to LinkedIn", "on X", "in my channel".
_PLATFORM_PREPOSITIONS = frozenset({"to", "on", "in", "at", "via", "onto", "into"})
# Prepositions after which any word is a platform, known or not: "to myspace".
_SLOT_PREPOSITIONS = frozenset({"to", "on", "via", "onto"})
_LIST_JOINERS = frozenset({"and", ",", "&", "+", "/"})

# Double quotes in the forms people type: "…", “…”, „…“, „…” and «…».
_QUOTE_PAIRS = (('"', '"'), ("“", "”"), ("„", "“"), ("„", "”"), ("«", "»"))
# Single quotes double as apostrophes ("We're"), so they count as quotes only
# where a word starts ('We are hiring') or ends (hiring' to X).
_SINGLE_QUOTE_PAIRS = (("'", "'"), ("‘", "’"))
# A colon that starts the content; "9:30" has none because a digit follows.
_CONTENT_COLON = re.compile(r":(?=\s|$)")


@dataclass
class _Slots:
    """Platforms and time tokens found in a command clause."""

    platforms: list[Platform] = field(default_factory=list)
    channel: str | None = None
    unknown_platform: str | None = None
    named_slot: bool = False  # a platform, known or not, was written out
    time_tokens: list[Token] = field(default_factory=list)

    def add(self, platform: Platform) -> None:
        if platform not in self.platforms:
            self.platforms.append(platform)


def parse_request(
    text: str, *, now: datetime, tz: ZoneInfo, date_order: DateOrder | None = None
) -> ScheduleRequest | None:
    """Read a message as a schedule request, or return None when it is a plain message.

    now must be timezone-aware; times in the result are in UTC. Never raises for
    any text.
    """
    check_aware(now)
    clause, content = split_content(text)
    tokens = tokenize(clause, limit=MAX_TOKENS + 1)
    if len(tokens) > MAX_TOKENS:
        return None

    slots = _read_verb_request(tokens, clause)
    if slots is None:
        slots = _read_platform_first_request(tokens, clause)
    if slots is None:
        return None

    time = None
    if slots.time_tokens:
        when = read_when(clause, slots.time_tokens, now=now, tz=tz, date_order=date_order)
        if not _only_fillers(slots.time_tokens):
            time = when
    return ScheduleRequest(
        platforms=tuple(slots.platforms),
        channel=slots.channel,
        unknown_platform=slots.unknown_platform,
        content=content,
        time=time,
    )


def split_content(text: str) -> tuple[str, str | None]:
    """Split a message into its command clause and the inline content, if any.

    The command clause is the first non-blank line without its first quoted text
    and without what follows a content colon. The content is the quoted text, the
    text after the colon and the following lines, joined by newlines. The
    following lines keep their indentation; blank lines around the content go.
    """
    lines = text.strip().splitlines()
    first_line = lines[0] if lines else ""
    pieces: list[str] = []

    quoted = _find_quoted(first_line)
    colon = _CONTENT_COLON.search(first_line)
    if colon is not None and quoted is not None and colon.start() < quoted[0]:
        quoted = None  # the quotes are part of the content after the colon
    if quoted is not None:
        start, end = quoted
        pieces.append(first_line[start + 1 : end - 1])
        first_line = first_line[:start] + " " + first_line[end:]

    colon = _CONTENT_COLON.search(first_line)
    if colon is not None:
        pieces.append(first_line[colon.end() :])
        first_line = first_line[: colon.start()]

    content_lines = [piece.strip() for piece in pieces] + lines[1:]
    filled = [index for index, line in enumerate(content_lines) if line.strip()]
    if not filled:
        return first_line, None
    return first_line, "\n".join(content_lines[filled[0] : filled[-1] + 1])


def _find_quoted(line: str) -> tuple[int, int] | None:
    """Return the span of the earliest quoted text, quotes included."""
    spans = []
    for opening, closing in _QUOTE_PAIRS:
        start = line.find(opening)
        end = line.find(closing, start + 1) if start >= 0 else -1
        if end >= 0:
            spans.append((start, end + 1))
    for opening, closing in _SINGLE_QUOTE_PAIRS:
        span = _find_single_quoted(line, opening, closing)
        if span is not None:
            spans.append(span)
    return min(spans, default=None)


def _find_single_quoted(line: str, opening: str, closing: str) -> tuple[int, int] | None:
    start = line.find(opening)
    while start > 0 and not line[start - 1].isspace():
        start = line.find(opening, start + 1)
    if start < 0:
        return None

    end = line.find(closing, start + 1)
    while end >= 0 and end + 1 < len(line) and line[end + 1].isalnum():
        end = line.find(closing, end + 1)
    return (start, end + 1) if end >= 0 else None


_ASKING = frozenset({"can", "could", "would", "will"})


def _read_verb_request(tokens: Sequence[Token], clause: str) -> _Slots | None:
    position = 0
    if _text(tokens, position) in ("please", "pls", "plz"):
        position += 1
    # A polite question: "can you post this ...", "could you please tweet ...".
    if _text(tokens, position) in _ASKING and _text(tokens, position + 1) == "you":
        position += 2
        if _text(tokens, position) in ("please", "pls", "plz"):
            position += 1
    verb = _text(tokens, position)
    if verb not in _VERBS or tokens[position].kind is not Kind.WORD:
        return None
    position += 1
    if not _starts_request(tokens, position, clause):
        return None

    slots = _Slots()
    implied = _VERBS[verb]
    if implied is not None:
        slots.add(implied)
    position, plain_words = _read_object(tokens, position, slots)
    _read_slots(tokens, position, clause, slots)

    # Words the grammar does not know are tolerated only in a clause that names
    # a platform, so that "Share this with your team on Monday" stays a draft.
    has_unknown = plain_words > 0 or read_time(slots.time_tokens).has_unknown
    if has_unknown and not slots.named_slot:
        return None
    return slots


def _starts_request(tokens: Sequence[Token], index: int, clause: str) -> bool:
    """Check that the word after the verb continues a command, unlike "Share your story"."""
    if index >= len(tokens):
        return True
    token = tokens[index]
    if token.kind is not Kind.WORD:
        return token.kind is not Kind.PUNCT or token.text in ("@", ",", "!", ".")
    return (
        token.text in _OBJECT_WORDS
        or token.text in _OBJECT_NOUNS
        or token.text in _PLATFORM_PREPOSITIONS
        or token.text in lexicon.TIME_WORDS
        or token.text in lexicon.FILLERS
        or match_platform(tokens, index, clause) is not None
    )


def _read_object(tokens: Sequence[Token], index: int, slots: _Slots) -> tuple[int, int]:
    """Skip the object after the verb ("this", "the above", "the news"); count unknown words."""
    position = index
    word = _text(tokens, position)
    if word not in _OBJECT_WORDS:
        return position, 0
    if word == "this" and _text(tokens, position + 1) in lexicon.THIS_PARTS:
        return position, 0  # "post this afternoon": today's afternoon, not the next one
    if (
        word == "the"
        and _text(tokens, position + 1) not in _OBJECT_NOUNS
        and not _is_plain_word(tokens, position + 1)
    ):
        return position, 0  # "the 1st", "the weekend": a time, not an object
    position += 1

    noun = _text(tokens, position)
    if noun == "one" and (
        _text(tokens, position + 1) in lexicon.UNITS or _text(tokens, position + 1) == "and"
    ):
        return position, 0  # "share this one week from now", "one and a half hours"
    if noun in _OBJECT_NOUNS:
        implied = _OBJECT_NOUNS[noun]
        if implied is not None:
            slots.add(implied)
        return position + 1, 0
    if word not in ("my", "our", "the"):
        return position, 0

    # "post my latest article to LinkedIn": words the grammar does not read.
    plain_words = 0
    while _is_plain_word(tokens, position):
        plain_words += 1
        position += 1
    return position, plain_words


def _read_slots(tokens: Sequence[Token], index: int, clause: str, slots: _Slots) -> None:
    """Sort the rest of the clause into platforms and time tokens."""
    position = index
    after_platform = False
    while position < len(tokens):
        word = tokens[position].text
        joins_list = after_platform and word in _LIST_JOINERS
        end = _read_platform(tokens, position, clause, slots)
        if end is None and (word in _PLATFORM_PREPOSITIONS or joins_list):
            end = _read_platform(tokens, position + 1, clause, slots)
        if end is None and (word in _SLOT_PREPOSITIONS or joins_list):
            end = _read_unknown_platform(tokens, position + 1, slots)
        if end is not None:
            position, after_platform = end, True
            continue

        if not joins_list:
            slots.time_tokens.append(tokens[position])
            after_platform = False
        position += 1


def _read_platform(tokens: Sequence[Token], index: int, clause: str, slots: _Slots) -> int | None:
    match = match_platform(tokens, index, clause)
    if match is None:
        return None
    slots.add(match.platform)
    slots.named_slot = True
    if match.channel is not None and slots.channel is None:
        slots.channel = match.channel
    return match.end


def _read_unknown_platform(tokens: Sequence[Token], index: int, slots: _Slots) -> int | None:
    """Read "myspace" in "to myspace tomorrow": one unknown word where a platform belongs."""
    position = index
    if _text(tokens, position) in DETERMINERS:
        position += 1
    token = tokens[position] if position < len(tokens) else None
    if token is None or not (token.kind is Kind.HANDLE or _is_plain_word(tokens, position)):
        return None

    # The word must end the platform slot; "to your story" is a phrase, not a name.
    following = _text(tokens, position + 1)
    next_kind = tokens[position + 1].kind if following is not None else None
    ends_slot = (
        following is None
        or following in lexicon.TIME_WORDS
        or following in lexicon.FILLERS
        or following in _LIST_JOINERS
        or next_kind not in (Kind.WORD, Kind.HANDLE, Kind.PUNCT)
    )
    if not ends_slot:
        return None

    if slots.unknown_platform is None:
        slots.unknown_platform = token.text
    slots.named_slot = True
    return position + 1


def _read_platform_first_request(tokens: Sequence[Token], clause: str) -> _Slots | None:
    """Read "LinkedIn, Monday 10:00": platforms first, then a time, nothing else."""
    position = 0
    if _text(tokens, position) in ("on", "to"):
        position += 1
    slots = _Slots()
    if _read_platform(tokens, position, clause, slots) is None:
        return None
    _read_slots(tokens, position, clause, slots)

    reading = read_time(slots.time_tokens)
    if slots.unknown_platform is not None or reading.has_unknown or reading.spec.is_empty():
        return None
    return slots


def _is_plain_word(tokens: Sequence[Token], index: int) -> bool:
    """Return whether the token is a word that neither the grammar nor a platform name reads."""
    if index >= len(tokens) or tokens[index].kind is not Kind.WORD:
        return False
    word = tokens[index].text
    return (
        word not in lexicon.TIME_WORDS
        and word not in lexicon.FILLERS
        and word not in _PLATFORM_PREPOSITIONS
        and word not in DETERMINERS
        and match_platform(tokens, index, "") is None
    )


def _only_fillers(tokens: Sequence[Token]) -> bool:
    return all(token.text in lexicon.FILLERS for token in tokens)


def _text(tokens: Sequence[Token], index: int) -> str | None:
    return tokens[index].text if index < len(tokens) else None

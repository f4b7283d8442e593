"""Read a time phrase on its own, as typed to "Change time" or "Reschedule"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.model import DateOrder
from domain.parsing.grammar import read_time
from domain.parsing.resolve import resolve
from domain.parsing.results import Ask, ScheduleTime, TimeQuestion
from domain.parsing.spec import Role
from domain.parsing.tokens import Token, span_text, tokenize

# No command clause or time phrase is this long, and the cap bounds the work on
# long texts: "post this to LinkedIn, X and my channel on Monday the 30th of
# March 2026 at 9:30am please" has 27 tokens.
MAX_TOKENS = 80

# Fillers that belong to the phrase when they lead it: "on Monday", "at 9am".
_LEADING_WORDS = frozenset({"at", "on", "by", "around", "about"})


def parse_when(
    phrase: str, *, now: datetime, tz: ZoneInfo, date_order: DateOrder | None = None
) -> ScheduleTime | TimeQuestion:
    """Read a time phrase such as "tomorrow 9am", "in 2 hours" or "monday 10:00".

    now must be timezone-aware; the result is in UTC. Text that is not a time
    phrase gives TimeQuestion(Ask.TIME, phrase). Never raises for any phrase.
    """
    check_aware(now)
    tokens = tokenize(phrase, limit=MAX_TOKENS + 1)
    if len(tokens) > MAX_TOKENS:
        return TimeQuestion(Ask.TIME, phrase.strip())
    return read_when(phrase, tokens, now=now, tz=tz, date_order=date_order)


def read_when(
    text: str,
    tokens: Sequence[Token],
    *,
    now: datetime,
    tz: ZoneInfo,
    date_order: DateOrder | None,
) -> ScheduleTime | TimeQuestion:
    """Read tokens of text as a time phrase and resolve it."""
    reading = read_time(tokens)
    phrase = span_text(text, _phrase_tokens(tokens, reading.roles))
    return resolve(reading, phrase, now=now, tz=tz, date_order=date_order)


def check_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")


def _phrase_tokens(tokens: Sequence[Token], roles: Sequence[Role]) -> list[Token]:
    """Pick the tokens that show the user what was read as the time."""
    meaningful = [index for index, role in enumerate(roles) if role is not Role.FILLER]
    if not meaningful:
        return []
    first, last = meaningful[0], meaningful[-1]
    if first > 0 and tokens[first - 1].text in _LEADING_WORDS:
        first -= 1
    return list(tokens[first : last + 1])

"""Results of the parser: a schedule time, a question to ask, or a whole request."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from domain.model import Platform


class Ask(enum.StrEnum):
    """The question the bot asks, or the reason it rejects a request, instead of scheduling."""

    TIME = "time"
    PLATFORM = "platform"
    UNKNOWN_PLATFORM = "unknown_platform"
    PAST = "past"
    DATE_ORDER = "date_order"
    INVALID_DATE = "invalid_date"
    INVALID_TIME = "invalid_time"


class TimeNote(enum.StrEnum):
    """A fact about the reading that the preview must show to the user."""

    DST_GAP = "dst_gap"  # the wall time did not exist; it moved forward by the gap
    DST_FOLD = "dst_fold"  # the wall time happens twice; the first one was taken
    BARE_HOUR = "bare_hour"  # an hour with no am/pm was read as the nearest future one
    DEFAULT_TIME = "default_time"  # a day with no time: 09:00 assumed
    NEXT_YEAR = "next_year"  # a date without a year that passed this year
    IMMEDIATE = "immediate"  # now, right now, asap, immediately


@dataclass(frozen=True)
class ScheduleTime:
    """The instant a time phrase names."""

    run_at: datetime  # aware, tzinfo=UTC
    notes: frozenset[TimeNote]
    phrase: str  # the words that were read as the time


@dataclass(frozen=True)
class TimeQuestion:
    """A time phrase the bot cannot schedule without asking the user."""

    reason: Ask  # PAST, DATE_ORDER, INVALID_DATE, INVALID_TIME or TIME
    phrase: str
    # For DATE_ORDER: the UTC instant of each reading, day-month first. A reading
    # that is past (03/04/2026 read as 4 March, on 27 March) is left out.
    choices: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class ScheduleRequest:
    """A message read as "post this to <platforms> at <time>", with its content if inline."""

    platforms: tuple[Platform, ...]  # in the order written, without duplicates
    channel: str | None  # "@acme_news" when a channel username was named
    unknown_platform: str | None  # the word in the platform slot that no platform matches
    content: str | None  # after a colon, on the following lines or in quotes; else None
    time: ScheduleTime | TimeQuestion | None  # None when the request names no time at all

    @property
    def ask(self) -> Ask | None:
        """The first thing the bot must ask, or None when the request can be scheduled."""
        if self.unknown_platform is not None:
            return Ask.UNKNOWN_PLATFORM
        if not self.platforms:
            return Ask.PLATFORM
        if self.time is None:
            return Ask.TIME
        if isinstance(self.time, TimeQuestion):
            return self.time.reason
        return None

"""The parts of a time phrase as written, before they are resolved to an instant."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction

from domain.parsing.lexicon import Part
from domain.parsing.results import Ask


@dataclass(frozen=True)
class RelativeDay:
    offset: int  # days from the user's today: -1 yesterday, 0 today, 1 tomorrow


@dataclass(frozen=True)
class Tonight:
    """Today's evening and the small hours after its midnight."""


@dataclass(frozen=True)
class NextWeek:
    pass


@dataclass(frozen=True)
class Weekend:
    pass


@dataclass(frozen=True)
class NextMonth:
    pass


@dataclass(frozen=True)
class CalendarDate:
    month: int
    day: int
    year: int | None  # None: this year's, or next year's once it has passed


@dataclass(frozen=True)
class NumericDate:
    """A date like 03/04 whose order (day-month or month-day) the numbers cannot settle."""

    first: int
    second: int
    year: int | None


@dataclass(frozen=True)
class DayOfMonth:
    day: int  # "the 1st": the next 1st of a month


Day = (
    RelativeDay | Tonight | NextWeek | Weekend | NextMonth | CalendarDate | NumericDate | DayOfMonth
)


@dataclass(frozen=True)
class Clock:
    hour: int  # 0-23
    minute: int
    bare: bool  # an hour 1-12 with no am/pm, which may mean either half of the day


@dataclass(frozen=True)
class Duration:
    months: int  # calendar months, which keep the wall-clock time
    days: int  # calendar days, which keep the wall-clock time
    seconds: Fraction  # elapsed time
    negative: bool


@dataclass
class TimeSpec:
    """The parts of a time phrase as written, before they are resolved to an instant."""

    day: Day | None = None
    weekday: int | None = None  # Monday is 0
    last_weekday: bool = False  # "last Monday": a day that has passed
    # "next Friday", "coming Friday": never today, even on a Friday.
    weekday_after_today: bool = False
    clock: Clock | None = None
    part: Part | None = None
    duration: Duration | None = None
    immediate: bool = False
    conflict: bool = False  # two days, two clock times, or parts that cannot combine
    invalid: Ask | None = None  # INVALID_DATE or INVALID_TIME, found while reading

    def is_empty(self) -> bool:
        return (
            self.day is None
            and self.weekday is None
            and self.clock is None
            and self.part is None
            and self.duration is None
            and not self.immediate
            and self.invalid is None
        )


class Role(enum.Enum):
    USED = "used"  # part of a time expression
    FILLER = "filler"  # a word such as "at" or "please" between the parts
    UNKNOWN = "unknown"  # not understood


@dataclass
class TimeReading:
    spec: TimeSpec
    roles: list[Role] = field(default_factory=list)  # one per token read

    @property
    def has_unknown(self) -> bool:
        return Role.UNKNOWN in self.roles

"""An independent reading of the scheduling rules, for the generated tests.

The oracle computes the answer a careful person expects from the parts a
generator chose (a day, a clock time, a duration). It never reads text and
imports nothing from the parser, so a fault in one is not hidden by the same
fault in the other. The rules are those of tests/data/corpus/README.md; each
function below states the one it applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

# Questions and rejections, as the corpus writes them in `expect.ask`.
PAST = "past"
TIME = "time"
PLATFORM = "platform"
DATE_ORDER = "date_order"
INVALID_DATE = "invalid_date"
INVALID_TIME = "invalid_time"

DEFAULT_HOUR = 9  # a day with no time


# Days ------------------------------------------------------------------------


@dataclass(frozen=True)
class DayOffset:
    """today (0), tomorrow (1), the day after tomorrow (2), yesterday (-1)."""

    offset: int


@dataclass(frozen=True)
class Weekday:
    """Monday is 0. after_today: "next Friday", which on a Friday is a week ahead."""

    weekday: int
    after_today: bool


@dataclass(frozen=True)
class LastWeekday:
    weekday: int


@dataclass(frozen=True)
class WeekdayNextWeek:
    """ "next week" (Monday, 0) or "Tuesday next week"."""

    weekday: int


@dataclass(frozen=True)
class ThisWeekend:
    pass


@dataclass(frozen=True)
class NextMonth:
    pass


@dataclass(frozen=True)
class CalendarDate:
    """A date that may not exist (February 30); year None: this year's or the next."""

    month: int
    day: int
    year: int | None
    # "Monday, March 30": a date that falls on another weekday is invalid.
    weekday: int | None = None


@dataclass(frozen=True)
class DayOfMonth:
    """ "the 5th": the next 5th of a month, from today on; months without it are skipped."""

    day: int


@dataclass(frozen=True)
class NumericDate:
    """03/04: both numbers 1-12 and different, so either may be the month."""

    first: int
    second: int
    year: int | None


Day = (
    DayOffset
    | Weekday
    | LastWeekday
    | WeekdayNextWeek
    | ThisWeekend
    | NextMonth
    | CalendarDate
    | DayOfMonth
    | NumericDate
)


# Clock times -------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A time no one can misread: 9pm, 21:30, 09:00, 0:30."""

    hour: int  # 0-23
    minute: int


@dataclass(frozen=True)
class BareHour:
    """An hour 1-12 without am/pm: "at 9", "9:30", "5 o'clock"."""

    hour: int
    minute: int


@dataclass(frozen=True)
class DayPart:
    """A part of the day; hour 24 is midnight, 00:00 of the next day."""

    hour: int
    only_today: bool = False  # "end of day" alone is today's


@dataclass(frozen=True)
class HourInPart:
    """A bare hour with a part that says which half: "7 in the evening", "tonight at 9"."""

    hour: int  # 1-11
    minute: int
    pm: bool
    # "Monday night at 2": the small hours of a named day's night are on the next date.
    after_midnight: bool = False


@dataclass(frozen=True)
class InvalidClock:
    """25:00, 13pm, 9:75."""


Time = Clock | BareHour | DayPart | HourInPart | InvalidClock


# Durations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Elapsed:
    """in N minutes or hours: elapsed time, in seconds; negative for "in -2 hours"."""

    seconds: Fraction


@dataclass(frozen=True)
class CalendarShift:
    """in N days, weeks or months: the calendar moves, the wall-clock time stays."""

    months: int
    days: int


@dataclass(frozen=True)
class When:
    """The parts of a time phrase as a generator chose them."""

    day: Day | None = None
    time: Time | None = None
    shift: Elapsed | CalendarShift | None = None
    immediate: bool = False


# The rules -----------------------------------------------------------------------


def expected_time(
    when: When, now: datetime, tz: ZoneInfo, date_order: str | None
) -> datetime | str:
    """Return the UTC instant the parts name, or the question to ask instead."""
    local_now = now.astimezone(tz)
    today = local_now.date()

    if when.immediate:
        return now.astimezone(UTC)
    if isinstance(when.time, InvalidClock):
        return INVALID_TIME
    if isinstance(when.day, CalendarDate) and not date_exists(when.day):
        return INVALID_DATE

    if isinstance(when.shift, Elapsed):
        # "in N hours" adds elapsed time.
        return not_before_now(now.astimezone(UTC) + to_timedelta(when.shift.seconds), now)
    if isinstance(when.shift, CalendarShift):
        return _after_calendar_shift(when, when.shift, local_now, tz, now)

    day = when.day
    if isinstance(day, LastWeekday):
        return PAST
    if isinstance(day, NumericDate):
        # 03/04 asks until the user has chosen an order.
        if date_order is None:
            return DATE_ORDER
        if date_order == "dmy":
            day = CalendarDate(day.second, day.first, day.year)
        else:
            day = CalendarDate(day.first, day.second, day.year)
        if not date_exists(day):
            return INVALID_DATE

    if isinstance(day, CalendarDate) and day.weekday is not None:
        if _next_calendar_date(day, today).weekday() != day.weekday:
            return INVALID_DATE

    days, fixed = candidate_days(day, when.time, today)
    readings = clock_readings(when.time, has_day=day is not None)
    for candidate in days:
        for hour, minute in readings:
            run_at = wall_to_utc(candidate, hour, minute, tz)
            if run_at > now:
                return run_at
            if fixed:
                # An explicit day whose time has passed is a question, not a guess.
                return PAST
    return PAST


def candidate_days(day: Day | None, time: Time | None, today: date) -> tuple[list[date], bool]:
    """Return the days the phrase may mean, earliest first, and whether it names one day.

    When it names one day (fixed), a time already past on it is PAST; otherwise the
    first day whose time is still ahead is taken.
    """
    if day is None:
        # A clock time with no day is the next time it comes round; "end of day"
        # alone is today's.
        if isinstance(time, DayPart) and time.only_today:
            return [today], True
        return [today, today + timedelta(days=1)], False

    if isinstance(day, DayOffset):
        return [today + timedelta(days=day.offset)], True

    if isinstance(day, Weekday):
        # "on Friday" on a Friday is today while its time is ahead, else next
        # week's; "next Friday" is the first Friday after today.
        ahead = (day.weekday - today.weekday()) % 7
        if ahead == 0 and day.after_today:
            ahead = 7
        if ahead == 0:
            return [today, today + timedelta(days=7)], False
        return [today + timedelta(days=ahead)], True

    if isinstance(day, WeekdayNextWeek):
        # Weeks start on Monday; "next week" alone is its Monday.
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return [monday + timedelta(days=day.weekday)], True

    if isinstance(day, ThisWeekend):
        # The Saturday and Sunday of the weekend we are in or that comes next,
        # then the Saturday after, once the Sunday's time has passed.
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today - timedelta(days=1)
        days = [saturday, saturday + timedelta(days=1), saturday + timedelta(days=7)]
        return [candidate for candidate in days if candidate >= today], False

    if isinstance(day, NextMonth):
        return [_add_months(today.replace(day=1), 1)], True

    if isinstance(day, CalendarDate):
        return [_next_calendar_date(day, today)], True

    if isinstance(day, DayOfMonth):
        month = today.replace(day=1)
        while month.day > 0:
            if day.day <= _days_in_month(month.year, month.month):
                candidate = month.replace(day=day.day)
                if candidate >= today:
                    return [candidate], True
            month = _add_months(month, 1)

    raise AssertionError(f"no rule for {day}")


def clock_readings(time: Time | None, *, has_day: bool) -> list[tuple[int, int]]:
    """Return the (hour, minute) readings of a clock time, to try in order."""
    if time is None:
        return [(DEFAULT_HOUR, 0)]
    if isinstance(time, Clock):
        return [(time.hour, time.minute)]
    if isinstance(time, DayPart):
        return [(time.hour, 0)]
    if isinstance(time, HourInPart):
        hour = time.hour + (12 if time.pm else 0)
        if time.after_midnight and has_day:
            hour += 24
        return [(hour, time.minute)]
    if isinstance(time, BareHour):
        # With a day, a bare hour reads as written on a 24-hour clock. Without
        # one, it is the nearer future of its morning and evening readings.
        if has_day:
            return [(time.hour, time.minute)]
        return [(time.hour % 12, time.minute), (time.hour % 12 + 12, time.minute)]
    raise AssertionError(f"no readings for {time}")


def _after_calendar_shift(
    when: When, shift: CalendarShift, local_now: datetime, tz: ZoneInfo, now: datetime
) -> datetime | str:
    day = _add_months(local_now.date(), shift.months) + timedelta(days=shift.days)
    if when.time is None:
        wall = datetime.combine(day, local_now.time())
        return not_before_now(naive_wall_to_utc(wall, tz), now)

    (hour, minute), *_ = clock_readings(when.time, has_day=True)
    return not_before_now(wall_to_utc(day, hour, minute, tz), now)


def not_before_now(run_at: datetime, now: datetime) -> datetime | str:
    return run_at if run_at >= now else PAST


def _next_calendar_date(day: CalendarDate, today: date) -> date:
    """A date with no year that has passed this year is next year's (February 29: a leap year)."""
    if day.year is not None:
        return date(day.year, day.month, day.day)
    year = today.year
    while True:
        if date_exists(CalendarDate(day.month, day.day, year)):
            candidate = date(year, day.month, day.day)
            if candidate >= today:
                return candidate
        year += 1


def date_exists(day: CalendarDate) -> bool:
    if not 1 <= day.month <= 12 or day.day < 1:
        return False
    if day.year is None:
        # February 29 exists in leap years.
        return day.day <= _days_in_month(2028, day.month)
    return day.day <= _days_in_month(day.year, day.month)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _add_months(day: date, months: int) -> date:
    """Move by calendar months, clamping the day to the last of the month (January 31 + 1 month)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, _days_in_month(year, month)))


def to_timedelta(seconds: Fraction) -> timedelta:
    return timedelta(microseconds=round(seconds * 1_000_000))


# Wall-clock time to UTC -----------------------------------------------------------


def wall_to_utc(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """Return the instant of hour:minute on day in tz; hours from 24 on fall on the next day."""
    if hour >= 24:
        day, hour = day + timedelta(days=1), hour - 24
    return naive_wall_to_utc(datetime(day.year, day.month, day.day, hour, minute), tz)


def naive_wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """Return the instant a wall time in tz names, by trying the offsets in force around it.

    A wall time that happens twice (DST fold) is its first occurrence. A wall
    time that does not exist (DST gap) is read at the offset in force before the
    gap, which moves it forward by the length of the gap. This tries the offsets
    instead of using zoneinfo's fold attribute, so it does not share the
    parser's way of computing the answer.
    """
    offset_before = _offset_at(wall - timedelta(days=1), tz)
    offset_after = _offset_at(wall + timedelta(days=1), tz)
    instants = []
    for offset in (offset_before, offset_after):
        instant = (wall - offset).replace(tzinfo=UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == wall:
            instants.append(instant)
    if instants:
        return min(instants)
    return (wall - offset_before).replace(tzinfo=UTC)


def _offset_at(wall: datetime, tz: ZoneInfo) -> timedelta:
    # Reading the wall time as UTC shifts it by at most 14 hours, which keeps a
    # probe one day away on its side of any DST change near the wall time.
    offset = wall.replace(tzinfo=UTC).astimezone(tz).utcoffset()
    assert offset is not None
    return offset
